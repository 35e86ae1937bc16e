import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  LivenessResource,
  ReadinessResource,
} from '../src/read-models/health/health.resource';
import type { JobResource } from '../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import {
  conventionProblems,
  type MetricFamily,
  parseExposition,
  sampleValue,
} from './read-models/metrics/prometheus-text';
import { GitFixture } from './support/git-fixture';
import { RepoFetchGate } from './support/repo-fetch-gate';
import { TestApp } from './support/test-app';

const PROMTOOL = '/usr/bin/promtool';
const INSTANCE = 'operating-e2e-1';

/**
 * What an operator running several instances behind a balancer reads: liveness and
 * readiness apart, and metrics by Prometheus's conventions. Every answer is checked
 * against the served API document (see TestApp).
 */
describe('operating the service', () => {
  let dir: string;
  let fx: GitFixture;
  let gate: RepoFetchGate;
  let t: TestApp;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-operating-'));
    fx = new GitFixture();
    gate = new RepoFetchGate(dir);
    t = await TestApp.start(undefined, {
      STACKYARD_GIT_BIN: gate.bin,
      STACKYARD_INSTANCE_ID: INSTANCE,
    });
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const ready = async () => {
    const res = await t.http().get('/health/ready');
    return { status: res.status, body: res.body as ReadinessResource };
  };
  const scrape = async (): Promise<MetricFamily[]> =>
    parseExposition((await t.http().get('/metrics').expect(200)).text);

  /**
   * Asks again until `done` holds for the answer: the runner's view of the jobs follows the
   * store through its own subscription, so it may trail an event the test has seen by a
   * turn of the event loop. No fixed wait; it gives up after 20 s with the last answer.
   */
  async function until<T>(ask: () => Promise<T>, done: (answer: T) => boolean) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await ask();
      if (done(answer)) return answer;
      if (Date.now() > deadline)
        throw new Error(`still not so: ${JSON.stringify(answer)}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function register(): Promise<RegisteredRepoResource> {
    const repo = (
      await t
        .http()
        .post('/repos')
        .send({ name: 'ops', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    await t.jobEnd(repo.initialJobId);
    return repo;
  }

  const act = async (repoId: string, body: object) =>
    (await t.http().post(`/repos/${repoId}/actions`).send(body).expect(202))
      .body as JobResource;

  it('is live with its instance id, and ready with its store engine, lag and no lease when idle', async () => {
    const live = await t.http().get('/health/live').expect(200);
    expect(live.body as LivenessResource).toEqual({
      status: 'ok',
      instanceId: INSTANCE,
    });

    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      instanceId: INSTANCE,
      reasons: [],
      store: { engine: 'sqlite', writable: true },
      projections: { maxLag: 1000 },
      leases: [],
    });
    expect(body.projections.lag).toBe(
      body.projections.head - body.projections.position,
    );
    // The first shape is kept.
    const health = await t.http().get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', eventStore: 'open' });
  });

  it('lists the job its runner holds as a lease, and counts it running and the one behind it queued, until both end', async () => {
    fx.stack(['a']);
    const repo = await register();
    gate.hold(repo.repoId);
    const first = await act(repo.repoId, { action: 'sync_repo' });
    const second = await act(repo.repoId, { action: 'restack_repo' });

    // The first job's fetch waits at the gate: it is running, the second waits behind it.
    const started = await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${first.jobId}` &&
        e.type === 'RepoActionStarted',
    );
    expect(started.data).toEqual({ attempt: 1, worker: INSTANCE });
    const holding = await until(ready, (r) => r.body.leases.length > 0);
    expect(holding.status).toBe(200);
    expect(holding.body.leases).toEqual([
      {
        jobId: first.jobId,
        action: 'sync_repo',
        attempt: 1,
        since: started.metadata.at,
      },
    ]);
    const busy = await until(
      scrape,
      (m) => sampleValue(m, 'stackyard_jobs_running') === 1,
    );
    expect(sampleValue(busy, 'stackyard_jobs_queued')).toBe(1);

    gate.release(repo.repoId);
    await t.jobEnd(first.jobId);
    await t.jobEnd(second.jobId);
    const idle = await until(ready, (r) => r.body.leases.length === 0);
    expect(idle.status).toBe(200);
    const after = await until(
      scrape,
      (m) => sampleValue(m, 'stackyard_jobs_running') === 0,
    );
    expect(sampleValue(after, 'stackyard_jobs_queued')).toBe(0);
    // The registration's sync, and the two jobs, by outcome and action.
    expect(
      sampleValue(after, 'stackyard_job_outcomes_total', {
        outcome: 'completed',
        action: 'sync_repo',
        code: '',
      }),
    ).toBe(2);
    expect(
      sampleValue(after, 'stackyard_job_outcomes_total', {
        outcome: 'completed',
        action: 'restack_repo',
        code: '',
      }),
    ).toBe(1);
  });

  it("counts a job's error by action and code", async () => {
    const repo = await register();
    const job = await act(repo.repoId, {
      action: 'register_existing_branch',
      branchName: 'nowhere',
    });
    await t.jobEnd(job.jobId);
    const { error } = await t.job(job.jobId);
    expect(error?.code).toBe('GIT.UNKNOWN_BRANCH');
    expect(
      sampleValue(await scrape(), 'stackyard_job_outcomes_total', {
        outcome: 'error',
        action: 'register_existing_branch',
        code: 'GIT.UNKNOWN_BRANCH',
      }),
    ).toBe(1);
  });

  it('serves /metrics by the Prometheus conventions, with the standard process and Node names, passing promtool where it is installed', async () => {
    fx.stack(['a']);
    const repo = await register();
    await t.jobEnd((await act(repo.repoId, { action: 'restack_repo' })).jobId);
    const text = (await t.http().get('/metrics').expect(200)).text;
    const families = parseExposition(text);

    // Checked here whether or not promtool is installed.
    expect(conventionProblems(families)).toEqual([]);
    const names = families.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_heap_size_used_bytes',
        'nodejs_eventloop_lag_seconds',
        'stackyard_http_request_duration_seconds',
        'stackyard_job_queue_wait_seconds',
        'stackyard_job_step_duration_seconds',
        'stackyard_job_outcomes_total',
        'stackyard_jobs_queued',
        'stackyard_jobs_running',
        'stackyard_job_lease_takeovers_total',
        'stackyard_job_claim_conflicts_total',
        'stackyard_projection_lag_events',
      ]),
    );
    expect(names.filter((n) => /^stackyard_(process|nodejs)_/.test(n))).toEqual(
      [],
    );
    expect(sampleValue(families, 'stackyard_job_lease_takeovers_total')).toBe(
      0,
    );
    expect(sampleValue(families, 'stackyard_job_claim_conflicts_total')).toBe(
      0,
    );

    if (existsSync(PROMTOOL)) {
      const check = spawnSync(PROMTOOL, ['check', 'metrics'], {
        input: text,
        encoding: 'utf8',
      });
      expect({
        status: check.status,
        out: `${check.stdout}${check.stderr}`,
      }).toEqual({ status: 0, out: '' });
    }
  });
});
