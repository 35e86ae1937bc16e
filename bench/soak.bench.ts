/**
 * npm run bench:soak — the compiled service as a child process, on a fresh data dir, under
 * mixed load for SOAK_SECONDS (180; or `node dist/bench/soak.bench.js <seconds>`): accepts of
 * every action kind (with and without Idempotency-Key, retries of a key, tasks, cancels, a
 * few refused on purpose) on several repos of two orgs, each a real bare origin with a stack
 * of four branches; reads of every read route; SSE clients that connect and leave, half of
 * them resuming with Last-Event-ID; and new trunk commits pushed to the origins now and then,
 * each followed by a restack, so that jobs run real git. Accepts are paced, and a repo with
 * SOAK_BACKLOG unfinished jobs gets no more until some end: a soak measures a steady state,
 * not a queue growing without bound.
 *
 * Every SOAK_SAMPLE_MS (2 s) it samples the service's RSS (/proc/<pid>/status), V8 heap
 * (`/metrics`, prom-client's heap gauges), open file descriptors (/proc/<pid>/fd) and git
 * processes below it; every SOAK_GC_EVERY_MS (15 s) it asks the service for a full garbage
 * collection (the service runs with --expose-gc and a preload that collects on SIGUSR2) and
 * records its memory right after. At the end it waits (SOAK_DRAIN_SECONDS) for every
 * accepted job to end, restacks every repo once more and checks that no branch needs a
 * restack, waits for the idle git helpers to go, and stops the service with SIGTERM.
 *
 * Trends are least-squares lines over the load after a warm-up (its first 20% of samples):
 * RSS and heap through the post-collection figures, RSS less the event store file's size up
 * to the 64 MiB SQLite caches of it; file descriptors through the floor of each 10 s (see
 * RULES). SOAK_BALLAST_MB pre-fills the store so that the cache is full from the start.
 *
 * Exits 1 (a gate) on any 5xx, request without an answer, lost or stuck job, growth trend of
 * RSS, heap or file descriptors, SSE event out of order or scope, idempotency key answering
 * another job, branch left needing a restack, git process left after idling, or unclean exit.
 * Writes bench/results/soak.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, printTable, row, writeResult } from './support/report';
import { fillBallast } from './support/soak-ballast';
import {
  SoakClient,
  type SseOutcome,
  sseSession,
  type StreamedEvent,
} from './support/soak-client';
import { SoakOrigin } from './support/soak-origin';
import { filesBytes, promValues, sampleProcess } from './support/soak-proc';
import { mean, seededRandom, type Trend, trendOf } from './support/soak-stats';
import { freePort } from './support/free-port';

const num = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number`);
  return value;
};
const cliSeconds = process.argv
  .slice(2)
  .map((a) => a.replace(/^--seconds=/, ''))
  .find((a) => /^\d+(\.\d+)?$/.test(a));
const SECONDS =
  cliSeconds !== undefined ? Number(cliSeconds) : num('SOAK_SECONDS', 180);
const REPOS = Math.max(2, num('SOAK_REPOS', 4));
const ACCEPT_RPS = num('SOAK_ACCEPT_RPS', 8);
const READ_RPS = num('SOAK_READ_RPS', 30);
const SSE_CLIENTS = num('SOAK_SSE_CLIENTS', 4);
const TRUNK_EVERY_S = num('SOAK_TRUNK_EVERY_S', 8);
const BACKLOG = Math.max(1, num('SOAK_BACKLOG', 8));
const DRAIN_SECONDS = num('SOAK_DRAIN_SECONDS', 120);
const SAMPLE_MS = Math.max(200, num('SOAK_SAMPLE_MS', 2000));
const SEED = num('SOAK_SEED', 1);
const HELPER_IDLE_MS = num('SOAK_HELPER_IDLE_MS', 10_000);
const CONCURRENCY = Math.max(1, num('SOAK_CONCURRENCY', 2));
/**
 * MiB of inert events the event store holds before the service starts. Above the store's
 * page cache (STORE_CACHE_MIB) the cache is full from start-up on (the service reads the
 * whole store once), and RSS under load shows only what the service holds beyond it.
 */
const BALLAST_MB = num('SOAK_BALLAST_MB', 0);
/**
 * SQLite's page cache of the event store (its `cache_size`, -65536 KiB): it fills with the
 * store's pages as the store grows, up to this size, and RSS with it.
 */
const STORE_CACHE_MIB = 64;
/** Share of the load phase's samples dropped before fitting trends. */
const WARM_UP = 0.2;
/** RSS and heap: growth over the window under this share of their mean is noise. */
const MEMORY_GROWTH_LIMIT = 0.1;
/** File descriptors: growth over the window under this count is noise. */
const FD_GROWTH_LIMIT = 5;
/** Trends are fitted through the minimum of each block of this many seconds of samples. */
const FLOOR_BLOCK_S = 10;
/** A window after warm-up shorter than this is too short to judge trends on. */
const MIN_WINDOW_S = 60;
/** How often the service is asked for a full collection and its memory after it. */
const GC_EVERY_MS = Math.max(2000, num('SOAK_GC_EVERY_MS', 15_000));
const RULES =
  `the window is the load phase after its first ${WARM_UP * 100}% of samples (warm-up), at least ${MIN_WINDOW_S} s to be judged; ` +
  `RSS and V8 heap used are judged right after a full collection the soak asks of the service every ${GC_EVERY_MS / 1000} s (a preload runs gc() on SIGUSR2), open file descriptors on the minimum of each ${FLOOR_BLOCK_S} s of samples; ` +
  `the growth of a gauge is its least-squares slope per minute times the window; ` +
  `RSS, less the event store file's size up to the ${STORE_CACHE_MIB} MiB SQLite may cache of it, is flat when it grows less than ${MEMORY_GROWTH_LIMIT * 100}% of the mean RSS; V8 heap used when less than ${MEMORY_GROWTH_LIMIT * 100}% of its mean; open file descriptors when less than ${FD_GROWTH_LIMIT}; ` +
  `slopes through every 2 s sample are reported too`;
/** How often outstanding jobs are polled for their status. */
const WATCH_MS = 1000;

const MAIN = join(__dirname, '..', 'src', 'main.js');
const GC_PRELOAD = join(__dirname, 'support', 'soak-gc-preload.js');
const STACK = ['a', 'b', 'c', 'd'];
const ORGS = [
  { orgId: 'soak-org-a', token: 'soak-token-a' },
  { orgId: 'soak-org-b', token: 'soak-token-b' },
];
const FINAL = new Set(['completed', 'error', 'cancelled']);

const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
const between = (lo: number, hi: number): number => lo + random() * (hi - lo);
const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

interface Repo {
  index: number;
  repoId: string;
  org: (typeof ORGS)[number];
  origin: SoakOrigin;
  /** The parent the next reparent request moves `d` onto; it alternates `b` and `c`. */
  reparentTo: 'b' | 'c';
  keys: Array<{ key: string; body: ActionBody; jobId: string }>;
}

interface ActionBody {
  action: string;
  branchName?: string;
  parentBranch?: string;
}

interface TrackedJob {
  jobId: string;
  repo: Repo;
  action: string;
  via: 'action' | 'task' | 'trunk' | 'final';
  status: string | null;
  errorCode: string | null;
  changed: number;
  /** Epoch ms of its (last) start and its end, once final. */
  startedAt: number | null;
  finishedAt: number | null;
}

interface Sample {
  t: number;
  phase: 'load' | 'drain' | 'check' | 'idle';
  rssBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
  /** events.sqlite and its WAL. */
  storeBytes: number;
  /** read-models.sqlite and its WAL. */
  readModelBytes: number;
  heapUsedBytes: number | null;
  heapTotalBytes: number | null;
  externalBytes: number | null;
  fds: number;
  gitProcesses: number;
  gitChildren: number;
  zombies: number;
  cpuSeconds: number;
  activeHandles: number | null;
  outstandingJobs: number;
  openSseSessions: number;
  /** The machine's 1-minute load average: the cores are shared with whatever else runs. */
  loadAverage: number;
}

/** The service's memory right after a full collection it was asked for. */
interface GcSample {
  t: number;
  phase: Sample['phase'];
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
  externalBytes: number;
  storeBytes: number;
}

interface JobBody {
  jobId: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string } | null;
  result: { changed: unknown[] } | null;
}

/** The service's output, scanned line by line: levels counted, the first warnings kept. */
class ServiceLog {
  readonly levels: Record<string, number> = {};
  readonly notable: string[] = [];
  private partial = '';
  all = '';
  /** Called with each `soak-gc` line of the preload, split into numbers. */
  onGc: ((values: number[]) => void) | null = null;

  feed(chunk: string): void {
    if (this.all.length < 20_000) this.all += chunk;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('soak-gc ')) {
        this.onGc?.(line.split(' ').slice(1).map(Number));
        continue;
      }
      const level = /"level":"(\w+)"/.exec(line)?.[1] ?? 'text';
      this.levels[level] = (this.levels[level] ?? 0) + 1;
      // Jobs the soak makes fail on purpose log a warning each; anything else is kept.
      const expected =
        level === 'warn' &&
        /"message":"failed: (GIT\.UNKNOWN_BRANCH|STACK\.BRANCH_NOT_TRACKED):/.test(
          line,
        );
      if (level !== 'log' && level !== 'debug' && level !== 'verbose')
        if (!expected && this.notable.length < 20)
          this.notable.push(line.slice(0, 600));
    }
  }
}

async function startService(
  dir: string,
  log: ServiceLog,
): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const child = spawn(
    process.execPath,
    ['--expose-gc', '-r', GC_PRELOAD, MAIN],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        TMPDIR: join(dir, 'tmp'),
        PORT: String(port),
        STACKYARD_DATA_DIR: join(dir, 'data'),
        STACKYARD_TOKENS: ORGS.map((o) => `${o.token}=${o.orgId}`).join(','),
        STACKYARD_CONCURRENCY: String(CONCURRENCY),
        STACKYARD_GIT_HELPER_IDLE_MS: String(HELPER_IDLE_MS),
        LOG_LEVEL: 'log', // 'listening on' is logged at this level
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => log.feed(d.toString()));
  child.stderr.on('data', (d: Buffer) => log.feed(d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (log.all.includes('listening on http')) {
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) =>
      reject(new Error(`the service exited ${code}:\n${log.all}`)),
    );
  });
  return { child, baseUrl: `http://127.0.0.1:${port}` };
}

/** Everything the load counts, beyond the client's own tallies. */
const tally = {
  acceptAttempts: 0,
  accepted: 0,
  idempotentReplays: 0,
  idempotencyMismatches: [] as string[],
  keyReuseRefused: 0,
  refusedOnPurpose: 0,
  tasksCreated: 0,
  tasksTaken: 0,
  cancels: {} as Record<string, number>,
  skippedForBacklog: 0,
  trunkPushes: 0,
  reads: 0,
  sse: {
    sessions: 0,
    resumed: 0,
    resumedInQuery: 0,
    droppedAtOnce: 0,
    events: 0,
    non200: 0,
    outOfOrder: 0,
    outOfScope: 0,
    resumedTooEarly: 0,
  },
};

async function main(): Promise<void> {
  if (process.platform !== 'linux')
    throw new Error('bench:soak samples /proc and runs on Linux only');
  const root = mkdtempSync(join(tmpdir(), 'stackyard-soak-'));
  const log = new ServiceLog();
  const origins = await Promise.all(
    Array.from({ length: REPOS }, (_, i) =>
      SoakOrigin.create(join(root, `origin-${i}`), STACK),
    ),
  );
  const serviceDir = join(root, 'service');
  mkdirSync(serviceDir, { recursive: true });
  const ballastBytes =
    BALLAST_MB > 0
      ? await fillBallast(join(serviceDir, 'data', 'events.sqlite'), BALLAST_MB)
      : 0;
  let started: Awaited<ReturnType<typeof startService>>;
  try {
    started = await startService(serviceDir, log);
  } catch (error) {
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
    throw error;
  }
  const { child, baseUrl } = started;
  const pid = child.pid!;
  const dataDir = join(serviceDir, 'data');
  let exit: { code: number | null; signal: string | null } | null = null;
  const exited = once(child, 'exit').then(([code, signal]) => {
    exit = { code: code as number | null, signal: signal as string | null };
  });
  const client = new SoakClient(baseUrl);
  const jobs = new Map<string, TrackedJob>();
  const tasks: Array<{ taskId: string; repo: Repo }> = [];
  const samples: Sample[] = [];
  const gcSamples: GcSample[] = [];
  let gcUnanswered = 0;
  let phase: Sample['phase'] = 'load';
  let openSse = 0;
  let latestPosition = 0;
  let heapAvailable = true;
  let startedAt = Date.now();

  const track = (
    jobId: string,
    repo: Repo,
    action: string,
    via: TrackedJob['via'],
  ): TrackedJob => {
    const known = jobs.get(jobId);
    if (known) return known;
    const job: TrackedJob = {
      jobId,
      repo,
      action,
      via,
      status: null,
      errorCode: null,
      changed: 0,
      startedAt: null,
      finishedAt: null,
    };
    jobs.set(jobId, job);
    return job;
  };
  const outstanding = (repo?: Repo): TrackedJob[] =>
    [...jobs.values()].filter(
      (j) =>
        (j.status === null || !FINAL.has(j.status)) &&
        (repo === undefined || j.repo === repo),
    );
  const absorb = (job: TrackedJob, body: JobBody): void => {
    job.status = body.status;
    job.errorCode = body.error?.code ?? null;
    job.changed = body.result?.changed.length ?? 0;
    job.startedAt = body.startedAt === null ? null : Date.parse(body.startedAt);
    job.finishedAt =
      body.finishedAt === null ? null : Date.parse(body.finishedAt);
  };

  try {
    // --- set-up: register every repo and track its stack, and wait for those jobs.
    const repos: Repo[] = [];
    const setUp: Array<{ jobId: string; token: string }> = [];
    for (const origin of origins) {
      const index = repos.length;
      const org = ORGS[index % ORGS.length]!;
      const res = await client.request<{
        repoId: string;
        initialJobId: string;
      }>('probe', 'POST', '/repos', 'POST /repos', {
        token: org.token,
        body: { name: `soak-${index}`, remoteUrl: origin.origin },
        expect: [202],
      });
      if (res?.status !== 202)
        throw new Error(`register: ${JSON.stringify(res)}`);
      const repo: Repo = {
        index,
        repoId: res.body.repoId,
        org,
        origin,
        reparentTo: 'b',
        keys: [],
      };
      repos.push(repo);
      setUp.push({ jobId: res.body.initialJobId, token: org.token });
      for (const branchName of STACK) {
        const job = await client.request<{ jobId: string }>(
          'probe',
          'POST',
          `/repos/${repo.repoId}/actions`,
          'POST /repos/:repoId/actions',
          {
            token: org.token,
            body: { action: 'register_existing_branch', branchName },
            expect: [202],
          },
        );
        if (job?.status !== 202)
          throw new Error(`track ${branchName}: ${JSON.stringify(job)}`);
        setUp.push({ jobId: job.body.jobId, token: org.token });
      }
    }
    for (const { jobId, token } of setUp) {
      for (;;) {
        const res = await client.request<JobBody>(
          'probe',
          'GET',
          `/jobs/${jobId}`,
          'GET /jobs/:jobId',
          { token },
        );
        if (res?.status === 200 && FINAL.has(res.body.status)) {
          if (res.body.status !== 'completed')
            throw new Error(`set-up job ended ${JSON.stringify(res.body)}`);
          break;
        }
        await delay(100);
      }
    }
    const orgRepos = new Map(
      ORGS.map((o) => [o.orgId, repos.filter((r) => r.org === o)]),
    );

    // --- the sampler, for the whole run.
    const sampleOnce = async (): Promise<void> => {
      if (exit !== null) return;
      let proc;
      try {
        proc = sampleProcess(pid);
      } catch {
        return; // the service is gone; its exit is reported
      }
      let heap: number | null = null;
      let handles: number | null = null;
      let heapTotal: number | null = null;
      let external: number | null = null;
      const metrics = await client.request<string>(
        'probe',
        'GET',
        '/metrics',
        'GET /metrics',
      );
      if (typeof metrics?.body === 'string') {
        const values = promValues(metrics.body, [
          'nodejs_heap_size_used_bytes',
          'nodejs_heap_size_total_bytes',
          'nodejs_external_memory_bytes',
          'nodejs_active_handles',
        ]);
        heap = values.nodejs_heap_size_used_bytes ?? null;
        heapTotal = values.nodejs_heap_size_total_bytes ?? null;
        external = values.nodejs_external_memory_bytes ?? null;
        handles = values.nodejs_active_handles ?? null;
        if (heap === null) heapAvailable = false;
      }
      samples.push({
        t: (Date.now() - startedAt) / 1000,
        phase,
        ...proc,
        storeBytes: filesBytes(dataDir, 'events.sqlite'),
        readModelBytes: filesBytes(dataDir, 'read-models.sqlite'),
        heapUsedBytes: heap,
        heapTotalBytes: heapTotal,
        externalBytes: external,
        activeHandles: handles,
        outstandingJobs: outstanding().length,
        openSseSessions: openSse,
        loadAverage: loadavg()[0] ?? NaN,
      });
    };
    // The clock of the samples and of the load starts here, after set-up.
    startedAt = Date.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const next = Date.now() + SAMPLE_MS;
        await sampleOnce();
        await delay(Math.max(0, next - Date.now()));
      }
    })();
    // A full collection every GC_EVERY_MS, and the memory right after it (see the preload).
    const collectOnce = async (): Promise<void> => {
      if (exit !== null) return;
      const answer = new Promise<number[] | null>((resolve) => {
        const timer = setTimeout(() => {
          log.onGc = null;
          resolve(null);
        }, 5000);
        log.onGc = (values) => {
          clearTimeout(timer);
          log.onGc = null;
          resolve(values);
        };
      });
      child.kill('SIGUSR2');
      const values = await answer;
      if (
        values === null ||
        values.length < 4 ||
        values.some((v) => !Number.isFinite(v))
      ) {
        gcUnanswered++;
        return;
      }
      gcSamples.push({
        t: (Date.now() - startedAt) / 1000,
        phase,
        heapUsedBytes: values[0]!,
        heapTotalBytes: values[1]!,
        rssBytes: values[2]!,
        externalBytes: values[3]!,
        storeBytes: filesBytes(dataDir, 'events.sqlite'),
      });
    };
    const collector = (async () => {
      while (sampling) {
        const next = Date.now() + GC_EVERY_MS;
        await collectOnce();
        await delay(Math.max(0, next - Date.now()));
      }
    })();

    // --- the job watcher: polls every unfinished job until it ends.
    let watching = true;
    const watchOnce = async (): Promise<void> => {
      const open = outstanding();
      for (let i = 0; i < open.length; i += 8)
        await Promise.all(
          open.slice(i, i + 8).map(async (job) => {
            const res = await client.request<JobBody>(
              'probe',
              'GET',
              `/jobs/${job.jobId}`,
              'GET /jobs/:jobId',
              { token: job.repo.org.token, expect: [200] },
            );
            if (res?.status === 200) absorb(job, res.body);
          }),
        );
    };
    const watcher = (async () => {
      while (watching) {
        const next = Date.now() + WATCH_MS;
        await watchOnce();
        await delay(Math.max(0, next - Date.now()));
      }
    })();

    // --- the load.
    let stopping = false;
    let keyCounter = 0;
    let taskCounter = 0;

    const postAction = async (
      repo: Repo,
      body: ActionBody,
      via: TrackedJob['via'],
      key?: string,
      expect: readonly number[] = [202],
    ) => {
      tally.acceptAttempts++;
      return client
        .request<{ jobId: string }>(
          'accept',
          'POST',
          `/repos/${repo.repoId}/actions`,
          'POST /repos/:repoId/actions',
          {
            token: repo.org.token,
            body,
            ...(key !== undefined
              ? { headers: { 'idempotency-key': key } }
              : {}),
            expect,
          },
        )
        .then((res) => {
          if (res?.status === 202) {
            tally.accepted++;
            track(res.body.jobId, repo, body.action, via);
          }
          return res;
        });
    };

    const actionBody = (repo: Repo, r: number): ActionBody => {
      if (r < 0.3) return { action: 'restack_repo' };
      if (r < 0.45) return { action: 'sync_repo' };
      if (r < 0.6)
        return { action: 'restack_subtree', branchName: pick(STACK) };
      if (r < 0.75) return { action: 'rebase_branch', branchName: pick(STACK) };
      if (r < 0.85)
        return { action: 'register_existing_branch', branchName: pick(STACK) };
      if (r < 0.93) {
        const parentBranch = repo.reparentTo;
        repo.reparentTo = parentBranch === 'b' ? 'c' : 'b';
        return { action: 'reparent_branch', branchName: 'd', parentBranch };
      }
      // A branch the origin lacks: accepted, and the job ends in `error`.
      return { action: 'rebase_branch', branchName: 'soak-missing' };
    };

    const acceptOnce = async (): Promise<void> => {
      const repo = pick(repos);
      const r = random();
      if (outstanding(repo).length >= BACKLOG) {
        tally.skippedForBacklog++;
        return;
      }
      if (r < 0.72) {
        // An action, a third of them with an Idempotency-Key.
        const body = actionBody(repo, random());
        if (random() < 0.33) {
          const key = `soak-${SEED}-${++keyCounter}`;
          const res = await postAction(repo, body, 'action', key);
          if (res?.status === 202) {
            repo.keys.push({ key, body, jobId: res.body.jobId });
            if (repo.keys.length > 50) repo.keys.shift();
          }
        } else await postAction(repo, body, 'action');
      } else if (r < 0.82 && repo.keys.length > 0) {
        // A retry of an earlier request with its key: the same job, 200.
        const earlier = pick(repo.keys);
        const res = await postAction(
          repo,
          earlier.body,
          'action',
          earlier.key,
          [200],
        );
        if (res?.status === 200) {
          tally.idempotentReplays++;
          if (res.body.jobId !== earlier.jobId)
            tally.idempotencyMismatches.push(
              `key ${earlier.key}: first job ${earlier.jobId}, retry answered ${res.body.jobId}`,
            );
        }
      } else if (r < 0.84 && repo.keys.length > 0) {
        // The same key with another body: 422 IDEMPOTENCY.KEY_REUSED.
        const earlier = pick(repo.keys);
        const other: ActionBody =
          earlier.body.action === 'sync_repo'
            ? { action: 'restack_repo' }
            : { action: 'sync_repo' };
        const res = await postAction(repo, other, 'action', earlier.key, [422]);
        if (res?.status === 422) tally.keyReuseRefused++;
      } else if (r < 0.9) {
        // A job cancelled right after its 202: 200 while it waits in the repo's lane, 202
        // once it runs (it stops before publishing), 409 when it published already.
        const res = await postAction(
          repo,
          { action: 'restack_repo' },
          'action',
        );
        if (res?.status !== 202) return;
        tally.acceptAttempts++;
        const cancel = await client.request(
          'accept',
          'POST',
          `/jobs/${res.body.jobId}/cancel`,
          'POST /jobs/:jobId/cancel',
          { token: repo.org.token, body: {}, expect: [200, 202, 409] },
        );
        const key = String(cancel?.status ?? 'none');
        tally.cancels[key] = (tally.cancels[key] ?? 0) + 1;
      } else if (r < 0.96) {
        // A task: on a tracked branch (ready at once, or 409 while another holds it), or
        // on a branch the origin lacks (its attach job ends in `error`, freeing it).
        const branchName =
          random() < 0.5 ? pick(STACK) : `soak-task-${taskCounter++ % 5}`;
        tally.acceptAttempts++;
        const res = await client.request<{
          taskId: string;
          jobId: string | null;
        }>(
          'accept',
          'POST',
          `/repos/${repo.repoId}/tasks`,
          'POST /repos/:repoId/tasks',
          {
            token: repo.org.token,
            body: { title: `soak ${branchName}`, branchName },
            expect: [202, 409],
          },
        );
        if (res?.status === 202) {
          tally.accepted++;
          tally.tasksCreated++;
          tasks.push({ taskId: res.body.taskId, repo });
          if (tasks.length > 200) tasks.shift();
          if (res.body.jobId !== null)
            track(res.body.jobId, repo, 'register_existing_branch', 'task');
        } else if (res?.status === 409) tally.tasksTaken++;
      } else {
        // Refused on purpose: an unknown action (400), or no token (401).
        const noToken = random() < 0.5;
        tally.acceptAttempts++;
        const res = await client.request(
          'accept',
          'POST',
          `/repos/${repo.repoId}/actions`,
          'POST /repos/:repoId/actions',
          {
            ...(noToken ? {} : { token: repo.org.token }),
            body: { action: noToken ? 'restack_repo' : 'soak_unknown_action' },
            expect: [noToken ? 401 : 400],
          },
        );
        if (res?.status === 400 || res?.status === 401)
          tally.refusedOnPurpose++;
      }
    };

    const readOnce = async (): Promise<void> => {
      const repo = pick(repos);
      const token = repo.org.token;
      const r = random();
      const known = [...jobs.values()];
      const min =
        random() < 0.1 && latestPosition > 0
          ? `minPosition=${latestPosition}`
          : '';
      const q = (path: string, extra = '') => {
        const parts = [extra, min].filter((p) => p !== '');
        return parts.length === 0 ? path : `${path}?${parts.join('&')}`;
      };
      tally.reads++;
      if (r < 0.2 && known.length > 0) {
        const job = pick(known.slice(-200));
        await client.request(
          'read',
          'GET',
          q(`/jobs/${job.jobId}`),
          'GET /jobs/:jobId',
          { token: job.repo.org.token },
        );
      } else if (r < 0.35) {
        const status = random() < 0.3 ? `&status=${pick([...FINAL])}` : '';
        const page = await client.request<{ nextCursor: string | null }>(
          'read',
          'GET',
          q(`/repos/${repo.repoId}/jobs`, `limit=20${status}`),
          'GET /repos/:repoId/jobs',
          { token },
        );
        if (page?.status === 200 && page.body.nextCursor && random() < 0.5) {
          tally.reads++;
          await client.request(
            'read',
            'GET',
            `/repos/${repo.repoId}/jobs?limit=20${status}&cursor=${encodeURIComponent(page.body.nextCursor)}`,
            'GET /repos/:repoId/jobs',
            { token },
          );
        }
      } else if (r < 0.45) {
        await client.request('read', 'GET', q('/repos'), 'GET /repos', {
          token,
        });
      } else if (r < 0.65) {
        await client.request(
          'read',
          'GET',
          q(`/repos/${repo.repoId}`),
          'GET /repos/:repoId',
          { token },
        );
      } else if (r < 0.8) {
        const page = await client.request<{ nextBefore: number | null }>(
          'read',
          'GET',
          q(`/repos/${repo.repoId}/history`, 'limit=50'),
          'GET /repos/:repoId/history',
          { token },
        );
        if (page?.status === 200 && page.body.nextBefore && random() < 0.5) {
          tally.reads++;
          await client.request(
            'read',
            'GET',
            `/repos/${repo.repoId}/history?limit=50&before=${page.body.nextBefore}`,
            'GET /repos/:repoId/history',
            { token },
          );
        }
      } else if (r < 0.86) {
        await client.request(
          'read',
          'GET',
          q(`/repos/${repo.repoId}/tasks`),
          'GET /repos/:repoId/tasks',
          { token },
        );
      } else if (r < 0.9 && tasks.length > 0) {
        const task = pick(tasks);
        await client.request(
          'read',
          'GET',
          q(`/tasks/${task.taskId}`),
          'GET /tasks/:taskId',
          { token: task.repo.org.token },
        );
      } else if (r < 0.94) {
        await client.request('read', 'GET', '/health', 'GET /health');
      } else if (r < 0.97) {
        // Another org's repo answers the same 404 as an unknown one.
        const other = repos.find((x) => x.org !== repo.org)!;
        await client.request(
          'read',
          'GET',
          `/repos/${other.repoId}`,
          'GET /repos/:repoId',
          { token, expect: [404] },
        );
      } else {
        await client.request('read', 'GET', '/repos', 'GET /repos', {
          token: 'soak-unknown-token',
          expect: [401],
        });
      }
    };

    const sseClient = async (worker: number): Promise<void> => {
      const org = ORGS[worker % ORGS.length]!;
      const mine = orgRepos.get(org.orgId)!;
      let scope: {
        query: string;
        inScope: (e: StreamedEvent) => boolean;
      } | null = null;
      let lastId: number | null = null;
      while (!stopping) {
        const resume: boolean =
          scope !== null && lastId !== null && random() < 0.5;
        if (!resume) {
          const s = random();
          const ownJobs = [...jobs.values()].filter((j) => j.repo.org === org);
          if (s < 0.4 || (s >= 0.8 && ownJobs.length === 0)) {
            const ids = new Set(mine.map((r) => r.repoId));
            scope = {
              query: '',
              inScope: (e) => e.repoId !== null && ids.has(e.repoId),
            };
          } else if (s < 0.8) {
            const repo = pick(mine);
            scope = {
              query: `repoId=${repo.repoId}`,
              inScope: (e) => e.repoId === repo.repoId,
            };
          } else {
            const job = pick(ownJobs.slice(-50));
            scope = {
              query: `jobId=${job.jobId}`,
              inScope: (e) => e.jobId === job.jobId,
            };
          }
          lastId = null;
        }
        const atOnce = random() < 0.05;
        const inQuery = resume && random() < 0.3;
        openSse++;
        tally.sse.sessions++;
        if (resume) tally.sse.resumed++;
        if (inQuery) tally.sse.resumedInQuery++;
        if (atOnce) tally.sse.droppedAtOnce++;
        const outcome: SseOutcome = await sseSession(client, {
          token: org.token,
          query: scope!.query,
          ...(resume ? { lastEventId: lastId!, resumeInQuery: inQuery } : {}),
          holdMs: atOnce ? 30 : between(500, 6000),
          maxEvents: Math.floor(between(5, 200)),
          inScope: scope!.inScope,
        }).finally(() => openSse--);
        tally.sse.events += outcome.events;
        if (outcome.status !== 200) tally.sse.non200++;
        tally.sse.outOfOrder += outcome.outOfOrder;
        tally.sse.outOfScope += outcome.outOfScope;
        if (outcome.resumedTooEarly) tally.sse.resumedTooEarly++;
        if (outcome.lastId !== null) {
          lastId = outcome.lastId;
          latestPosition = Math.max(latestPosition, outcome.lastId);
        }
        await delay(between(50, 500));
      }
    };

    /** Runs `work` `perSecond` times a second across `workers` loops until the load stops. */
    const paced = (
      perSecond: number,
      workers: number,
      work: () => Promise<void>,
    ): Array<Promise<void>> =>
      perSecond <= 0
        ? []
        : Array.from({ length: workers }, async () => {
            const every = (1000 * workers) / perSecond;
            await delay(between(0, every));
            while (!stopping) {
              const next = Date.now() + every;
              await work();
              await delay(Math.max(0, next - Date.now()));
            }
          });

    let trunkIndex = 0;
    const trunkPusher = async (): Promise<void> => {
      const repo = repos[trunkIndex++ % repos.length]!;
      await repo.origin.advanceTrunk();
      tally.trunkPushes++;
      await postAction(repo, { action: 'restack_repo' }, 'trunk');
    };

    console.log(
      `soak: ${SECONDS} s of load on ${REPOS} repos (pid ${pid}, ${baseUrl}, seed ${SEED})`,
    );
    const load = [
      ...paced(ACCEPT_RPS, 2, acceptOnce),
      ...paced(READ_RPS, 3, readOnce),
      ...paced(TRUNK_EVERY_S > 0 ? 1 / TRUNK_EVERY_S : 0, 1, trunkPusher),
      ...Array.from({ length: SSE_CLIENTS }, (_, i) => sseClient(i)),
    ];
    const progress = setInterval(() => {
      const last = samples[samples.length - 1];
      console.log(
        `  ${Math.round((Date.now() - startedAt) / 1000)} s: ${tally.accepted} accepted, ${tally.reads} reads, ${tally.sse.sessions} SSE sessions, ${outstanding().length} jobs open, RSS ${last ? (last.rssBytes / 2 ** 20).toFixed(1) : '?'} MiB, ${last?.fds ?? '?'} fds, ${last?.gitProcesses ?? '?'} git`,
      );
    }, 30_000);
    await delay(SECONDS * 1000);
    stopping = true;
    phase = 'drain'; // the clients wind down from here: no longer the measured load
    await Promise.all(load);
    clearInterval(progress);
    const loadEndedAt = Date.now();

    // --- drain: every accepted job must end.
    const drainDeadline = Date.now() + DRAIN_SECONDS * 1000;
    while (outstanding().length > 0 && Date.now() < drainDeadline)
      await delay(250);
    watching = false;
    await watcher;
    await watchOnce();
    const drainSeconds = (Date.now() - loadEndedAt) / 1000;
    const lost: string[] = [];
    const stuck: string[] = [];
    for (const job of outstanding()) {
      const res = await client.request<JobBody>(
        'probe',
        'GET',
        `/jobs/${job.jobId}`,
        'GET /jobs/:jobId',
        { token: job.repo.org.token, expect: [200, 404] },
      );
      if (res?.status === 200) {
        absorb(job, res.body);
        if (!FINAL.has(res.body.status))
          stuck.push(`${job.jobId} (${job.action}, ${res.body.status})`);
      } else
        lost.push(`${job.jobId} (${job.action}, ${res?.status ?? 'none'})`);
    }

    // --- check: one more restack of every repo leaves no branch needing one.
    phase = 'check';
    const finalJobs: TrackedJob[] = [];
    for (const repo of repos) {
      const res = await postAction(repo, { action: 'restack_repo' }, 'final');
      if (res?.status === 202) finalJobs.push(jobs.get(res.body.jobId)!);
    }
    const checkDeadline = Date.now() + 60_000;
    while (
      finalJobs.some((j) => !FINAL.has(j.status ?? '')) &&
      Date.now() < checkDeadline
    ) {
      await watchOnce();
      await delay(250);
    }
    const needingRestack: string[] = [];
    for (const repo of repos) {
      const res = await client.request<{
        branches: Array<{ name: string; needsRestack: boolean }>;
      }>('probe', 'GET', `/repos/${repo.repoId}`, 'GET /repos/:repoId', {
        token: repo.org.token,
      });
      for (const b of res?.body.branches ?? [])
        if (b.needsRestack) needingRestack.push(`soak-${repo.index}/${b.name}`);
      if (res?.status === 200 && res.body.branches.length !== STACK.length)
        needingRestack.push(
          `soak-${repo.index}: ${res.body.branches.length} tracked branches`,
        );
    }
    const finalRestacks = finalJobs.map((j) => j.status ?? 'unknown');

    // --- idle: the git helpers go once idle; nothing else may stay.
    phase = 'idle';
    const idleDeadline = Date.now() + HELPER_IDLE_MS + 20_000;
    const below = (): { gitProcesses: number; zombies: number } => {
      try {
        return sampleProcess(pid);
      } catch {
        return { gitProcesses: 0, zombies: 0 }; // the service is gone; its exit is reported
      }
    };
    let left = below();
    while (
      (left.gitProcesses > 0 || left.zombies > 0) &&
      Date.now() < idleDeadline
    ) {
      await delay(500);
      left = below();
    }
    await sampleOnce();
    sampling = false;
    await sampler;
    await collector;

    // --- stop.
    child.kill('SIGTERM');
    const stopDeadline = delay(30_000).then(() => 'timeout' as const);
    const how = await Promise.race([
      exited.then(() => 'exit' as const),
      stopDeadline,
    ]);
    if (how === 'timeout') child.kill('SIGKILL');
    await exited;
    const exitInfo = exit as {
      code: number | null;
      signal: string | null;
    } | null;

    report({
      client,
      jobs,
      samples,
      heapAvailable,
      drainSeconds,
      lost,
      stuck,
      needingRestack,
      finalRestacks,
      left,
      exitInfo,
      log,
      loadSeconds: (loadEndedAt - startedAt) / 1000,
      ballastBytes,
      gcSamples,
      gcUnanswered,
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null)
      child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  }
}

function report(r: {
  client: SoakClient;
  jobs: Map<string, TrackedJob>;
  samples: Sample[];
  heapAvailable: boolean;
  drainSeconds: number;
  lost: string[];
  stuck: string[];
  needingRestack: string[];
  finalRestacks: string[];
  left: { gitProcesses: number; zombies: number };
  exitInfo: { code: number | null; signal: string | null } | null;
  log: ServiceLog;
  loadSeconds: number;
  ballastBytes: number;
  gcSamples: GcSample[];
  gcUnanswered: number;
}): void {
  const { client, samples } = r;
  const all = [...r.jobs.values()].filter((j) => j.via !== 'final');
  const byStatus: Record<string, number> = {};
  const byAction: Record<string, Record<string, number>> = {};
  const errorCodes: Record<string, number> = {};
  for (const j of all) {
    const status = j.status ?? 'never seen';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const a = (byAction[j.action] ??= {});
    a[status] = (a[status] ?? 0) + 1;
    if (j.errorCode)
      errorCodes[j.errorCode] = (errorCodes[j.errorCode] ?? 0) + 1;
  }
  // Job run times (start to end) of the first and the last quarter of the load, by start.
  const ran = all
    .filter((j) => j.startedAt !== null && j.finishedAt !== null)
    .sort((a, b) => a.startedAt! - b.startedAt!);
  const runMs = (js: TrackedJob[]) =>
    mean(js.map((j) => j.finishedAt! - j.startedAt!));
  const quarter = Math.max(1, Math.floor(ran.length / 4));
  const moved = all.filter((j) => j.changed > 0);
  const branchesMoved = moved.reduce((n, j) => n + j.changed, 0);

  // The window: the load phase after its first 20% of samples (warm-up). Memory is judged
  // right after the full collections the soak asks for (GC_EVERY_MS), where V8's own
  // collection cycles cannot tilt the line; without them, on the floor of each
  // FLOOR_BLOCK_S of the 2 s samples. File descriptors on those floors.
  const loadSamples = samples.filter((s) => s.phase === 'load');
  const window = loadSamples.slice(Math.floor(loadSamples.length * WARM_UP));
  const t = window.map((s) => s.t / 60);
  const mib = (b: number) => b / 2 ** 20;
  const block = Math.max(1, Math.round((FLOOR_BLOCK_S * 1000) / SAMPLE_MS));
  const from = window[0]?.t ?? Infinity;
  const gcWindow = r.gcSamples.filter((g) => g.phase === 'load' && g.t >= from);
  const afterGc = gcWindow.length >= 4;
  const gt = gcWindow.map((g) => g.t / 60);
  const reportedOnly = {
    limit: () => Infinity,
    rule: 'reported only',
    block: 1,
    minMinutes: MIN_WINDOW_S / 60,
  };
  // RSS less what SQLite may cache of the event store: the cache fills as the store grows,
  // up to its size, and then stays; memory that follows the data is not a leak.
  const meanRss = mean(window.map((s) => mib(s.rssBytes)));
  const lessCache = (rss: number, store: number) =>
    mib(rss) - Math.min(mib(store), STORE_CACHE_MIB);
  const rssRule = {
    limit: () => meanRss * MEMORY_GROWTH_LIMIT,
    rule: `growth over the window < ${MEMORY_GROWTH_LIMIT * 100}% of the mean RSS`,
    minMinutes: MIN_WINDOW_S / 60,
  };
  const heapRule = {
    limit: (m: number) => m * MEMORY_GROWTH_LIMIT,
    rule: `growth over the window < ${MEMORY_GROWTH_LIMIT * 100}% of its mean`,
    minMinutes: MIN_WINDOW_S / 60,
  };
  const trends: Trend[] = [
    afterGc
      ? trendOf(
          'RSS after a full GC, less the store page cache',
          'MiB',
          gt,
          gcWindow.map((g) => lessCache(g.rssBytes, g.storeBytes)),
          { ...rssRule, block: 1 },
        )
      : trendOf(
          'RSS less the store page cache (10 s floors)',
          'MiB',
          t,
          window.map((s) => lessCache(s.rssBytes, s.storeBytes)),
          { ...rssRule, block },
        ),
  ];
  if (afterGc)
    trends.push(
      trendOf(
        'V8 heap used after a full GC',
        'MiB',
        gt,
        gcWindow.map((g) => mib(g.heapUsedBytes)),
        { ...heapRule, block: 1 },
      ),
    );
  else if (r.heapAvailable && window.every((s) => s.heapUsedBytes !== null))
    trends.push(
      trendOf(
        'V8 heap used (10 s floors)',
        'MiB',
        t,
        window.map((s) => mib(s.heapUsedBytes!)),
        { ...heapRule, block },
      ),
    );
  trends.push(
    trendOf(
      'open file descriptors',
      'fds',
      t,
      window.map((s) => s.fds),
      {
        limit: () => FD_GROWTH_LIMIT,
        rule: `growth of the 10 s floors over the window < ${FD_GROWTH_LIMIT}`,
        block,
        minMinutes: MIN_WINDOW_S / 60,
      },
    ),
  );
  // Reported, not gated: what the judged gauges are made of, and what comes and goes with
  // the load (git helpers, event loop handles).
  const reported: Trend[] = [];
  const report = (
    name: string,
    unit: string,
    value: (s: Sample) => number | null,
  ): void => {
    const values = window.map(value);
    if (values.every((v): v is number => v !== null && Number.isFinite(v)))
      reported.push(trendOf(name, unit, t, values, reportedOnly));
  };
  report('RSS', 'MiB', (s) => mib(s.rssBytes));
  report('V8 heap used', 'MiB', (s) =>
    s.heapUsedBytes === null ? null : mib(s.heapUsedBytes),
  );
  report('RSS anonymous (RssAnon)', 'MiB', (s) => mib(s.rssAnonBytes));
  report('RSS file-backed (RssFile)', 'MiB', (s) => mib(s.rssFileBytes));
  report('V8 heap total', 'MiB', (s) =>
    s.heapTotalBytes === null ? null : mib(s.heapTotalBytes),
  );
  report('external memory (V8)', 'MiB', (s) =>
    s.externalBytes === null ? null : mib(s.externalBytes),
  );
  report('event store file + WAL', 'MiB', (s) => mib(s.storeBytes));
  report('read-model file + WAL', 'MiB', (s) => mib(s.readModelBytes));
  report('git processes below the service', 'processes', (s) => s.gitProcesses);
  report('active handles', 'handles', (s) => s.activeHandles);
  const judged = trends.every((tr) => tr.flat !== null);
  const notes: string[] = [];
  if (!judged)
    notes.push(
      `trends not judged: the window after warm-up is ${Math.round((t[t.length - 1]! - t[0]!) * 60)} s, under ${MIN_WINDOW_S} s (run SOAK_SECONDS >= ${Math.ceil(MIN_WINDOW_S / (1 - WARM_UP)) + 5})`,
    );
  if (!afterGc)
    notes.push(
      `memory judged on 10 s floors: full collections answered in the window: ${gcWindow.length}, unanswered: ${r.gcUnanswered}`,
    );
  if (!r.heapAvailable)
    notes.push(
      '/metrics has no nodejs_heap_size_used_bytes: heap reported from the collections only',
    );

  const first = samples[0];
  const lastLoad = loadSamples[loadSamples.length - 1];
  const final = samples[samples.length - 1];
  const failures: string[] = [];
  if (client.serverErrors > 0)
    failures.push(`${client.serverErrors} 5xx answers`);
  if (client.networkErrors > 0)
    failures.push(`${client.networkErrors} requests without an answer`);
  if (r.lost.length > 0) failures.push(`${r.lost.length} lost jobs`);
  if (r.stuck.length > 0) failures.push(`${r.stuck.length} stuck jobs`);
  for (const tr of trends)
    if (tr.flat === false)
      failures.push(
        `${tr.name} grows: ${tr.growth.toFixed(2)} ${tr.unit} over ${tr.windowMinutes.toFixed(2)} min (limit ${tr.limit.toFixed(2)})`,
      );
  if (tally.sse.outOfOrder > 0)
    failures.push(`${tally.sse.outOfOrder} SSE events out of order`);
  if (tally.sse.outOfScope > 0)
    failures.push(`${tally.sse.outOfScope} SSE events out of scope`);
  if (tally.sse.resumedTooEarly > 0)
    failures.push(`${tally.sse.resumedTooEarly} SSE resumes repeated an event`);
  if (tally.idempotencyMismatches.length > 0)
    failures.push(
      `${tally.idempotencyMismatches.length} idempotency keys answered another job`,
    );
  if (
    r.needingRestack.length > 0 ||
    r.finalRestacks.some((s) => s !== 'completed')
  )
    failures.push(
      `after a final restack: ${r.finalRestacks.join(', ')}; needing a restack: ${r.needingRestack.join(', ') || 'none'}`,
    );
  if (r.left.gitProcesses > 0 || r.left.zombies > 0)
    failures.push(
      `${r.left.gitProcesses} git processes and ${r.left.zombies} zombies left after idling`,
    );
  if (r.exitInfo?.code !== 0)
    failures.push(`the service ended ${JSON.stringify(r.exitInfo)} on SIGTERM`);
  const verdict = failures.length === 0 ? 'pass' : 'fail';

  // Figures, each beside the bound it must keep (as `reference`) when it has one; a soak
  // has no contender, so no row carries a ratio.
  const fig = (
    metric: string,
    unit: string,
    value: number,
    bound: number | null = null,
    boundName = '',
  ): BenchRow => ({
    ...row(metric, unit, value, bound, boundName, false),
    ratio: null,
  });
  const rows: BenchRow[] = [
    fig(
      'event store pre-filled with inert events (SOAK_BALLAST_MB)',
      'MiB',
      r.ballastBytes / 2 ** 20,
    ),
    fig('load phase (until the last SSE client left)', 's', r.loadSeconds),
    fig(
      'accept requests (actions, tasks, cancels)',
      'requests',
      client.byKind.accept,
    ),
    fig('jobs accepted (202) by the load', 'jobs', all.length),
    fig(
      'idempotent retries answered 200 with the same job',
      'requests',
      tally.idempotentReplays,
    ),
    fig(
      'accepts skipped: repo backlog full',
      'requests',
      tally.skippedForBacklog,
    ),
    fig('reads', 'requests', client.byKind.read),
    fig(
      'job status polls and metrics scrapes',
      'requests',
      client.byKind.probe,
    ),
    fig('SSE sessions', 'sessions', tally.sse.sessions),
    fig(
      'SSE sessions resumed with Last-Event-ID',
      'sessions',
      tally.sse.resumed,
    ),
    fig('SSE events received', 'events', tally.sse.events),
    fig('trunk pushes to the origins', 'pushes', tally.trunkPushes),
    fig('jobs that moved branches', 'jobs', moved.length),
    fig('branches moved by those jobs', 'branches', branchesMoved),
    fig(
      'job run time (start to end), mean of the first quarter',
      'ms',
      runMs(ran.slice(0, quarter)),
    ),
    fig(
      'job run time (start to end), mean of the last quarter',
      'ms',
      runMs(ran.slice(-quarter)),
    ),
    ...Object.entries(byStatus)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => fig(`jobs ended ${status}`, 'jobs', n)),
    fig('5xx answers', 'answers', client.serverErrors, 0, 'must be 0'),
    fig(
      'requests without an answer',
      'requests',
      client.networkErrors,
      0,
      'must be 0',
    ),
    fig(
      'answers outside the expected statuses',
      'answers',
      client.unexpected,
      null,
      'reported',
    ),
    fig(
      'lost jobs (202, never visible)',
      'jobs',
      r.lost.length,
      0,
      'must be 0',
    ),
    fig(
      'stuck jobs (not final after the drain)',
      'jobs',
      r.stuck.length,
      0,
      'must be 0',
    ),
    fig('drain after the load', 's', r.drainSeconds, DRAIN_SECONDS, 'bound'),
    fig('RSS at start of load', 'MiB', mib(first?.rssBytes ?? NaN)),
    fig('RSS at end of load', 'MiB', mib(lastLoad?.rssBytes ?? NaN)),
  ];
  if (
    r.heapAvailable &&
    first?.heapUsedBytes != null &&
    lastLoad?.heapUsedBytes != null
  )
    rows.push(
      fig('V8 heap used at start of load', 'MiB', mib(first.heapUsedBytes)),
      fig('V8 heap used at end of load', 'MiB', mib(lastLoad.heapUsedBytes)),
    );
  rows.push(
    fig('open fds at start of load', 'fds', first?.fds ?? NaN),
    fig('open fds at end of load', 'fds', lastLoad?.fds ?? NaN),
    fig(
      'service CPU during load (100% = one core)',
      '%',
      lastLoad && first
        ? (100 * (lastLoad.cpuSeconds - first.cpuSeconds)) /
            (lastLoad.t - first.t)
        : NaN,
    ),
    fig(
      'machine load average (1 min), mean during load',
      'runnable',
      mean(loadSamples.map((s) => s.loadAverage)),
    ),
    fig(
      'git processes, mean during load',
      'processes',
      mean(loadSamples.map((s) => s.gitProcesses)),
    ),
    fig(
      'git processes, max during load',
      'processes',
      Math.max(...loadSamples.map((s) => s.gitProcesses)),
    ),
  );
  for (const tr of trends)
    rows.push(
      fig(`${tr.name}: slope`, `${tr.unit}/min`, tr.floorSlopePerMinute),
      fig(
        `${tr.name}: growth over the window`,
        tr.unit,
        tr.growth,
        tr.limit,
        tr.flat === null
          ? 'limit (not judged)'
          : `limit: ${tr.flat ? 'flat' : 'GROWS'}`,
      ),
    );
  for (const tr of reported)
    rows.push(
      fig(
        `${tr.name}: slope of every 2 s sample`,
        `${tr.unit}/min`,
        tr.slopePerMinute,
        null,
        `reported (${tr.first.toFixed(1)} to ${tr.last.toFixed(1)})`,
      ),
    );

  printTable(
    `bench:soak — ${SECONDS} s of mixed load on the compiled service (${REPOS} repos, seed ${SEED})`,
    rows,
  );
  console.log(`jobs by action and status: ${JSON.stringify(byAction)}`);
  console.log(`job error codes: ${JSON.stringify(errorCodes)}`);
  console.log(
    `answers by route and status: ${JSON.stringify(client.routeTable())}`,
  );
  console.log(`cancels by status: ${JSON.stringify(tally.cancels)}`);
  console.log(
    `after: ${final ? mib(final.rssBytes).toFixed(1) : '?'} MiB RSS, ${final?.fds ?? '?'} fds, ${r.left.gitProcesses} git processes; service log lines by level: ${JSON.stringify(r.log.levels)}`,
  );
  for (const s of client.serverErrorSamples)
    console.log(`5xx: ${JSON.stringify(s)}`);
  for (const s of client.networkErrorSamples)
    console.log(`no answer: ${JSON.stringify(s)}`);
  for (const s of client.unexpectedSamples.slice(0, 5))
    console.log(`unexpected: ${JSON.stringify(s)}`);
  for (const line of r.log.notable.slice(0, 10))
    console.log(`service: ${line}`);
  for (const x of [...r.lost, ...r.stuck].slice(0, 10))
    console.log(`job: ${x}`);
  console.log(`rules: ${RULES}`);
  for (const note of notes) console.log(`note: ${note}`);
  console.log(
    `verdict: ${verdict}${failures.length ? ` (${failures.join('; ')})` : ''}${judged ? '' : ' (trends not judged)'}`,
  );

  const file = writeResult('soak', rows, {
    verdict,
    trendsJudged: judged,
    failures,
    notes,
    config: {
      seconds: SECONDS,
      repos: REPOS,
      acceptPerSecond: ACCEPT_RPS,
      readsPerSecond: READ_RPS,
      sseClients: SSE_CLIENTS,
      trunkEverySeconds: TRUNK_EVERY_S,
      backlogPerRepo: BACKLOG,
      drainSeconds: DRAIN_SECONDS,
      sampleMs: SAMPLE_MS,
      seed: SEED,
      concurrency: CONCURRENCY,
      helperIdleMs: HELPER_IDLE_MS,
      ballastMiB: BALLAST_MB,
      gcEveryMs: GC_EVERY_MS,
    },
    rules: {
      text: RULES,
      warmUpShare: WARM_UP,
      floorBlockSeconds: FLOOR_BLOCK_S,
      storeCacheMiB: STORE_CACHE_MIB,
      minWindowSeconds: MIN_WINDOW_S,
      memoryGrowthLimitShareOfMean: MEMORY_GROWTH_LIMIT,
      fdGrowthLimit: FD_GROWTH_LIMIT,
    },
    trends: [...trends, ...reported],
    heap: {
      judged: afterGc
        ? 'heapUsed right after a full collection (process.memoryUsage in the preload)'
        : 'nodejs_heap_size_used_bytes from /metrics, 10 s floors',
      everySample: r.heapAvailable
        ? 'nodejs_heap_size_used_bytes from /metrics'
        : 'not exposed',
    },
    counts: {
      ...tally,
      requestsByKind: client.byKind,
      serverErrors: client.serverErrors,
      networkErrors: client.networkErrors,
      unexpectedAnswers: client.unexpected,
      jobsByStatus: byStatus,
      jobsByAction: byAction,
      jobErrorCodes: errorCodes,
      jobsThatMovedBranches: moved.length,
      branchesMoved,
      lost: r.lost,
      stuck: r.stuck,
      finalRestacks: r.finalRestacks,
      branchesNeedingRestack: r.needingRestack,
      leftAfterIdle: r.left,
      serviceExit: r.exitInfo,
      serviceLogLevels: r.log.levels,
    },
    answersByRoute: client.routeTable(),
    evidence: {
      serverErrors: client.serverErrorSamples,
      networkErrors: client.networkErrorSamples,
      unexpected: client.unexpectedSamples,
      serviceLog: r.log.notable,
    },
    samples,
    gcSamples: r.gcSamples,
  });
  console.log(`wrote ${file}`);
  if (verdict !== 'pass') process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
