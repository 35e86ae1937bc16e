import { type IncomingMessage, request } from 'node:http';

/**
 * The SSE clients of `bench:sse`, in a process of their own so that reading 1,000 streams
 * does not delay the bench's own requests (and its latency figures). Run with the fork
 * channel as `node sse-clients.js <base url> <count> [repoId]`: every other client asks
 * for `repoId`'s events only, the rest for everything. Each client reads its stream as a
 * browser does (blocks ending in a blank line; a block with data is a message) and, when
 * its connection breaks, connects again with `Last-Event-ID` = the last id it read.
 *
 * Messages to the parent: `{ type: 'ready' }` once every client has its stream open;
 * `{ type: 'report', … }` after `{ type: 'finish', head }` once every client has reached
 * `head` (or 30 s passed).
 */

/** Milliseconds on the machine's monotonic clock, comparable across processes. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface ClientsReport {
  type: 'report';
  clients: number;
  /** Messages received in all. */
  messages: number;
  /** Messages whose id was not above the client's last id. */
  duplicated: number;
  /** Positions a client skipped, or had not reached at the end. */
  lost: number;
  /** Connections the service closed, after which the client resumed. */
  reconnects: number;
  /** Per job id, when each client received its `RepoActionRequested` (ms, {@link nowMs}). */
  received: Record<string, number[]>;
}

const REQUESTED = 'event: RepoActionRequested\n';
const JOB_ID = '"jobId":"';

class Client {
  last = -1;
  messages = 0;
  duplicated = 0;
  gaps = 0;
  reconnects = 0;
  private opened = false;
  private response: IncomingMessage | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly received: Map<string, number[]>,
    private readonly onOpen: () => void,
    private readonly onMessage: () => void,
  ) {}

  connect(): void {
    const headers: Record<string, string> =
      this.last >= 0 ? { 'last-event-id': String(this.last) } : {};
    const req = request(this.url, { agent: false, headers }, (res) => {
      if (res.statusCode !== 200) {
        process.stderr.write(`GET /events answered ${res.statusCode}\n`);
        process.exit(1);
      }
      this.response = res;
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const at = nowMs();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          this.block(buffer.slice(0, cut), at);
          buffer = buffer.slice(cut + 2);
        }
      });
      res.on('close', () => this.broken());
    });
    req.on('error', () => this.broken());
    req.end();
  }

  stop(): void {
    this.stopped = true;
    this.response?.destroy();
  }

  private broken(): void {
    if (this.stopped) return;
    this.stopped = true; // until the new connection is made
    this.reconnects++;
    setTimeout(() => {
      this.stopped = false;
      this.connect();
    }, 10);
  }

  private block(block: string, at: number): void {
    if (block.startsWith('retry:')) {
      // The stream's opening block: `id:` is the position it resumes after.
      const id = /(?:^|\n)id: (\d+)(?:\n|$)/.exec(block);
      if (id && this.last < 0) this.last = Number(id[1]);
      if (!this.opened) {
        this.opened = true;
        this.onOpen();
      }
      return;
    }
    if (!block.startsWith('id: ')) return; // a heartbeat
    const id = Number(block.slice(4, block.indexOf('\n')));
    this.messages++;
    if (id <= this.last) {
      this.duplicated++;
      return;
    }
    this.gaps += id - this.last - 1;
    this.last = id;
    if (block.includes(REQUESTED)) {
      const from = block.indexOf(JOB_ID) + JOB_ID.length;
      const jobId = block.slice(from, block.indexOf('"', from));
      let times = this.received.get(jobId);
      if (!times) this.received.set(jobId, (times = []));
      times.push(at);
    }
    this.onMessage();
  }
}

function main(): void {
  const [base, countArg, repoId] = process.argv.slice(2);
  const count = Number(countArg);
  const received = new Map<string, number[]>();
  let open = 0;
  let finish: { head: number; done: () => void } | undefined;
  const clients: Client[] = [];
  const reached = () => clients.every((c) => c.last >= finish!.head);
  let checkPending = false;
  const onMessage = () => {
    if (!finish || checkPending) return;
    checkPending = true;
    setImmediate(() => {
      checkPending = false;
      if (finish && reached()) finish.done();
    });
  };
  for (let i = 0; i < count; i++) {
    const url =
      i % 2 === 1 && repoId
        ? `${base}/events?repoId=${encodeURIComponent(repoId)}`
        : `${base}/events`;
    clients.push(
      new Client(
        url,
        received,
        () => {
          if (++open === count) process.send!({ type: 'ready' });
        },
        onMessage,
      ),
    );
  }
  // Connect in waves, so that the service is not asked for 1,000 streams in one instant.
  let next = 0;
  const wave = () => {
    for (const end = Math.min(next + 50, count); next < end; next++)
      clients[next]!.connect();
    if (next < count) setTimeout(wave, 20);
  };
  wave();

  process.on('message', (message: { type: string; head: number }) => {
    if (message.type !== 'finish') return;
    let reported = false;
    const report = () => {
      if (reported) return;
      reported = true;
      clearTimeout(timer);
      const out: ClientsReport = {
        type: 'report',
        clients: count,
        messages: clients.reduce((n, c) => n + c.messages, 0),
        duplicated: clients.reduce((n, c) => n + c.duplicated, 0),
        lost: clients.reduce(
          (n, c) => n + c.gaps + Math.max(0, message.head - c.last),
          0,
        ),
        reconnects: clients.reduce((n, c) => n + c.reconnects, 0),
        received: Object.fromEntries(received),
      };
      for (const c of clients) c.stop();
      process.send!(out, () => process.exit(0));
    };
    const timer = setTimeout(report, 30_000);
    finish = { head: message.head, done: report };
    if (reached()) report();
  });
}

if (require.main === module) main();
