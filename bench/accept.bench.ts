import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { type BenchRow, printTable, row, writeResult } from './support/report';
import { freePort } from './support/free-port';

/**
 * bench:accept — how fast `POST /repos/:id/actions` accepts durable jobs, beside (same run,
 * same machine, same HTTP stack): a bare route doing only the same group-committed append,
 * the synchronous design (the request waits for the job), and BullMQ `queue.add` when
 * REDIS_URL is set. The load generator runs in this process, on the same 2 cores.
 */
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const SYNC_DURATION = Number(process.env.BENCH_SYNC_DURATION ?? 5);
const MAIN = join(__dirname, '..', 'src', 'main.js');
const REFERENCE = join(__dirname, 'support', 'reference-server.js');
const BODY = JSON.stringify({ action: 'restack_repo' });

async function spawnServer(
  args: string[],
  env: Record<string, string>,
  ready: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  child.stdout.resume();
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
}

/** A throw-away origin with a three-branch stack on main. */
function makeOrigin(dir: string): string {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Bench',
        GIT_AUTHOR_EMAIL: 'bench@example.com',
        GIT_COMMITTER_NAME: 'Bench',
        GIT_COMMITTER_EMAIL: 'bench@example.com',
      },
    });
  const origin = join(dir, 'origin.git');
  const work = join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  git(dir, 'init', '--quiet', '--initial-branch=main', work);
  git(work, 'commit', '--quiet', '--allow-empty', '-m', 'root');
  for (const b of ['a', 'b', 'c']) {
    git(work, 'checkout', '--quiet', '-b', b);
    git(work, 'commit', '--quiet', '--allow-empty', '-m', b);
  }
  git(work, 'push', '--quiet', origin, 'main', 'a', 'b', 'c');
  return origin;
}

async function json(
  url: string,
  init?: RequestInit,
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json' },
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function untilJobEnds(base: string, jobId: string): Promise<void> {
  for (;;) {
    const job = await json(`${base}/jobs/${jobId}`);
    if (['completed', 'error', 'cancelled'].includes(String(job.status)))
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(
  url: string,
  connections: number,
  duration: number,
): Promise<Load> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections,
    duration,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-bench-accept-'));
  const origin = makeOrigin(dir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const service = await spawnServer(
    [MAIN],
    {
      PORT: String(port),
      STACKYARD_DATA_DIR: join(dir, 'data'),
      STACKYARD_BENCH_ROUTES: '1',
      LOG_LEVEL: 'log', // 'listening on' is logged at this level
    },
    'listening on',
  );
  const measured: Record<string, { at16: Load; at64: Load }> = {};
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
      at16: await load(syncUrl, 16, SYNC_DURATION),
      at64: await load(syncUrl, 64, SYNC_DURATION),
    };
    const url = `${base}/repos/${String(repo.repoId)}/actions`;
    await load(url, 16, 2); // warm-up
    measured.ours = {
      at16: await load(url, 16, DURATION),
      at64: await load(url, 64, DURATION),
    };
  } finally {
    await stop(service);
  }

  for (const mode of ['append', ...(process.env.REDIS_URL ? ['bullmq'] : [])]) {
    const refPort = await freePort();
    const ref = await spawnServer(
      [REFERENCE, mode, String(refPort), join(dir, `reference-${mode}`)],
      {},
      'listening',
    );
    try {
      const url = `http://127.0.0.1:${refPort}/enqueue`;
      await load(url, 16, 2);
      measured[mode] = {
        at16: await load(url, 16, DURATION),
        at64: await load(url, 64, DURATION),
      };
    } finally {
      await stop(ref);
    }
  }
  rmSync(dir, { recursive: true, force: true });

  const ours = measured.ours;
  const refs: Array<[string, string]> = [
    ['append', 'bare Nest route, same durable append'],
    ['sync', 'synchronous design (waits for the job)'],
    ['bullmq', 'BullMQ queue.add on Redis'],
  ];
  const rows: BenchRow[] = [
    row(
      'accepted actions/s, 64 connections',
      'req/s',
      ours.at64.rps,
      3000,
      'target (issue 4)',
    ),
    row(
      'accepted actions/s, 64 connections',
      'req/s',
      ours.at64.rps,
      8000,
      'target',
    ),
    row(
      'p99 latency, 16 connections',
      'ms',
      ours.at16.p99,
      10,
      'target',
      false,
    ),
  ];
  for (const [key, name] of refs) {
    const ref = measured[key];
    if (!ref) continue;
    rows.push(
      row(
        'accepted actions/s, 64 connections',
        'req/s',
        ours.at64.rps,
        ref.at64.rps,
        name,
      ),
      row(
        'accepted actions/s, 16 connections',
        'req/s',
        ours.at16.rps,
        ref.at16.rps,
        name,
      ),
      row(
        'p50 latency, 16 connections',
        'ms',
        ours.at16.p50,
        ref.at16.p50,
        name,
        false,
      ),
      row(
        'p99 latency, 16 connections',
        'ms',
        ours.at16.p99,
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
  console.log(
    `errors and non-2xx answers per variant: ${JSON.stringify(errors)}`,
  );
  console.log(
    `wrote ${writeResult('accept', rows, { durationSeconds: DURATION, errors })}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
