import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { HttpWebhookSender } from '../src/infrastructure/webhooks/webhook-sender';
import { freePort } from './support/free-port';
import { silentRemote } from './support/silent-remote';
import { json, spawnServer, stop } from './support/bench-service';
import {
  type BenchRow,
  formatRatio,
  printTable,
  row,
  writeResult,
} from './support/report';

/**
 * bench:hooks — outbound webhooks to 10 loopback receivers (a process of their own), on
 * the compiled service, with the runner idle (every job waits behind a repo whose clone never
 * answers, as in bench:accept), so that each accepted action is one event to deliver to
 * each of the 10 subscriptions:
 *
 * - **accepts/s with 10 subscriptions** against the same service without any (same load,
 *   64 connections, same run): what deliveries cost the accept path;
 * - **delivered events/s**: every delivery of that load's events, from the load's start
 *   until every subscription's checkpoint reached the head, against a bare sender (10 loops
 *   POSTing signed bodies of the same size to the same receivers with the same sender);
 * - **delivery lag p99**, from the event's decision (just before its append) to its receipt,
 *   at a steady 200 accepted actions/s (one every 5 ms) on a fresh service, against the bare
 *   sender's round trip p99.
 *
 * While 4 or more commands are in flight the consumers rest 20 ms before each delivery (they
 * give way to accepts), so under the saturating load most deliveries happen once it ends:
 * the delivered figure is over the load and the drain after it.
 */
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const PACED_RATE = Number(process.env.BENCH_HOOKS_RATE ?? 200);
const PACED_SECONDS = Number(process.env.BENCH_HOOKS_PACED_SECONDS ?? 10);
const RECEIVERS = 10;
const CONNECTIONS = 64;
const MAIN = join(__dirname, '..', 'src', 'main.js');
const RECEIVERS_MAIN = join(__dirname, 'support', 'hooks-receivers.js');
const BODY = JSON.stringify({ action: 'restack_repo' });

interface Stats {
  distinct: number[];
  deliveries: number;
  lags: number[];
}

class Receivers {
  private constructor(
    private readonly child: ChildProcess,
    readonly ports: number[],
  ) {}

  static async start(): Promise<Receivers> {
    const child = fork(RECEIVERS_MAIN, [String(RECEIVERS)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [message] = (await once(child, 'message')) as [{ ports: number[] }];
    return new Receivers(child, message.ports);
  }

  async stats(): Promise<Stats> {
    const answer = once(this.child, 'message');
    this.child.send({ type: 'stats' });
    return ((await answer) as [Stats])[0];
  }

  async reset(): Promise<void> {
    const answer = once(this.child, 'message');
    this.child.send({ type: 'reset' });
    await answer;
  }

  stop(): void {
    this.child.kill();
  }
}

async function load(
  url: string,
  duration: number,
): Promise<{ rps: number; p99: number; errors: number; total: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections: CONNECTIONS,
    duration,
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
  };
}

async function startService(
  dataDir: string,
  /** The receivers' ports: the allow-list names each (an entry without one is 80 and 443). */
  ports: readonly number[],
): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = await spawnServer(
    [MAIN],
    {
      PORT: String(port),
      STACKYARD_DATA_DIR: dataDir,
      STACKYARD_STEP_TIMEOUT_MS: '0',
      STACKYARD_WEBHOOK_HOSTS: ports.map((p) => `127.0.0.1:${p}`).join(','),
      LOG_LEVEL: 'log',
    },
    'listening on',
  );
  return { child, base: `http://127.0.0.1:${port}` };
}

/**
 * One request every 1/`rate` s on a timer, not waiting for the answers (autocannon's
 * `overallRate` sends each second's quota at once, a burst, which is another figure).
 */
async function steadyLoad(
  url: string,
  seconds: number,
  rate: number,
): Promise<{ rps: number; p99: number; errors: number; total: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const sends: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < seconds * rate; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    sends.push(
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      }).then(
        async (res) => {
          await res.arrayBuffer();
          if (res.status !== 202) errors++;
          latencies.push(performance.now() - sent);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(sends);
  const elapsed = (performance.now() - start) / 1000;
  return {
    rps: latencies.length / elapsed,
    p99: percentile(latencies, 0.99),
    errors,
    total: latencies.length,
  };
}

/** One subscription per receiver, to every event. */
async function subscribeAll(base: string, ports: number[]): Promise<void> {
  for (const port of ports)
    await json(`${base}/subscriptions`, {
      method: 'POST',
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hooks` }),
    });
}

/** Resolves once every subscription's checkpoint stands at the store's head. */
async function drained(base: string): Promise<void> {
  for (;;) {
    const list = (await json(`${base}/subscriptions`)) as {
      items?: Array<{ checkpoint: { lag: number } }>;
    };
    if ((list.items ?? []).every((s) => s.checkpoint.lag === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
};

/**
 * The reference sender: 10 loops, one per receiver, sending event-sized bodies with the
 * service's own sender (signed, keep-alive) for `seconds`, with no store, cursor or
 * subscription behind them.
 */
async function bareSender(
  ports: number[],
  seconds: number,
): Promise<{ perSecond: number; p99: number }> {
  const sender = new HttpWebhookSender(10_000);
  const until = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  let sent = 0;
  await Promise.all(
    ports.map(async (port, i) => {
      for (let n = 0; Date.now() < until; n++) {
        const body = JSON.stringify({
          id: `bare-${i}-${n}`,
          position: n,
          type: 'RepoActionRequested',
          at: new Date().toISOString(),
          repoId: 'r',
          jobId: 'j',
          data: {
            jobId: 'j',
            orgId: 'default',
            repoId: 'r',
            action: 'restack_repo',
          },
        });
        const outcome = await sender.send(
          {
            url: `http://127.0.0.1:${port}/hooks`,
            secret: 'bench-secret-0123456789',
            eventId: `bare-${i}-${n}`,
            eventType: 'RepoActionRequested',
            body,
          },
          new AbortController().signal,
        );
        latencies.push(outcome.latencyMs);
        sent++;
      }
    }),
  );
  sender.close();
  return { perSecond: sent / seconds, p99: percentile(latencies, 0.99) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-bench-hooks-'));
  const silent = await silentRemote();
  const receivers = await Receivers.start();
  const loadBefore = loadavg()[0]!;

  // Without subscriptions: the reference accepts/s.
  const plain = await startService(join(dir, 'data-plain'), receivers.ports);
  let without;
  try {
    const held = await json(`${plain.base}/repos`, {
      method: 'POST',
      body: JSON.stringify({ name: 'held', remoteUrl: silent.url }),
    });
    const url = `${plain.base}/repos/${String(held.repoId)}/actions`;
    await load(url, 2);
    without = await load(url, DURATION);
  } finally {
    await stop(plain.child);
  }

  // With 10 subscriptions, one per receiver.
  const hooked = await startService(join(dir, 'data-hooks'), receivers.ports);
  let withHooks;
  let deliveredPerSecond;
  let delivered;
  let paced;
  let lags: number[];
  try {
    const held = await json(`${hooked.base}/repos`, {
      method: 'POST',
      body: JSON.stringify({ name: 'held', remoteUrl: silent.url }),
    });
    await subscribeAll(hooked.base, receivers.ports);
    const url = `${hooked.base}/repos/${String(held.repoId)}/actions`;
    await load(url, 2);
    await drained(hooked.base);
    await receivers.reset();
    const started = performance.now();
    withHooks = await load(url, DURATION);
    await drained(hooked.base);
    const seconds = (performance.now() - started) / 1000;
    const stats = await receivers.stats();
    delivered = stats.distinct.reduce((a, b) => a + b, 0);
    deliveredPerSecond = delivered / seconds;
  } finally {
    await stop(hooked.child);
  }

  // The lag at a steady rate, on a service of its own: the backlog of queued jobs the load
  // above leaves (none of them runs) would weigh on it (the runner's checkpoints).
  const steady = await startService(join(dir, 'data-steady'), receivers.ports);
  try {
    const held = await json(`${steady.base}/repos`, {
      method: 'POST',
      body: JSON.stringify({ name: 'held', remoteUrl: silent.url }),
    });
    await subscribeAll(steady.base, receivers.ports);
    const url = `${steady.base}/repos/${String(held.repoId)}/actions`;
    await drained(steady.base);
    await receivers.reset();
    paced = await steadyLoad(url, PACED_SECONDS, PACED_RATE);
    await drained(steady.base);
    lags = (await receivers.stats()).lags;
  } finally {
    await stop(steady.child);
  }

  await receivers.reset();
  const bare = await bareSender(receivers.ports, 5);
  receivers.stop();
  silent.close();
  rmSync(dir, { recursive: true, force: true });
  const loadAfter = loadavg()[0]!;

  const rows: BenchRow[] = [
    row(
      `accepted actions/s, ${CONNECTIONS} connections, 10 subscriptions delivering`,
      'req/s',
      withHooks.rps,
      without.rps,
      'the same service and load without subscriptions',
    ),
    row(
      `delivered events/s to ${RECEIVERS} receivers (load start to every checkpoint at the head)`,
      'events/s',
      deliveredPerSecond,
      bare.perSecond,
      `the same sender alone: ${RECEIVERS} loops to the same receivers`,
    ),
    row(
      `delivery lag p99 (decided → received) at ${PACED_RATE} accepted actions/s`,
      'ms',
      percentile(lags, 0.99),
      bare.p99,
      'the bare sender’s round trip p99',
      false,
    ),
  ];
  printTable('bench:hooks', rows);
  const extra = {
    loadAverage: { before: loadBefore, after: loadAfter },
    withHooks,
    without,
    delivered,
    paced: { ...paced, lagP50: percentile(lags, 0.5), deliveries: lags.length },
    accepts: {
      ratio: formatRatio(withHooks.rps / without.rps),
      target: 'not slower than 0.90x',
    },
  };
  process.stdout.write(`\n${JSON.stringify(extra, null, 2)}\n`);
  process.stdout.write(
    `written to ${writeResult('hooks', rows, extra)} (load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)})\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
