import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * bench:hooks' receivers, in a process of their own so that their work does not slow the
 * load generator: `count` node:http servers on loopback answering 200 at once. Each keeps
 * the distinct event ids it got and, per delivery, the lag from the event's `at` (when the
 * service decided it, just before its append) to its receipt here.
 *
 * Messages: sends `{ ports }` once listening; answers `{ type: 'stats' }` with
 * `{ distinct: number[], deliveries, lags }` and `{ type: 'reset' }` with `{ reset: true }`.
 */
const count = Number(process.argv[2] ?? 10);
const seen: Array<Set<string>> = [];
let deliveries = 0;
let lags: number[] = [];

async function main(): Promise<void> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const ids = new Set<string>();
    seen.push(ids);
    const server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        const body = JSON.parse(raw) as { id: string; at: string };
        deliveries++;
        ids.add(body.id);
        lags.push(Date.now() - Date.parse(body.at));
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
  }
  process.send!({
    ports: servers.map((s) => (s.address() as AddressInfo).port),
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats')
      process.send!({
        distinct: seen.map((s) => s.size),
        deliveries,
        lags,
      });
    if (message.type === 'reset') {
      for (const s of seen) s.clear();
      deliveries = 0;
      lags = [];
      process.send!({ reset: true });
    }
  });
}

void main();
