import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { type BenchRow, printTable, row, writeResult } from './support/report';
import { freePort } from './support/free-port';
import { silentRemote } from './support/silent-remote';
import {
  json,
  makeOrigin,
  spawnServer,
  stop,
  untilJobEnds,
} from './support/bench-service';

/**
 * bench:accept — how fast `POST /repos/:id/actions` accepts durable jobs, in two figures the
 * earlier bench conflated, beside (same run, same machine, same HTTP stack) a bare route
 * doing only the same group-committed append, the floor (a bare route doing the service's
 * own append followed by the service's projections, and nothing else: what the runner-idle
 * figure's price cannot go below), the synchronous design (the request waits for the job),
 * and BullMQ `queue.add` when REDIS_URL is set:
 *
 * - **runner idle**: actions asked of a repo whose lane is held (its first job clones from a
 *   remote that accepts the connection and never answers), so that nothing runs: the price
 *   of the request, its append, the three projections and the runner's bookkeeping (on a
 *   service of its own, so that the backlog it leaves does not weigh on the next figure);
 * - **runner busy**: actions asked of a repo with a real stack, each a restack the runner
 *   really runs (git child processes) on the same cores while requests keep coming.
 *
 * Beside throughput, each figure has the server's CPU time per answered request (utime +
 * stime of its process from /proc, before and after the load): steadier than throughput on
 * shared machines. The load generator runs in this process, on the same cores.
 */
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const SYNC_DURATION = Number(process.env.BENCH_SYNC_DURATION ?? 5);
const MAIN = join(__dirname, '..', 'src', 'main.js');
const REFERENCE = join(__dirname, 'support', 'reference-server.js');
const BODY = JSON.stringify({ action: 'restack_repo' });
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU seconds a process has used (user + system), from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The server's CPU time per answered request, ms. */
  cpuMs: number;
}

async function load(
  url: string,
  connections: number,
  duration: number,
  serverPid: number,
): Promise<Load> {
  const cpuBefore = cpuSeconds(serverPid);
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections,
    duration,
  });
  const cpu = cpuSeconds(serverPid) - cpuBefore;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuMs: result.requests.total > 0 ? (cpu * 1000) / result.requests.total : 0,
  };
}

/** Jobs that ended (any outcome) so far, from the service's metrics. */
async function jobsEnded(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('stackyard_job_outcomes_total'))
      total += Number(line.split(' ').pop());
  return total;
}

type Figure = { at16: Load; at64: Load };

/** Both connection counts at `url`, after a 2 s warm-up. */
async function measure(url: string, pid: number): Promise<Figure> {
  await load(url, 16, 2, pid);
  return {
    at16: await load(url, 16, DURATION, pid),
    at64: await load(url, 64, DURATION, pid),
  };
}

/** The compiled service on a fresh data dir of its own; stop it when done. */
async function startService(
  dataDir: string,
): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = await spawnServer(
    [MAIN],
    {
      PORT: String(port),
      STACKYARD_DATA_DIR: dataDir,
      STACKYARD_BENCH_ROUTES: '1',
      // The held repo's clone waits for the whole run.
      STACKYARD_STEP_TIMEOUT_MS: '0',
      LOG_LEVEL: 'log', // 'listening on' is logged at this level
    },
    'listening on',
  );
  return { child, base: `http://127.0.0.1:${port}` };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-bench-accept-'));
  const origin = makeOrigin(dir);
  const silent = await silentRemote();
  const loadBefore = loadavg()[0]!;
  const measured: Record<string, Figure> = {};
  let jobsDuringBusy = 0;

  // Runner idle, on a service of its own (the backlog it leaves must not weigh on the busy
  // figure): every job waits behind the held repo's clone.
  const idleService = await startService(join(dir, 'data-idle'));
  try {
    const held = await json(`${idleService.base}/repos`, {
      method: 'POST',
      body: JSON.stringify({ name: 'held', remoteUrl: silent.url }),
    });
    measured.idle = await measure(
      `${idleService.base}/repos/${String(held.repoId)}/actions`,
      idleService.child.pid!,
    );
  } finally {
    await stop(idleService.child);
    silent.close();
  }

  // Runner busy: every job is a restack the runner runs meanwhile.
  const { child: service, base } = await startService(join(dir, 'data-busy'));
  const pid = service.pid!;
  try {
    const repo = await json(`${base}/repos`, {
      method: 'POST',
      body: JSON.stringify({ name: 'bench', remoteUrl: origin }),
    });
    await untilJobEnds(base, String(repo.initialJobId));
    for (const branchName of ['a', 'b', 'c']) {
      const job = await json(`${base}/repos/${String(repo.repoId)}/actions`, {
        method: 'POST',
        body: JSON.stringify({
          action: 'register_existing_branch',
          branchName,
        }),
      });
      await untilJobEnds(base, String(job.jobId));
    }
    // The synchronous design first, before the accepted jobs pile up behind its repo.
    const syncUrl = `${base}/bench/repos/${String(repo.repoId)}/actions-sync`;
    measured.sync = {
      at16: await load(syncUrl, 16, SYNC_DURATION, pid),
      at64: await load(syncUrl, 64, SYNC_DURATION, pid),
    };
    const before = await jobsEnded(base);
    const busyStart = process.hrtime.bigint();
    measured.busy = await measure(
      `${base}/repos/${String(repo.repoId)}/actions`,
      pid,
    );
    const busySeconds = Number(process.hrtime.bigint() - busyStart) / 1e9;
    jobsDuringBusy = ((await jobsEnded(base)) - before) / busySeconds;
  } finally {
    await stop(service);
  }

  for (const mode of [
    'append',
    'projected',
    ...(process.env.REDIS_URL ? ['bullmq'] : []),
  ]) {
    const refPort = await freePort();
    const ref = await spawnServer(
      [REFERENCE, mode, String(refPort), join(dir, `reference-${mode}`)],
      {},
      'listening',
    );
    try {
      measured[mode] = await measure(
        `http://127.0.0.1:${refPort}/enqueue`,
        ref.pid!,
      );
    } finally {
      await stop(ref);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const loadAfter = loadavg()[0]!;

  const { idle, busy, append, projected } = measured as Record<
    'idle' | 'busy' | 'append' | 'projected',
    Figure
  >;
  const bare = 'bare Nest route, same durable append';
  const floor = 'floor: bare route, append, every projection';
  const rows: BenchRow[] = [
    row(
      'runner idle: accepted actions/s, 64 connections',
      'req/s',
      idle.at64.rps,
      append.at64.rps,
      bare,
    ),
    row(
      'runner idle: accepted actions/s, 16 connections',
      'req/s',
      idle.at16.rps,
      append.at16.rps,
      bare,
    ),
    row(
      'runner idle: server CPU per request, 64 connections',
      'ms',
      idle.at64.cpuMs,
      append.at64.cpuMs,
      bare,
      false,
    ),
    row(
      'runner idle: server CPU per request, 16 connections',
      'ms',
      idle.at16.cpuMs,
      append.at16.cpuMs,
      bare,
      false,
    ),
    row(
      'runner idle: p50 latency, 16 connections',
      'ms',
      idle.at16.p50,
      append.at16.p50,
      bare,
      false,
    ),
    row(
      'runner idle: p99 latency, 16 connections',
      'ms',
      idle.at16.p99,
      append.at16.p99,
      bare,
      false,
    ),
    // What a route that does only what the runner-idle figure counts in a request's price
    // (its append and its projections, nothing else) reaches against the bare route.
    row(
      'floor: accepted actions/s, 64 connections',
      'req/s',
      projected.at64.rps,
      append.at64.rps,
      bare,
    ),
    row(
      'floor: server CPU per request, 64 connections',
      'ms',
      projected.at64.cpuMs,
      append.at64.cpuMs,
      bare,
      false,
    ),
    row(
      'floor: server CPU per request, 16 connections',
      'ms',
      projected.at16.cpuMs,
      append.at16.cpuMs,
      bare,
      false,
    ),
    row(
      'runner idle: accepted actions/s, 64 connections',
      'req/s',
      idle.at64.rps,
      projected.at64.rps,
      floor,
    ),
    row(
      'runner idle: server CPU per request, 64 connections',
      'ms',
      idle.at64.cpuMs,
      projected.at64.cpuMs,
      floor,
      false,
    ),
    row(
      'runner idle: server CPU per request, 16 connections',
      'ms',
      idle.at16.cpuMs,
      projected.at16.cpuMs,
      floor,
      false,
    ),
    row(
      'runner busy: accepted actions/s, 64 connections',
      'req/s',
      busy.at64.rps,
      append.at64.rps,
      bare,
    ),
    row(
      'runner busy: accepted actions/s, 16 connections',
      'req/s',
      busy.at16.rps,
      append.at16.rps,
      bare,
    ),
    row(
      'runner busy: server CPU per request, 64 connections',
      'ms',
      busy.at64.cpuMs,
      append.at64.cpuMs,
      bare,
      false,
    ),
    row(
      'runner busy: server CPU per request, 16 connections',
      'ms',
      busy.at16.cpuMs,
      append.at16.cpuMs,
      bare,
      false,
    ),
    row(
      'runner busy: p50 latency, 16 connections',
      'ms',
      busy.at16.p50,
      append.at16.p50,
      bare,
      false,
    ),
    row(
      'runner busy: p99 latency, 16 connections',
      'ms',
      busy.at16.p99,
      append.at16.p99,
      bare,
      false,
    ),
    row(
      'runner busy: p99 latency, 16 connections',
      'ms',
      busy.at16.p99,
      10,
      'target',
      false,
    ),
    row(
      'runner busy: jobs ended meanwhile',
      'jobs/s',
      jobsDuringBusy,
      null,
      '',
    ),
    row(
      'runner busy: accepted actions/s, 64 connections',
      'req/s',
      busy.at64.rps,
      3000,
      'target (issue 4)',
    ),
  ];
  for (const [key, name] of [
    ['sync', 'synchronous design (waits for the job)'],
    ['bullmq', 'BullMQ queue.add on Redis'],
  ] as const) {
    const ref = measured[key];
    if (!ref) continue;
    rows.push(
      row(
        'runner busy: accepted actions/s, 64 connections',
        'req/s',
        busy.at64.rps,
        ref.at64.rps,
        name,
      ),
      row(
        'runner busy: accepted actions/s, 16 connections',
        'req/s',
        busy.at16.rps,
        ref.at16.rps,
        name,
      ),
      row(
        'runner busy: p99 latency, 16 connections',
        'ms',
        busy.at16.p99,
        ref.at16.p99,
        name,
        false,
      ),
    );
  }
  printTable(
    'bench:accept — POST /repos/:id/actions (durable before its 202)',
    rows,
  );
  const errors = Object.fromEntries(
    Object.entries(measured).map(([k, v]) => [
      k,
      v.at16.errors + v.at64.errors,
    ]),
  );
  const loadAverage = { before: loadBefore, after: loadAfter };
  console.log(
    `errors and non-2xx answers per variant: ${JSON.stringify(errors)}; load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
  );
  console.log(
    `wrote ${writeResult('accept', rows, { durationSeconds: DURATION, errors, loadAverage })}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
