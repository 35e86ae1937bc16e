import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port';
import type { JobResource } from '../../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../../src/read-models/repo/repo.resource';
import { GitFixture } from '../support/git-fixture';
import { readSse, type SseEvent } from '../support/sse';
import { GatedGit, TestApp } from '../support/test-app';

/** The job runner through the API, with git held at a step where a test needs it held. */
describe('the job runner', () => {
  let fx: GitFixture;
  let dir: string;
  const apps: TestApp[] = [];

  beforeEach(() => {
    fx = new GitFixture();
    dir = mkdtempSync(join(tmpdir(), 'stackyard-runner-'));
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    fx.dispose();
  });

  async function start(
    env: Record<string, string> = {},
    dataDir = join(dir, 'data'),
  ) {
    const app = await TestApp.start(dataDir, env);
    apps.push(app);
    return app;
  }

  async function register(
    t: TestApp,
    name = 'demo',
    remoteUrl = fx.origin,
  ): Promise<RegisteredRepoResource> {
    return (await t.http().post('/repos').send({ name, remoteUrl }).expect(202))
      .body as RegisteredRepoResource;
  }

  async function act(
    t: TestApp,
    repoId: string,
    body: object,
  ): Promise<JobResource> {
    return (
      await t.http().post(`/repos/${repoId}/actions`).send(body).expect(202)
    ).body as JobResource;
  }

  const stepStarted = (t: TestApp, jobId: string, step: string) =>
    t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${jobId}` &&
        e.type === 'RepoActionStepStarted' &&
        (e.data as { step: string }).step === step,
    );

  const eventsOf = async (
    t: TestApp,
    jobId: string,
  ): Promise<RecordedEvent[]> => t.store.readStream(`repo-action-${jobId}`);

  it('cancels a queued job at once and stops a running one at its next step', async () => {
    const gate = new GatedGit(dir, 'fetch');
    const t = await start({ STACKYARD_GIT_BIN: gate.bin });
    const repo = await register(t);
    const running = repo.initialJobId;
    await stepStarted(t, running, 'pre_sync');
    const queued = await act(t, repo.repoId, { action: 'restack_repo' });

    const cancelQueued = await t
      .http()
      .post(`/jobs/${queued.jobId}/cancel`)
      .expect(200);
    expect(cancelQueued.body).toMatchObject({ status: 'cancelled' });
    const cancelRunning = await t
      .http()
      .post(`/jobs/${running}/cancel`)
      .expect(202);
    expect(cancelRunning.body).toMatchObject({
      status: 'running',
      cancelRequested: true,
    });

    gate.open();
    expect((await t.jobEnd(running)).type).toBe('RepoActionCancelled');
    const job = await t.job(running);
    expect(job.status).toBe('cancelled');
    // It stopped at the boundary after pre_sync: nothing was executed or published.
    const steps = (await eventsOf(t, running))
      .filter((e) => e.type === 'RepoActionStepStarted')
      .map((e) => (e.data as { step: string }).step);
    expect(steps).toEqual(['pre_sync']);
    const again = await t.http().post(`/jobs/${running}/cancel`).expect(409);
    expect(again.body).toMatchObject({
      error: { code: 'JOB.ALREADY_FINISHED' },
    });
  });

  it('runs the jobs of one repo one at a time, in order, and two repos in parallel', async () => {
    const other = new GitFixture();
    try {
      const gate = new GatedGit(dir, 'fetch');
      const t = await start({
        STACKYARD_GIT_BIN: gate.bin,
        STACKYARD_CONCURRENCY: '2',
      });
      const one = await register(t, 'one');
      const two = await register(t, 'two', other.origin);
      // Both first jobs are inside pre_sync at the same time: the repos run in parallel.
      await stepStarted(t, one.initialJobId, 'pre_sync');
      await stepStarted(t, two.initialJobId, 'pre_sync');
      const next = await act(t, one.repoId, { action: 'restack_repo' });
      const last = await act(t, one.repoId, { action: 'sync_repo' });
      expect((await t.job(next.jobId)).status).toBe('queued');

      gate.open();
      const ends = await Promise.all(
        [one.initialJobId, next.jobId, last.jobId, two.initialJobId].map((id) =>
          t.jobEnd(id),
        ),
      );
      expect(ends.map((e) => e.type)).toEqual(
        Array(4).fill('RepoActionCompleted'),
      );
      const startOf = async (jobId: string) =>
        (await eventsOf(t, jobId)).find((e) => e.type === 'RepoActionStarted')!
          .globalPosition;
      const [, endFirst, endNext] = [
        0,
        ends[0]!.globalPosition,
        ends[1]!.globalPosition,
      ];
      expect(await startOf(next.jobId)).toBeGreaterThan(endFirst);
      expect(await startOf(last.jobId)).toBeGreaterThan(endNext);
    } finally {
      other.dispose();
    }
  });

  it('resumes a job cut off mid-step after a restart, applying nothing twice', async () => {
    fx.stack(['a', 'b']);
    const first = await start();
    const repo = await register(first);
    await first.jobEnd(repo.initialJobId);
    for (const branchName of ['a', 'b']) {
      const job = await act(first, repo.repoId, {
        action: 'register_existing_branch',
        branchName,
      });
      await first.jobEnd(job.jobId);
    }
    await first.close();
    apps.length = 0;
    fx.advance();

    // The service dies while pushing the restack.
    const gate = new GatedGit(dir, 'push');
    const cut = await start({
      STACKYARD_GIT_BIN: gate.bin,
      STACKYARD_SHUTDOWN_GRACE_MS: '200',
    });
    const job = await act(cut, repo.repoId, { action: 'restack_repo' });
    await stepStarted(cut, job.jobId, 'publish');
    await cut.close();
    apps.length = 0;

    const again = await start();
    expect((await again.jobEnd(job.jobId)).type).toBe('RepoActionCompleted');
    gate.open(); // the first process's push, still waiting, may now fail harmlessly
    const done = await again.job(job.jobId);
    expect(done).toMatchObject({ status: 'completed', attempt: 2 });
    expect(done.result!.changed.map((c) => c.branch)).toEqual(['a', 'b']);
    const events = await eventsOf(again, job.jobId);
    expect(events.map((e) => e.type)).toContain('RepoActionInterrupted');
    // execute ran once (its plan was recorded), and publish ran again.
    const completedSteps = events
      .filter((e) => e.type === 'RepoActionStepCompleted')
      .map((e) => (e.data as { step: string }).step);
    expect(completedSteps).toEqual([
      'pre_sync',
      'execute',
      'publish',
      'post_sync',
    ]);
    const restacked = (
      await again.store.readStream(`repo-${repo.repoId}`)
    ).filter(
      (e) => e.type === 'BranchRestacked' && e.metadata.jobId === job.jobId,
    );
    expect(restacked.map((e) => (e.data as { branch: string }).branch)).toEqual(
      ['a', 'b'],
    );
    const a = restacked[0]!.data as { toSha: string };
    expect(fx.originHead('a')).toBe(a.toSha);
  });

  it('streams events over SSE, and a reconnect with Last-Event-ID loses and repeats nothing', async () => {
    fx.stack(['a']);
    const t = await start();
    const repo = await register(t);
    const url = `${await t.app.getUrl()}/events?repoId=${repo.repoId}`;
    const isEnd = (e: SseEvent) =>
      e.event === 'RepoActionCompleted' && e.data.jobId === repo.initialJobId;
    const all = await readSse(url, { 'last-event-id': '0' }, isEnd);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    expect(all[0]!.event).toBe('RepoRegistered');
    expect(all.map((e) => e.event)).toEqual(
      expect.arrayContaining([
        'RepoActionRequested',
        'RepoActionStarted',
        'RepoBranchesObserved',
      ]),
    );
    const cut = 3;
    const resumed = await readSse(
      url,
      { 'last-event-id': String(ids[cut - 1]) },
      isEnd,
    );
    expect(resumed.map((e) => e.id)).toEqual(ids.slice(cut));

    // An unknown job cannot be watched.
    await expect(
      readSse(`${await t.app.getUrl()}/events?jobId=unknown`, {}, () => true),
    ).rejects.toThrow('404');
  });
});
