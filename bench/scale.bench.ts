/**
 * npm run bench:scale — several compiled service processes on one PostgreSQL schema, each
 * with a data dir of its own (its clone cache), on real bare origins in a temp dir.
 *
 * 1. Throughput with 1, 2 and 3 instances (SCALE_INSTANCES), the same workload per row, each
 *    row in a fresh schema on fresh origins: SCALE_REPOS (16) repos with a stack of three
 *    branches each, registered and tracked; then SCALE_JOBS_PER_REPO (6) jobs per repo
 *    (restack and sync in turn, after one trunk commit per origin, so the first restack of
 *    each repo replays and pushes) sent round-robin over the instances, timed from the first
 *    request to the last job's end as the store records it: completed jobs/s. Then
 *    `POST /repos/:id/actions` driven with autocannon for SCALE_ACCEPT_SECONDS (8) over
 *    SCALE_CONNECTIONS (64) connections spread over the instances (connection i goes to
 *    instance i mod n, as a load balancer spreading connections does), rotating over the
 *    repos: accepted actions/s. Rows 2 and 3 are given as ratios to row 1 of the same run.
 * 2. Takeover: SCALE_TRIALS (3) times, with three instances, SCALE_TAKEOVER_REPOS (9) repos
 *    and a lease of SCALE_LEASE_MS (3000; STACKYARD_LEASE_MS when set), the instance holding
 *    the most repos gets a restack and a sync for each of them and is killed with SIGKILL
 *    as soon as it runs one; measured from the kill, on the store's record (event times):
 *    the jobs it was running each running on another instance (a step started there) and
 *    completed there. Target: the lease + under 2 s. Reported beside: how long its leases
 *    still had to run at the kill, each of its repos running elsewhere (repos also queue
 *    for the new holder's job slots) and all its jobs, queued ones too, completed. A new
 *    instance replaces the dead one before the next trial.
 * 3. Clones: after each throughput row, the `<repoId>.git` folders under every instance's
 *    `<data dir>/repos`: exactly one per repo while no instance dies.
 *
 * Job progress is read straight from the store's tables, so watching costs the instances
 * nothing. Exits 0 when a target is missed (the table says so), 1 on an error: a 5xx, a
 * request without an answer, a refused request, a job lost (no end within
 * SCALE_JOB_DEADLINE_S) or ended other than completed, an accepted request missing from the
 * store, an instance that died unasked. Writes bench/results/scale.json. PostgreSQL at
 * STACKYARD_DATABASE_URL, else STACKYARD_TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test; every schema and folder it made is removed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { writeResult } from './support/report';
import { cpuSecondsOf, postgresCpuSeconds } from './support/scale-cpu';
import { ScaleInstance } from './support/scale-instance';
import {
  compared,
  printScaleTable,
  type ScaleRow,
  targeted,
} from './support/scale-report';
import { endsOf, type JobEventRow, ScaleDatabase } from './support/scale-store';
import { SoakOrigin } from './support/soak-origin';

const num = (name: string, fallback: number, min = 0): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number ≥ ${min}`);
  return value;
};

const DATABASE_URL =
  process.env.STACKYARD_DATABASE_URL ||
  process.env.STACKYARD_TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test';
const INSTANCE_COUNTS = (process.env.SCALE_INSTANCES || '1,2,3')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n >= 1);
const REPOS = Math.floor(num('SCALE_REPOS', 16, 1));
const JOBS_PER_REPO = Math.floor(num('SCALE_JOBS_PER_REPO', 6, 1));
const ACCEPT_SECONDS = num('SCALE_ACCEPT_SECONDS', 8, 1);
const WARM_UP_SECONDS = num('SCALE_WARM_UP_SECONDS', 1);
const CONNECTIONS = Math.floor(num('SCALE_CONNECTIONS', 64, 1));
const CONCURRENCY = Math.floor(num('SCALE_CONCURRENCY', 2, 1));
const LEASE_MS = num(
  'SCALE_LEASE_MS',
  num('STACKYARD_LEASE_MS', 3000, 1000),
  1000,
);
const TRIALS = Math.floor(num('SCALE_TRIALS', 3));
const TAKEOVER_INSTANCES = 3;
const TAKEOVER_REPOS = Math.floor(num('SCALE_TAKEOVER_REPOS', 9, 1));
const JOB_DEADLINE_MS = num('SCALE_JOB_DEADLINE_S', 180, 1) * 1000;
/** Takeover target: SIGKILL to running elsewhere (and to completed) within lease + this. */
const TAKEOVER_SLACK_S = 2;

const BRANCHES = ['a', 'b', 'c'];
const BODY = JSON.stringify({ action: 'restack_repo' });
const METRICS = [
  'stackyard_job_lease_takeovers_total',
  'stackyard_job_claim_conflicts_total',
];

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** What makes the run fail (exit 1), as opposed to a target missed. */
const errors: string[] = [];
const notes: string[] = [];
function fail(message: string): void {
  errors.push(message);
  console.error(`error: ${message}`);
}

/** Every instance started, so that an interrupted run leaves none behind. */
const started = new Set<ScaleInstance>();

/** Runs `work` over `items`, at most `limit` at once. */
async function eachLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
}

const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Counts of answers by status over the run's own requests (not autocannon's). */
const answers: Record<string, number> = {};

async function post<T>(
  instance: ScaleInstance,
  path: string,
  body: object,
  expected: number,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${instance.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    answers.none = (answers.none ?? 0) + 1;
    throw new Error(
      `POST ${path} on ${instance.id}: no answer (${String(error)})`,
    );
  }
  answers[res.status] = (answers[res.status] ?? 0) + 1;
  const text = await res.text();
  if (res.status !== expected)
    throw new Error(
      `POST ${path} on ${instance.id}: ${res.status} ${text.slice(0, 300)}`,
    );
  return JSON.parse(text) as T;
}

async function makeOrigins(dir: string, count: number): Promise<SoakOrigin[]> {
  return eachLimited(
    Array.from({ length: count }, (_, i) => i),
    4,
    (i) => SoakOrigin.create(join(dir, `origin-${i}`), BRANCHES, 'main', 1),
  );
}

async function startInstances(
  dir: string,
  schema: string,
  ids: readonly string[],
): Promise<ScaleInstance[]> {
  const instances: ScaleInstance[] = [];
  for (const id of ids) {
    const instance = await ScaleInstance.start({
      dir: join(dir, id),
      instanceId: id,
      databaseUrl: DATABASE_URL,
      schema,
      leaseMs: LEASE_MS,
      concurrency: CONCURRENCY,
    });
    started.add(instance);
    instances.push(instance);
  }
  return instances;
}

async function stopAll(instances: readonly ScaleInstance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.stop()));
  for (const i of instances) started.delete(i);
}

interface JobsOutcome {
  events: JobEventRow[];
  ends: Map<string, { type: string; at: number }>;
  lost: string[];
}

/**
 * Waits until every job of `jobIds` has ended, reading the store; after `deadlineMs` the
 * ones without an end are lost. Fails early if an instance of `watched` dies unasked.
 */
async function awaitJobs(
  db: ScaleDatabase,
  schema: string,
  jobIds: readonly string[],
  watched: readonly ScaleInstance[],
  what: string,
  deadlineMs = JOB_DEADLINE_MS,
): Promise<JobsOutcome> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const events = await db.jobEvents(schema, jobIds);
    const ends = endsOf(events);
    if (ends.size === jobIds.length) {
      const failed = jobIds.filter(
        (id) => ends.get(id)!.type !== 'RepoActionCompleted',
      );
      if (failed.length)
        fail(
          `${what}: ${failed.length} of ${jobIds.length} jobs ended other than completed (${failed
            .slice(0, 3)
            .map((id) => `${id}: ${ends.get(id)!.type}`)
            .join(', ')})`,
        );
      return { events, ends, lost: [] };
    }
    const dead = watched.filter((i) => !i.alive);
    if (Date.now() > deadline || dead.length) {
      const lost = jobIds.filter((id) => !ends.has(id));
      if (dead.length)
        fail(
          `${what}: instance ${dead.map((i) => i.id).join(', ')} died unasked:\n${dead[0]!.logTail()}`,
        );
      fail(
        `${what}: ${lost.length} of ${jobIds.length} jobs lost (no end within ${deadlineMs / 1000} s), e.g. ${lost.slice(0, 3).join(', ')}`,
      );
      return { events, ends, lost };
    }
    await delay(150);
  }
}

interface Repo {
  repoId: string;
  origin: SoakOrigin;
}

/**
 * Registers each origin through the instances in turn and tracks its three branches through
 * the same instance (another one learns of the repo from the store a moment later), then
 * waits for those jobs.
 */
async function registerRepos(
  db: ScaleDatabase,
  schema: string,
  instances: readonly ScaleInstance[],
  origins: readonly SoakOrigin[],
  prefix: string,
): Promise<Repo[]> {
  const jobIds: string[] = [];
  const repos = await eachLimited(origins, 4, async (origin, i) => {
    const via = instances[i % instances.length]!;
    const registered = await post<{ repoId: string; initialJobId: string }>(
      via,
      '/repos',
      { name: `${prefix}-${i}`, remoteUrl: origin.origin },
      202,
    );
    jobIds.push(registered.initialJobId);
    for (const branchName of BRANCHES) {
      const job = await post<{ jobId: string }>(
        via,
        `/repos/${registered.repoId}/actions`,
        { action: 'register_existing_branch', branchName },
        202,
      );
      jobIds.push(job.jobId);
    }
    return { repoId: registered.repoId, origin };
  });
  const outcome = await awaitJobs(db, schema, jobIds, instances, 'set-up');
  if (outcome.lost.length)
    throw new Error('the set-up jobs did not all end; stopping');
  return repos;
}

/** Which instance ran each job in the end: the worker of its last claim. */
function workersOf(events: readonly JobEventRow[]): Map<string, string> {
  const workers = new Map<string, string>();
  for (const e of events)
    if (e.type === 'RepoActionStarted' && e.worker)
      workers.set(e.jobId, e.worker);
  return workers;
}

const tally = (values: Iterable<string>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

/** CPU seconds used so far: by the instances (with their git), by PostgreSQL, by the bench. */
interface Cpu {
  instances: number;
  postgres: number;
  bench: number;
}

function cpuNow(instances: readonly ScaleInstance[]): Cpu {
  const { user, system } = process.cpuUsage();
  return {
    instances: instances.reduce((sum, i) => sum + cpuSecondsOf(i.pid), 0),
    postgres: postgresCpuSeconds(),
    bench: (user + system) / 1e6,
  };
}

const cpuSince = (before: Cpu, after: Cpu): Cpu => ({
  instances: after.instances - before.instances,
  postgres: after.postgres - before.postgres,
  bench: after.bench - before.bench,
});

interface ScaleResult {
  instances: number;
  jobs: number;
  jobsSeconds: number;
  jobsPerSecond: number;
  jobsByInstance: Record<string, number>;
  /** CPU seconds over the job batch, from its first request to its last job's end. */
  jobsCpu: Cpu;
  acceptedPerSecond: number;
  /** CPU seconds over the measured accept load (warm-up aside). */
  acceptCpu: Cpu;
  /** Jobs (of the accepted ones) that ended while the measured accept load ran. */
  jobsEndedDuringAccepts: number;
  /** Accepts answered in the measured load (warm-up aside). */
  acceptedMeasured: number;
  acceptP50Ms: number;
  acceptP99Ms: number;
  accepted: number;
  acceptedInStore: number;
  acceptServerErrors: number;
  acceptOtherNon2xx: number;
  acceptNoAnswer: number;
  acceptStatuses: Record<string, number>;
  reposByInstance: Record<string, number>;
  clonesPerRepo: { min: number; max: number; reposNotOne: number };
  clonesByInstance: Record<string, number>;
  metrics: Record<string, number>;
  serviceLogLevels: Record<string, Record<string, number>>;
  loadAverage: number[];
}

async function acceptLoad(
  instances: readonly ScaleInstance[],
  repoIds: readonly string[],
  seconds: number,
): Promise<autocannon.Result> {
  let k = 0;
  return autocannon({
    // autocannon spreads its connections over several URLs (connection i to url i mod n);
    // its types only admit one.
    url: instances.map((i) => i.baseUrl) as unknown as string,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
        setupRequest: (request) => ({
          ...request,
          path: `/repos/${repoIds[k++ % repoIds.length]}/actions`,
        }),
      },
    ],
  });
}

function statusesOf(result: autocannon.Result): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    out[code] = stat.count ?? 0;
  return out;
}

/** `<repoId>.git` folders under each instance's `<data dir>/repos`. */
function clonesOf(
  instances: readonly ScaleInstance[],
  repoIds: readonly string[],
): {
  perRepo: number[];
  byInstance: Record<string, number>;
} {
  const byInstance: Record<string, number> = {};
  const perRepo = repoIds.map((repoId) => {
    let n = 0;
    for (const i of instances)
      if (existsSync(join(i.dataDir, 'repos', `${repoId}.git`))) {
        n++;
        byInstance[i.id] = (byInstance[i.id] ?? 0) + 1;
      }
    return n;
  });
  return { perRepo, byInstance };
}

async function sumMetrics(
  instances: readonly ScaleInstance[],
): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const i of instances.filter((x) => x.alive)) {
    const values = await i.metrics(METRICS);
    for (const [k, v] of Object.entries(values)) total[k] = (total[k] ?? 0) + v;
  }
  return total;
}

async function scaleRow(
  db: ScaleDatabase,
  root: string,
  n: number,
): Promise<ScaleResult> {
  const dir = join(root, `row-${n}`);
  mkdirSync(dir, { recursive: true });
  const schema = await db.createSchema(`r${n}`);
  const instances = await startInstances(
    dir,
    schema,
    Array.from(
      { length: n },
      (_, i) => `scale-${n}-${String.fromCharCode(97 + i)}`,
    ),
  );
  try {
    const origins = await makeOrigins(join(dir, 'origins'), REPOS);
    const repos = await registerRepos(db, schema, instances, origins, `r${n}`);
    const repoIds = repos.map((r) => r.repoId);
    await eachLimited(origins, 4, (o) => o.advanceTrunk());

    // Completed jobs/s: the same batch in every row, asked round-robin over the instances.
    const batch: Array<{ repoId: string; action: string }> = [];
    for (let j = 0; j < JOBS_PER_REPO; j++)
      for (const repoId of repoIds)
        batch.push({
          repoId,
          action: j % 2 === 0 ? 'restack_repo' : 'sync_repo',
        });
    const batchCpu = cpuNow(instances);
    const batchStart = Date.now();
    const jobIds = await eachLimited(batch, 8, async (job, k) => {
      const { jobId } = await post<{ jobId: string }>(
        instances[k % n]!,
        `/repos/${job.repoId}/actions`,
        { action: job.action },
        202,
      );
      return jobId;
    });
    const outcome = await awaitJobs(
      db,
      schema,
      jobIds,
      instances,
      `${n} instance(s): job batch`,
    );
    const jobsCpu = cpuSince(batchCpu, cpuNow(instances));
    const lastEnd = Math.max(...[...outcome.ends.values()].map((e) => e.at));
    const jobsSeconds = (lastEnd - batchStart) / 1000;
    const jobsByInstance = tally(workersOf(outcome.events).values());

    // Accepted actions/s, connections spread over the instances.
    const before = await db.head(schema);
    const warm = WARM_UP_SECONDS
      ? await acceptLoad(instances, repoIds, WARM_UP_SECONDS)
      : null;
    const acceptCpuBefore = cpuNow(instances);
    const acceptStart = Date.now();
    const result = await acceptLoad(instances, repoIds, ACCEPT_SECONDS);
    const acceptEnd = Date.now();
    const acceptCpu = cpuSince(acceptCpuBefore, cpuNow(instances));
    const statuses = statusesOf(result);
    const warmStatuses = warm ? statusesOf(warm) : {};
    const accepted = (statuses['202'] ?? 0) + (warmStatuses['202'] ?? 0);
    const serverErrors = [statuses, warmStatuses]
      .flatMap((s) => Object.entries(s))
      .filter(([code]) => Number(code) >= 500)
      .reduce((sum, [, count]) => sum + count, 0);
    const otherNon2xx = result.non2xx + (warm?.non2xx ?? 0) - serverErrors;
    const noAnswer =
      result.errors +
      result.timeouts +
      (warm ? warm.errors + warm.timeouts : 0);
    if (serverErrors)
      fail(`${n} instance(s): ${serverErrors} 5xx answers to the accepts`);
    if (otherNon2xx)
      fail(
        `${n} instance(s): ${otherNon2xx} accepts refused (${JSON.stringify(statuses)})`,
      );
    if (noAnswer)
      fail(`${n} instance(s): ${noAnswer} accepts without an answer`);
    await delay(500); // requests in flight when the load stopped
    const acceptedInStore = await db.requestedAfter(schema, before);
    if (acceptedInStore < accepted)
      fail(
        `${n} instance(s): ${accepted} accepts answered 202 but ${acceptedInStore} requests in the store`,
      );

    const jobsEndedDuringAccepts = await db.jobsEndedBetween(
      schema,
      acceptStart,
      acceptEnd,
    );
    const clones = clonesOf(instances, repoIds);
    const leases = await db.repoLeases(schema);
    const metrics = await sumMetrics(instances);
    for (const i of instances)
      if (!i.alive) fail(`instance ${i.id} died unasked:\n${i.logTail()}`);
    await stopAll(instances);
    const serviceLogLevels: Record<string, Record<string, number>> = {};
    for (const i of instances) {
      const summary = i.logSummary();
      serviceLogLevels[i.id] = summary.levels;
      for (const line of summary.errors) notes.push(`${i.id} logged: ${line}`);
    }
    return {
      instances: n,
      jobs: jobIds.length,
      jobsSeconds,
      jobsPerSecond: jobIds.length / jobsSeconds,
      jobsByInstance,
      jobsCpu,
      acceptedPerSecond: result.requests.average,
      acceptCpu,
      jobsEndedDuringAccepts,
      acceptedMeasured: statuses['202'] ?? 0,
      acceptP50Ms: result.latency.p50,
      acceptP99Ms: result.latency.p99,
      accepted,
      acceptedInStore,
      acceptServerErrors: serverErrors,
      acceptOtherNon2xx: otherNon2xx,
      acceptNoAnswer: noAnswer,
      acceptStatuses: statuses,
      reposByInstance: tally(leases.values()),
      clonesPerRepo: {
        min: Math.min(...clones.perRepo),
        max: Math.max(...clones.perRepo),
        reposNotOne: clones.perRepo.filter((c) => c !== 1).length,
      },
      clonesByInstance: clones.byInstance,
      metrics,
      serviceLogLevels,
      loadAverage: loadavg(),
    };
  } finally {
    await stopAll(instances);
    await db.dropSchema(schema);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

interface Trial {
  trial: number;
  victim: string;
  victimRepos: number;
  jobs: number;
  runningAtKill: number;
  queuedAtKill: number;
  endedBeforeKill: number;
  /** How long the victim's repo leases still had to run at the kill (the longest). */
  leaseLeftAtKillS: number;
  /** SIGKILL to the first step, on another instance, of every job the victim was running. */
  runningElsewhereS: number;
  /** Its leases' end to its running jobs running elsewhere: the takeover's own time. */
  afterLeasesEndedS: number;
  /** SIGKILL to the jobs it was running completed on another instance. */
  completedElsewhereS: number;
  /** SIGKILL to the first of its jobs (running or queued) running on another instance. */
  firstRunningElsewhereS: number;
  /**
   * SIGKILL to every repo of the victim with a job running elsewhere: on top of the
   * takeover, repos queue for the new holder's job slots.
   */
  everyRepoRunningElsewhereS: number;
  /** SIGKILL to every job it had (running or queued) completed. */
  allCompletedS: number;
  /** Takeovers the survivors counted (`stackyard_job_lease_takeovers_total`). */
  takeoversCounted: number;
  newHolders: Record<string, number>;
}

async function takeover(
  db: ScaleDatabase,
  root: string,
): Promise<{ trials: Trial[]; clonesAlive: number[] }> {
  const dir = join(root, 'takeover');
  mkdirSync(dir, { recursive: true });
  const schema = await db.createSchema('t');
  let serial = 0;
  const nextId = () => `takeover-${String.fromCharCode(97 + serial++)}`;
  const instances = await startInstances(
    dir,
    schema,
    Array.from({ length: TAKEOVER_INSTANCES }, nextId),
  );
  const trials: Trial[] = [];
  try {
    const origins = await makeOrigins(join(dir, 'origins'), TAKEOVER_REPOS);
    const repos = await registerRepos(db, schema, instances, origins, 't');
    for (let t = 1; t <= TRIALS; t++) {
      const alive = instances.filter((i) => i.alive);
      const leases = await db.repoLeases(schema);
      const held = tally(leases.values());
      const victim = [...alive].sort(
        (a, b) => (held[b.id] ?? 0) - (held[a.id] ?? 0),
      )[0]!;
      const victimRepos = repos.filter(
        (r) => leases.get(r.repoId) === victim.id,
      );
      if (victimRepos.length === 0) {
        fail(`takeover trial ${t}: no instance holds a repo`);
        break;
      }
      await Promise.all(victimRepos.map((r) => r.origin.advanceTrunk()));
      const survivors = alive.filter((i) => i !== victim);
      const takeoversBefore = await sumMetrics(survivors);
      const repoOf = new Map<string, string>();
      let k = 0;
      for (const action of ['restack_repo', 'sync_repo'])
        for (const r of victimRepos) {
          const { jobId } = await post<{ jobId: string }>(
            alive[k++ % alive.length]!,
            `/repos/${r.repoId}/actions`,
            { action },
            202,
          );
          repoOf.set(jobId, r.repoId);
        }
      const jobIds = [...repoOf.keys()];

      // Kill the victim as soon as it runs one of them.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const events = await db.jobEvents(schema, jobIds);
        const ends = endsOf(events);
        if (
          events.some(
            (e) =>
              e.type === 'RepoActionStarted' &&
              e.worker === victim.id &&
              !ends.has(e.jobId),
          )
        )
          break;
        if (Date.now() > deadline)
          throw new Error(`takeover trial ${t}: ${victim.id} ran no job`);
        await delay(5);
      }
      const killedAt = Date.now();
      await victim.kill();
      started.delete(victim);
      const leaseEnds = await db.repoLeaseExpiries(schema, victim.id);

      const outcome = await awaitJobs(
        db,
        schema,
        jobIds,
        survivors,
        `takeover trial ${t}`,
      );
      if (outcome.lost.length) break;

      // Each job's state at the kill, and its first step on another instance after it.
      const startedBy = new Map<string, string>();
      const resumedAt = new Map<string, number>();
      const claimedElsewhere = new Set<string>();
      for (const e of outcome.events) {
        if (e.type === 'RepoActionStarted') {
          if (e.at <= killedAt && e.worker) startedBy.set(e.jobId, e.worker);
          if (e.worker !== victim.id) claimedElsewhere.add(e.jobId);
        }
        if (
          e.type === 'RepoActionStepStarted' &&
          claimedElsewhere.has(e.jobId) &&
          !resumedAt.has(e.jobId)
        )
          resumedAt.set(e.jobId, e.at);
      }
      const endedBefore = jobIds.filter(
        (id) => outcome.ends.get(id)!.at <= killedAt,
      );
      const unfinished = jobIds.filter((id) => !endedBefore.includes(id));
      const running = unfinished.filter(
        (id) => startedBy.get(id) === victim.id,
      );
      for (const id of unfinished)
        if (!resumedAt.has(id))
          fail(`takeover trial ${t}: job ${id} never ran on another instance`);
      const seconds = (ats: number[]) =>
        ats.length ? (Math.max(...ats) - killedAt) / 1000 : NaN;
      const resumed = (ids: string[]) =>
        ids.flatMap((id) => {
          const at = resumedAt.get(id);
          return at === undefined ? [] : [at];
        });
      const firstByRepo = new Map<string, number>();
      for (const id of unfinished) {
        const at = resumedAt.get(id);
        const repoId = repoOf.get(id)!;
        if (at !== undefined)
          firstByRepo.set(
            repoId,
            Math.min(firstByRepo.get(repoId) ?? Infinity, at),
          );
      }
      const takeoversAfter = await sumMetrics(survivors);
      const newLeases = await db.repoLeases(schema);
      const trial: Trial = {
        trial: t,
        victim: victim.id,
        victimRepos: victimRepos.length,
        jobs: jobIds.length,
        runningAtKill: running.length,
        queuedAtKill: unfinished.length - running.length,
        endedBeforeKill: endedBefore.length,
        leaseLeftAtKillS: leaseEnds.length
          ? (Math.max(...leaseEnds) - killedAt) / 1000
          : NaN,
        runningElsewhereS: seconds(resumed(running)),
        afterLeasesEndedS: NaN,
        completedElsewhereS: seconds(
          running.map((id) => outcome.ends.get(id)!.at),
        ),
        firstRunningElsewhereS: resumed(unfinished).length
          ? (Math.min(...resumed(unfinished)) - killedAt) / 1000
          : NaN,
        everyRepoRunningElsewhereS: seconds([...firstByRepo.values()]),
        allCompletedS: seconds(
          unfinished.map((id) => outcome.ends.get(id)!.at),
        ),
        takeoversCounted:
          (takeoversAfter.stackyard_job_lease_takeovers_total ?? 0) -
          (takeoversBefore.stackyard_job_lease_takeovers_total ?? 0),
        newHolders: tally(
          victimRepos.map((r) => newLeases.get(r.repoId) ?? '(none)'),
        ),
      };
      trial.afterLeasesEndedS =
        trial.runningElsewhereS - trial.leaseLeftAtKillS;
      trials.push(trial);
      console.log(
        `takeover trial ${t}: killed ${victim.id} holding ${trial.victimRepos} repos (${trial.runningAtKill} jobs running, ${trial.queuedAtKill} queued, its leases ending ${trial.leaseLeftAtKillS.toFixed(2)} s later); ` +
          `its running jobs running elsewhere after ${trial.runningElsewhereS.toFixed(2)} s and completed after ${trial.completedElsewhereS.toFixed(2)} s; all its jobs completed after ${trial.allCompletedS.toFixed(2)} s`,
      );
      if (running.length === 0)
        notes.push(
          `takeover trial ${t}: the jobs ${victim.id} ran had ended before the kill landed`,
        );
      if (t < TRIALS)
        instances.push(...(await startInstances(dir, schema, [nextId()])));
    }
    const alive = instances.filter((i) => i.alive);
    const clonesAlive = clonesOf(
      alive,
      repos.map((r) => r.repoId),
    ).perRepo;
    return { trials, clonesAlive };
  } finally {
    await stopAll(instances);
    await db.dropSchema(schema);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

const cpuText = (c: Cpu): string =>
  [c.instances, c.postgres, c.bench].map((x) => x.toFixed(1)).join('/');

function buildRows(
  results: readonly ScaleResult[],
  trials: readonly Trial[],
): ScaleRow[] {
  const rows: ScaleRow[] = [];
  const base = results.find((r) => r.instances === 1) ?? results[0];
  const baseName = (r: ScaleResult) =>
    r === base ? '' : `${base!.instances} instance, same run`;
  const label = (n: number) => `${n} instance${n === 1 ? '' : 's'}`;
  /** One row per instance count, each beside the one-instance figure of the same run. */
  const perCount = (
    metric: (r: ScaleResult) => string,
    unit: string,
    figure: (r: ScaleResult) => number,
    higherIsBetter = true,
  ) => {
    for (const r of results)
      rows.push(
        compared(
          metric(r),
          unit,
          figure(r),
          r === base ? null : figure(base!),
          baseName(r),
          higherIsBetter,
        ),
      );
  };
  perCount(
    (r) =>
      `accepted actions/s, ${label(r.instances)}, ${CONNECTIONS} connections`,
    'req/s',
    (r) => r.acceptedPerSecond,
  );
  perCount(
    (r) => `accept p99 latency, ${label(r.instances)}`,
    'ms',
    (r) => r.acceptP99Ms,
    false,
  );
  perCount(
    (r) =>
      `completed jobs/s, ${label(r.instances)} (${r.jobs} jobs, ${REPOS} repos)`,
    'jobs/s',
    (r) => r.jobsPerSecond,
  );
  perCount(
    (r) => `instances' CPU per completed job, ${label(r.instances)}`,
    'ms',
    (r) => (r.jobsCpu.instances / r.jobs) * 1000,
    false,
  );
  perCount(
    (r) =>
      `instances' CPU during the accepts per accept, ${label(r.instances)}`,
    'ms',
    (r) => (r.acceptCpu.instances / Math.max(1, r.acceptedMeasured)) * 1000,
    false,
  );
  perCount(
    (r) => `jobs ended during the accepts, ${label(r.instances)}`,
    'jobs',
    (r) => r.jobsEndedDuringAccepts,
  );
  for (const r of results)
    rows.push(
      targeted(
        `clones per repo, ${label(r.instances)} (max; min ${r.clonesPerRepo.min})`,
        'clones',
        r.clonesPerRepo.max,
        1,
        'target: exactly 1 per repo',
        false,
        r.clonesPerRepo.min === 1 && r.clonesPerRepo.max === 1,
      ),
    );
  rows.push(
    targeted(
      'lease takeovers while no instance died, all rows',
      'jobs',
      results.reduce(
        (sum, r) => sum + (r.metrics.stackyard_job_lease_takeovers_total ?? 0),
        0,
      ),
      0,
      'target: none',
      false,
    ),
  );
  if (trials.length) {
    const leaseS = LEASE_MS / 1000;
    const target = leaseS + TAKEOVER_SLACK_S;
    const figures: Array<[string, number[]]> = [
      [
        'SIGKILL to its running jobs running on another instance',
        trials.map((t) => t.runningElsewhereS),
      ],
      [
        'SIGKILL to its running jobs completed elsewhere',
        trials.map((t) => t.completedElsewhereS),
      ],
    ];
    rows.push(
      compared(
        `its leases' time left at the SIGKILL, median of ${trials.length}`,
        's',
        median(trials.map((t) => t.leaseLeftAtKillS)),
        null,
        'reported (renewed every third of the lease)',
        false,
      ),
    );
    rows.push(
      compared(
        `its leases' end to its running jobs running elsewhere, median of ${trials.length}`,
        's',
        median(trials.map((t) => t.afterLeasesEndedS)),
        null,
        'reported (gate poll, claim, start)',
        false,
      ),
    );
    for (const [name, all] of figures) {
      const values = all.filter((v) => !Number.isNaN(v));
      if (values.length === 0) continue;
      for (const [stat, value] of [
        ['median', median(values)],
        ['max', Math.max(...values)],
      ] as const) {
        rows.push(
          targeted(
            `${name}, ${stat} of ${values.length}`,
            's',
            value,
            target,
            `target: lease ${leaseS} s + ${TAKEOVER_SLACK_S} s`,
            false,
            value < target,
          ),
          {
            ...targeted(
              `  the same minus the lease`,
              's',
              value - leaseS,
              TAKEOVER_SLACK_S,
              `target: under ${TAKEOVER_SLACK_S} s`,
              false,
              value - leaseS < TAKEOVER_SLACK_S,
            ),
            // Under the lease (it was renewed a moment before the kill): no ratio to show.
            ...(value - leaseS <= 0 ? { ratio: null } : {}),
          },
        );
      }
    }
    const all = trials.map((t) => t.allCompletedS);
    rows.push(
      compared(
        `SIGKILL to each of its repos running elsewhere, max of ${trials.length}`,
        's',
        Math.max(...trials.map((t) => t.everyRepoRunningElsewhereS)),
        null,
        'reported (repos queue for job slots)',
        false,
      ),
      compared(
        `SIGKILL to all its jobs (queued too) completed, max of ${all.length}`,
        's',
        Math.max(...all),
        null,
        'reported',
        false,
      ),
    );
  }
  rows.push(
    targeted(
      'errors: 5xx, unanswered, refused or lost',
      'count',
      errors.length,
      0,
      'target: none (exit 1 otherwise)',
      false,
    ),
  );
  return rows;
}

async function main(): Promise<void> {
  if (INSTANCE_COUNTS.length === 0)
    throw new Error('SCALE_INSTANCES names no instance count');
  let db: ScaleDatabase;
  try {
    db = await ScaleDatabase.connect(DATABASE_URL);
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at ${DATABASE_URL.replace(/\/\/[^@/]*@/, '//…@')}: ${String(error)}`,
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'stackyard-bench-scale-'));
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`${signal}: stopping the instances and cleaning up`);
    void (async () => {
      for (const i of started) await i.kill();
      await db.dropAll().catch(() => undefined);
      rmSync(root, { recursive: true, force: true, maxRetries: 5 });
      process.exit(130);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = Date.now();
  const loadBefore = loadavg();
  const results: ScaleResult[] = [];
  let trials: Trial[] = [];
  let clonesAfterTakeovers: number[] = [];
  try {
    for (const n of INSTANCE_COUNTS) {
      const r = await scaleRow(db, root, n);
      results.push(r);
      console.log(
        `${n} instance(s): ${r.jobsPerSecond.toFixed(2)} jobs/s (${r.jobs} jobs in ${r.jobsSeconds.toFixed(1)} s, by instance ${JSON.stringify(r.jobsByInstance)}), ` +
          `${Math.round(r.acceptedPerSecond)} accepts/s (p99 ${r.acceptP99Ms} ms, ${r.jobsEndedDuringAccepts} jobs ended meanwhile); CPU s (instances, postgres, bench) over the jobs ${cpuText(r.jobsCpu)}, over the accepts ${cpuText(r.acceptCpu)}; repos by lease holder ${JSON.stringify(r.reposByInstance)}, clones per repo ${r.clonesPerRepo.min}–${r.clonesPerRepo.max}`,
      );
    }
    if (TRIALS > 0) {
      const t = await takeover(db, root);
      trials = t.trials;
      clonesAfterTakeovers = t.clonesAlive;
    }
  } finally {
    for (const i of started) await i.kill();
    await db.dropAll().catch((error: unknown) => {
      console.error(`could not drop the bench's schemas: ${String(error)}`);
    });
    await db.close();
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  }

  for (const r of results)
    if (r.clonesPerRepo.reposNotOne)
      notes.push(
        `${r.instances} instance(s): ${r.clonesPerRepo.reposNotOne} repos without exactly one clone (${JSON.stringify(r.clonesByInstance)})`,
      );
  const rows = buildRows(results, trials);
  printScaleTable(
    `bench:scale — ${INSTANCE_COUNTS.join(', ')} instances on one PostgreSQL schema (${REPOS} repos, concurrency ${CONCURRENCY} each; takeover: ${TAKEOVER_INSTANCES} instances, lease ${LEASE_MS} ms)`,
    rows,
  );
  for (const t of trials)
    console.log(
      `trial ${t.trial}: ${t.victim} killed holding ${t.victimRepos} repos, ${t.runningAtKill} jobs running and ${t.queuedAtKill} queued (${t.endedBeforeKill} ended before), its leases ending ${t.leaseLeftAtKillS.toFixed(2)} s later; ` +
        `from the kill: first job running elsewhere ${t.firstRunningElsewhereS.toFixed(2)} s, the running jobs running elsewhere ${t.runningElsewhereS.toFixed(2)} s and completed ${t.completedElsewhereS.toFixed(2)} s, every repo running elsewhere ${t.everyRepoRunningElsewhereS.toFixed(2)} s, all jobs completed ${t.allCompletedS.toFixed(2)} s; ` +
        `takeovers counted ${t.takeoversCounted}; new holders ${JSON.stringify(t.newHolders)}`,
    );
  for (const note of notes) console.log(`note: ${note}`);
  const seconds = (Date.now() - startedAt) / 1000;
  console.log(
    `${seconds.toFixed(0)} s in all; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; requests of the set-up and batches by status ${JSON.stringify(answers)}`,
  );
  const file = writeResult('scale', rows, {
    verdict: errors.length ? 'error' : 'ok',
    targetsMissed: rows.filter((r) => r.pass === false).map((r) => r.metric),
    errors,
    notes,
    config: {
      instances: INSTANCE_COUNTS,
      repos: REPOS,
      jobsPerRepo: JOBS_PER_REPO,
      acceptSeconds: ACCEPT_SECONDS,
      warmUpSeconds: WARM_UP_SECONDS,
      connections: CONNECTIONS,
      concurrencyPerInstance: CONCURRENCY,
      leaseMs: LEASE_MS,
      trials: TRIALS,
      takeoverInstances: TAKEOVER_INSTANCES,
      takeoverRepos: TAKEOVER_REPOS,
      jobDeadlineSeconds: JOB_DEADLINE_MS / 1000,
    },
    scale: results,
    takeover: { trials, clonesPerRepoAmongLiveInstances: clonesAfterTakeovers },
    runSeconds: seconds,
    loadAverage: { before: loadBefore, after: loadavg() },
  });
  console.log(`wrote ${file}`);
  if (errors.length) {
    console.error(`${errors.length} error(s); exit 1`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
