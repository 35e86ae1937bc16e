import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyDelivery } from '../../src/infrastructure/webhooks/webhook-signature';

/** One delivery as a receiver got it. */
export interface Received {
  id: string;
  position: number;
  type: string;
  repoId: string | null;
  jobId: string | null;
  data: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  raw: string;
  /** The receiver's answer to it. */
  answered: number | 'hung';
  /** The sender's port of the connection it came on (which process sent it, on loopback). */
  remotePort: number;
}

/** How the receiver answers the next delivery: a status, or never. */
export type Answer = number | 'hang';

/**
 * A webhook receiver on loopback (a real node:http server): it keeps every delivery, checks
 * nothing itself (tests verify signatures), and answers as `answer` says, which a test may
 * change at any time. `until` resolves once the deliveries satisfy a predicate: tests await
 * what arrives, never a fixed time.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (delivery: Received, index: number) => Answer = () => 200;
  /** Where a 3xx answer points (its `Location`), if anywhere. */
  redirectTo: string | undefined;
  private readonly waiters: Array<{
    test: (received: readonly Received[]) => boolean;
    resolve: () => void;
  }> = [];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private server: Server,
    readonly port: number,
  ) {}

  static async start(port = 0): Promise<WebhookReceiver> {
    const server = createServer();
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const receiver = new WebhookReceiver(
      server,
      (server.address() as AddressInfo).port,
    );
    receiver.attach(server);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Distinct event ids, in the order of their first arrival. */
  firstArrivals(): Received[] {
    const seen = new Set<string>();
    return this.received.filter((r) => {
      if (!isAccepted(r) || seen.has(r.id)) return false;
      seen.add(r.id);
      return true;
    });
  }

  /** The deliveries that were answered 2xx. */
  accepted(): Received[] {
    return this.received.filter(isAccepted);
  }

  until(test: (received: readonly Received[]) => boolean): Promise<void> {
    if (test(this.received)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Every signature verifies with `secret`, and the headers name the body's event. */
  verifyAll(secret: string): void {
    for (const r of this.received) {
      const header = r.headers['x-stackyard-signature'];
      if (
        typeof header !== 'string' ||
        !verifyDelivery(secret, r.raw, header, Math.floor(Date.now() / 1000))
      )
        throw new Error(`delivery of ${r.id} is not signed with the secret`);
      if (r.headers['x-stackyard-event-id'] !== r.id)
        throw new Error(`X-Stackyard-Event-Id of ${r.id} differs`);
      if (r.headers['x-stackyard-event-type'] !== r.type)
        throw new Error(`X-Stackyard-Event-Type of ${r.id} differs`);
    }
  }

  /** Stops listening (connections dropped); `start(port)` brings it back on the same port. */
  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private attach(server: Server): void {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        const body = JSON.parse(raw) as Omit<
          Received,
          'headers' | 'raw' | 'answered' | 'remotePort'
        >;
        const delivery: Received = {
          ...body,
          headers: req.headers,
          raw,
          answered: 'hung',
          remotePort: req.socket.remotePort ?? 0,
        };
        const answer = this.answer(delivery, this.received.length);
        if (answer === 'hang') {
          this.hanging.add(res);
          this.received.push(delivery);
          this.wake();
          return;
        }
        delivery.answered = answer;
        this.received.push(delivery);
        res.writeHead(answer, {
          'content-type': 'text/plain',
          ...(answer >= 300 && answer < 400 && this.redirectTo
            ? { location: this.redirectTo }
            : {}),
        });
        res.end('ok');
        this.wake();
      });
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (!waiter.test(this.received)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

const isAccepted = (r: Received): boolean =>
  typeof r.answered === 'number' && r.answered >= 200 && r.answered < 300;
