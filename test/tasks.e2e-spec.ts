import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachJobIdOf } from '../src/domain/task/attach-job';
import { openStorage } from '../src/infrastructure/storage/storage';
import type { JobResource } from '../src/read-models/job/job.resource';
import type {
  RepoResource,
  RegisteredRepoResource,
} from '../src/read-models/repo/repo.resource';
import type { TaskResource } from '../src/read-models/task/task.resource';
import { GitFixture } from './support/git-fixture';
import { readSse } from './support/sse';
import { GatedGit, TestApp } from './support/test-app';
import { READ_MODEL_SCHEMA } from '../src/read-models/read-model.schema';

/** Branch-backed tasks through the API, on real git repositories. */
describe('tasks', () => {
  let fx: GitFixture;
  let dir: string;
  const apps: TestApp[] = [];

  beforeEach(() => {
    fx = new GitFixture();
    dir = mkdtempSync(join(tmpdir(), 'stackyard-tasks-'));
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    fx.dispose();
  });

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const t = await TestApp.start(join(dir, 'data'), env);
    apps.push(t);
    return t;
  }

  /** Registers the fixture's origin; the clone job is queued, not awaited. */
  async function registerQueued(t: TestApp): Promise<RegisteredRepoResource> {
    return (
      await t
        .http()
        .post('/repos')
        .send({ name: 'demo', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
  }

  /** Registers the fixture's origin and waits for the clone. */
  async function register(t: TestApp): Promise<string> {
    const repo = await registerQueued(t);
    await t.jobEnd(repo.initialJobId);
    return repo.repoId;
  }

  async function createTask(
    t: TestApp,
    repoId: string,
    body: object,
    status = 202,
  ): Promise<TaskResource> {
    const res = await t
      .http()
      .post(`/repos/${repoId}/tasks`)
      .send(body)
      .expect(status);
    return res.body as TaskResource;
  }

  const task = async (t: TestApp, taskId: string) =>
    (await t.http().get(`/tasks/${taskId}`).expect(200)).body as TaskResource;

  it('attaches an untracked remote branch with a job, then is ready with head and parent', async () => {
    fx.branch('feature', fx.trunk);
    const t = await start();
    const repoId = await register(t);

    const created = await createTask(t, repoId, {
      title: '  Ship the feature ',
      branchName: 'feature',
    });
    expect(created).toMatchObject({
      repoId,
      title: 'Ship the feature',
      branchName: 'feature',
      status: 'pending_branch_attach',
      headSha: null,
      error: null,
    });
    expect(created.jobId).toEqual(expect.any(String));
    const job = (await t.http().get(`/jobs/${created.jobId}`).expect(200))
      .body as JobResource;
    expect(job).toMatchObject({
      action: 'register_existing_branch',
      branchName: 'feature',
      taskId: created.taskId,
    });

    await t.taskSettled(created.taskId);
    expect(await task(t, created.taskId)).toMatchObject({
      status: 'ready',
      headSha: fx.originHead('feature'),
      parent: fx.trunk,
      jobId: created.jobId,
    });
    const repo = (await t.http().get(`/repos/${repoId}`).expect(200))
      .body as RepoResource;
    expect(repo.branches).toEqual([
      expect.objectContaining({ name: 'feature', taskId: created.taskId }),
    ]);
    const list = (await t.http().get(`/repos/${repoId}/tasks`).expect(200))
      .body as { items: TaskResource[] };
    expect(list.items.map((i) => i.taskId)).toEqual([created.taskId]);
    const history = (
      await t.http().get(`/repos/${repoId}/history?limit=200`).expect(200)
    ).body as {
      items: Array<{ type: string; position: number }>;
      position: number;
    };
    // The page says how far the read models were, so a live stream resumes right after it.
    expect(history.position).toBeGreaterThanOrEqual(history.items[0]!.position);
    expect(history.items.map((i) => i.type)).toEqual(
      expect.arrayContaining([
        'TaskCreated',
        'TaskBranchAttachRequested',
        'TaskBranchAttached',
      ]),
    );
  });

  it('is ready at once, without a job, when the branch is tracked and fresh', async () => {
    fx.branch('feature', fx.trunk);
    const t = await start();
    const repoId = await register(t);
    const track = (
      await t
        .http()
        .post(`/repos/${repoId}/actions`)
        .send({ action: 'register_existing_branch', branchName: 'feature' })
        .expect(202)
    ).body as JobResource;
    await t.jobEnd(track.jobId);
    const jobsBefore = (await t.http().get(`/repos/${repoId}/jobs`).expect(200))
      .body as { items: JobResource[] };

    const created = await createTask(t, repoId, {
      title: 'Tracked already',
      branchName: 'feature',
    });
    expect(created).toMatchObject({
      status: 'ready',
      jobId: null,
      headSha: fx.originHead('feature'),
      parent: fx.trunk,
    });
    const jobsAfter = (await t.http().get(`/repos/${repoId}/jobs`).expect(200))
      .body as { items: JobResource[] };
    expect(jobsAfter.items).toHaveLength(jobsBefore.items.length);
  });

  it('answers at once while git is held, and never fetches for the request', async () => {
    fx.branch('feature', fx.trunk);
    const gate = new GatedGit(dir, 'fetch');
    const t = await start({ STACKYARD_GIT_BIN: gate.bin });
    const repo = await registerQueued(t);
    // The clone job holds the repo's lane at its fetch; the task's job waits behind it.
    const created = await createTask(t, repo.repoId, {
      title: 'While busy',
      branchName: 'feature',
    });
    expect(created.status).toBe('pending_branch_attach');
    expect((await t.job(created.jobId!)).status).toBe('queued');
    expect((await task(t, created.taskId)).status).toBe(
      'pending_branch_attach',
    );

    gate.open();
    await t.taskSettled(created.taskId);
    expect((await task(t, created.taskId)).status).toBe('ready');
  });

  it('refuses a second task on the same branch with a clear conflict', async () => {
    fx.branch('feature', fx.trunk);
    const t = await start();
    const repoId = await register(t);
    const first = await createTask(t, repoId, {
      title: 'One',
      branchName: 'feature',
    });
    const res = await t
      .http()
      .post(`/repos/${repoId}/tasks`)
      .send({ title: 'Two', branchName: 'feature' })
      .expect(409);
    expect(res.body).toMatchObject({
      error: {
        code: 'TASK.BRANCH_TAKEN',
        details: { taskId: first.taskId },
      },
    });
    await t.taskSettled(first.taskId);
    await t
      .http()
      .post(`/repos/${repoId}/tasks`)
      .send({ title: 'Three', branchName: 'feature' })
      .expect(409);
  });

  it('ends attach_failed on a branch the remote lacks, which frees the branch for a later task', async () => {
    const t = await start();
    const repoId = await register(t);
    const missing = await createTask(t, repoId, {
      title: 'Not pushed yet',
      branchName: 'later',
    });
    await t.taskSettled(missing.taskId);
    expect(await task(t, missing.taskId)).toMatchObject({
      status: 'attach_failed',
      error: { code: 'GIT.UNKNOWN_BRANCH' },
      headSha: null,
    });

    fx.branch('later', fx.trunk);
    const retry = await createTask(t, repoId, {
      title: 'Pushed now',
      branchName: 'later',
    });
    expect(retry.taskId).not.toBe(missing.taskId);
    await t.taskSettled(retry.taskId);
    expect(await task(t, retry.taskId)).toMatchObject({
      status: 'ready',
      headSha: fx.originHead('later'),
    });
  });

  it('fails the attach when its job is cancelled', async () => {
    fx.branch('feature', fx.trunk);
    const gate = new GatedGit(dir, 'fetch');
    const t = await start({ STACKYARD_GIT_BIN: gate.bin });
    const repo = await registerQueued(t);
    const created = await createTask(t, repo.repoId, {
      title: 'Cancelled',
      branchName: 'feature',
    });
    await t.http().post(`/jobs/${created.jobId}/cancel`).expect(200);
    await t.taskSettled(created.taskId);
    expect(await task(t, created.taskId)).toMatchObject({
      status: 'attach_failed',
      error: { code: 'JOB.CANCELLED' },
    });
    gate.open();
  });

  it('replays a retry with the same Idempotency-Key and refuses the key for another body', async () => {
    fx.branch('feature', fx.trunk);
    const t = await start();
    const repoId = await register(t);
    const send = (body: object) =>
      t
        .http()
        .post(`/repos/${repoId}/tasks`)
        .set('idempotency-key', 'task-1')
        .send(body);
    const first = await send({ title: 'A', branchName: 'feature' }).expect(202);
    const again = await send({ title: 'A', branchName: 'feature' }).expect(200);
    expect((again.body as TaskResource).taskId).toBe(
      (first.body as TaskResource).taskId,
    );
    const other = await send({ title: 'B', branchName: 'feature' }).expect(422);
    expect(other.body).toMatchObject({
      error: { code: 'IDEMPOTENCY.KEY_REUSED' },
    });
    const otherBranch = await send({ title: 'A', branchName: 'else' }).expect(
      422,
    );
    expect(otherBranch.body).toMatchObject({
      error: { code: 'IDEMPOTENCY.KEY_REUSED' },
    });
  });

  it('rejects bad input with coded errors and writes nothing', async () => {
    const t = await start();
    const repoId = await register(t);
    const head = await t.store.headPosition();
    const cases: Array<[object, number, string]> = [
      [{ title: '', branchName: 'x' }, 400, 'TASK.TITLE_REQUIRED'],
      [{ title: 'x'.repeat(201), branchName: 'x' }, 400, 'TASK.TITLE_TOO_LONG'],
      [{ title: 'a\nb', branchName: 'x' }, 400, 'TASK.TITLE_INVALID'],
      [{ title: 'ok', branchName: 'a..b' }, 400, 'BRANCH.INVALID_NAME'],
      [{ title: 'ok', branchName: '-x' }, 400, 'BRANCH.INVALID_NAME'],
      [{ title: 'ok', branchName: fx.trunk }, 400, 'TASK.BRANCH_IS_TRUNK'],
      [
        { title: 'ok', branchName: 'x', parentBranch: 'x' },
        400,
        'STACK.REPARENT_ONTO_ITSELF',
      ],
      [{ title: 'ok' }, 400, 'REQUEST.INVALID'],
      [{ title: 42, branchName: 'x' }, 400, 'REQUEST.INVALID'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t
        .http()
        .post(`/repos/${repoId}/tasks`)
        .send(body)
        .expect(status);
      expect(res.body).toMatchObject({ error: { code } });
    }
    const unknown = await t
      .http()
      .post('/repos/nope/tasks')
      .send({ title: 'ok', branchName: 'x' })
      .expect(404);
    expect(unknown.body).toMatchObject({ error: { code: 'REPO.NOT_FOUND' } });
    await t.http().get('/tasks/nope').expect(404);
    expect(await t.store.headPosition()).toBe(head);
  });

  it('sends task events on the repo SSE stream', async () => {
    fx.branch('feature', fx.trunk);
    const t = await start();
    const repoId = await register(t);
    const from = await t.store.headPosition();
    const url = `${await t.app.getUrl()}/events?repoId=${repoId}&lastEventId=${from}`;
    const reading = readSse(url, {}, (e) => e.event === 'TaskBranchAttached');
    const created = await createTask(t, repoId, {
      title: 'Live',
      branchName: 'feature',
    });
    const events = await reading;
    const taskEvents = events.filter((e) => e.event.startsWith('Task'));
    expect(taskEvents.map((e) => e.event)).toEqual([
      'TaskCreated',
      'TaskBranchAttachRequested',
      'TaskBranchAttached',
    ]);
    expect(taskEvents[0]!.data).toMatchObject({
      data: { taskId: created.taskId },
    });
  });

  it('queues a missing attach job at boot for a task the request left without one', async () => {
    fx.branch('feature', fx.trunk);
    const first = await start();
    const repoId = await register(first);
    // A request that stopped between its two appends: the task's events without its job.
    const created = await createTask(first, repoId, {
      title: 'Interrupted',
      branchName: 'feature',
    });
    await first.taskSettled(created.taskId);
    await first.close();
    apps.splice(0);

    const taskId = '0b8f0d7e-8a4f-4d1e-9a51-0c6a3e1d2f77';
    const jobId = attachJobIdOf(taskId);
    const storage = await openStorage(join(dir, 'data'), READ_MODEL_SCHEMA);
    const metadata = { orgId: 'default', repoId, at: new Date().toISOString() };
    await storage.store.appendToStream(
      `task-${taskId}`,
      [
        {
          type: 'TaskCreated',
          data: { taskId, repoId, title: 'Half', branchName: 'other' },
          metadata,
        },
        {
          type: 'TaskBranchAttachRequested',
          data: { jobId },
          metadata: { ...metadata, jobId },
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    await storage.store.close();
    await storage.readModels.destroy();
    fx.branch('other', fx.trunk);

    const second = await start();
    await second.taskSettled(taskId);
    expect(await task(second, taskId)).toMatchObject({
      status: 'ready',
      jobId,
      headSha: fx.originHead('other'),
    });
  });
});
