import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { SseFanout } from '../../../src/read-models/events/sse-fanout';

/**
 * A response body in HTTP/1.1 chunked framing, decoded strictly: every chunk's size line,
 * its bytes and its CRLF; undefined while the bytes end inside a chunk.
 */
function dechunk(raw: Buffer): { body: string; chunks: number } | undefined {
  let at = 0;
  let body = '';
  let chunks = 0;
  while (at < raw.length) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const sizeLine = raw.subarray(at, eol).toString();
    if (!/^[0-9a-f]+$/.test(sizeLine)) throw new Error(`bad size ${sizeLine}`);
    const size = parseInt(sizeLine, 16);
    if (eol + 2 + size + 2 > raw.length) return undefined;
    body += raw.subarray(eol + 2, eol + 2 + size).toString();
    if (raw.subarray(eol + 2 + size, eol + 4 + size).toString() !== '\r\n')
      throw new Error('a chunk without its CRLF');
    at = eol + 4 + size;
    chunks++;
  }
  return { body, chunks };
}

describe('the event-stream fan-out on real HTTP connections', () => {
  let store: InMemoryEventStore;
  let fanout: SseFanout;
  let server: Server;
  let responses: ServerResponse[];
  let sockets: Socket[];

  beforeEach(async () => {
    store = new InMemoryEventStore();
    fanout = new SseFanout(store);
    responses = [];
    sockets = [];
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      responses.push(res);
      fanout.open(res, { orgId: 'o1' }, 1);
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
  });

  afterEach(async () => {
    fanout.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Until `ready` holds, checked every turn of the event loop. */
  async function turnsUntil(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise((r) => setImmediate(r));
  }

  /** A client speaking `version`, its raw bytes after the head kept. */
  function client(version: '1.0' | '1.1') {
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let raw = Buffer.alloc(0);
    const wakes: Array<() => void> = [];
    socket.on('data', (data: Buffer) => {
      raw = Buffer.concat([raw, data]);
      for (const wake of wakes.splice(0)) wake();
    });
    socket.write(`GET /events HTTP/${version}\r\nHost: x\r\n\r\n`);
    const body = () => {
      const split = raw.indexOf('\r\n\r\n');
      return split < 0 ? undefined : raw.subarray(split + 4);
    };
    return {
      head: () => raw.subarray(0, raw.indexOf('\r\n\r\n')).toString(),
      body,
      /** Resolves once `ready` holds of the bytes received. */
      until: async (ready: () => boolean) => {
        while (!ready()) await new Promise<void>((r) => wakes.push(r));
      },
    };
  }

  const append = (jobId: string, n: number) =>
    store.appendToStream(
      `repo-action-${jobId}`,
      Array.from({ length: n }, () => ({
        type: 'RepoActionProgressed',
        data: { text: 'é'.repeat(40) },
        metadata: { orgId: 'o1', repoId: 'r1', jobId },
      })),
      { expectedVersion: 'any' },
    );

  it('writes each batch to a chunked response already framed, past the response, in valid chunks and in order', async () => {
    const c = client('1.1');
    await turnsUntil(() => fanout.liveCount === 1);
    const res = responses[0]!;
    const writes = jest.spyOn(res, 'write');
    for (let i = 0; i < 20; i++) await append(`j${i}`, 1 + (i % 3));
    await c.until(() => {
      const decoded = c.body() && dechunk(c.body()!);
      return (decoded?.body.match(/^id: [1-9]/gm)?.length ?? 0) >= 39;
    });
    expect(c.head()).toMatch(/transfer-encoding: chunked/i);
    const { body } = dechunk(c.body()!)!;
    // After the stream's start (`id: 0`), every event once, in order.
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(body).toContain('é'.repeat(40));
    // Every batch went to the connection itself, none through the response.
    expect(writes).not.toHaveBeenCalled();
  });

  it('writes through the response where it is not chunked (HTTP/1.0)', async () => {
    const c = client('1.0');
    await turnsUntil(() => fanout.liveCount === 1);
    const writes = jest.spyOn(responses[0]!, 'write');
    await append('j1', 2);
    await c.until(
      () =>
        (c
          .body()
          ?.toString()
          .match(/^id: [1-9]/gm)?.length ?? 0) >= 2,
    );
    expect(c.head()).not.toMatch(/transfer-encoding/i);
    expect(c.body()!.toString()).toMatch(/^id: 2$/m);
    expect(writes).toHaveBeenCalledTimes(1);
  });
});
