import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, REQUEST_TIMEOUT_MS } from '../src/app.factory';
import { loadConfig } from '../src/infrastructure/config/app-config';
import { ErrorResource } from '../src/infrastructure/http/error.resource';
import { openStorage } from '../src/infrastructure/storage/storage';
import { READ_MODEL_SCHEMA } from '../src/read-models/read-model.schema';

/** Writes `bytes` and resolves with all the server sent once it closed the connection. */
async function raw(port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', resolve));
  socket.write(bytes, 'latin1');
  await closed;
  return Buffer.concat(chunks).toString('utf8');
}

describe('a request that stops midway', () => {
  let dir: string;
  let app: NestFastifyApplication;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-timeouts-'));
    app = await createApp(
      { ...loadConfig({ STACKYARD_DATA_DIR: dir }), logLevel: 'error' },
      await openStorage(dir, READ_MODEL_SCHEMA),
    );
  });

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is answered 408 with the coded body and its connection closed, instead of being waited for for ever', async () => {
    const server = app.getHttpServer();
    // The service's limit. Node swaps the two limits when the one for the headers is the
    // longer, and then the body would get only the headers' time.
    expect(server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(server.headersTimeout).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
    // Shortened here (and checked often), so that the test does not wait a minute.
    server.requestTimeout = 200;
    server.headersTimeout = 200;
    // Read when the server starts listening; Node's types do not name it.
    (
      server as Server & { connectionsCheckingInterval: number }
    ).connectionsCheckingInterval = 20;
    await app.listen(0, '127.0.0.1');
    const address = server.address();
    if (address === null || typeof address === 'string')
      throw new Error('no port');

    // Headers and 4 of the 50 bytes of body the request announces; then nothing.
    const answer = await raw(
      address.port,
      'POST /repos HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"na',
    );

    const [head, body] = answer.split('\r\n\r\n');
    expect(head!.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(head).toContain('Connection: close');
    expect(ErrorResource.parse(JSON.parse(body!)).error.code).toBe(
      'HTTP.REQUEST_TIMEOUT',
    );
  });
});
