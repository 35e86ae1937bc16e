import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResource } from '../src/read-models/job/job.resource';
import type {
  RepoResource,
  RegisteredRepoResource,
} from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

type Body = Record<string, unknown>;

describe('jobs through the API, on real git repositories', () => {
  let fx: GitFixture;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    t = await TestApp.start();
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  async function register(): Promise<string> {
    const res = await t
      .http()
      .post('/repos')
      .send({ name: 'demo', remoteUrl: fx.origin })
      .expect(202);
    const repo = res.body as RegisteredRepoResource;
    expect(res.headers.location).toBe(`/repos/${repo.repoId}`);
    await t.jobEnd(repo.initialJobId);
    expect((await t.job(repo.initialJobId)).status).toBe('completed');
    return repo.repoId;
  }

  async function act(repoId: string, body: Body): Promise<JobResource> {
    const res = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .send(body)
      .expect(202);
    const job = res.body as JobResource;
    expect(res.headers.location).toBe(`/jobs/${job.jobId}`);
    expect(job).toMatchObject({
      status: 'queued',
      repoId,
      action: body.action,
    });
    return job;
  }

  async function run(repoId: string, body: Body): Promise<JobResource> {
    const { jobId } = await act(repoId, body);
    await t.jobEnd(jobId);
    return t.job(jobId);
  }

  async function overview(repoId: string) {
    const repo = (await t.http().get(`/repos/${repoId}`).expect(200))
      .body as RepoResource;
    return Object.fromEntries(repo.branches.map((b) => [b.name, b]));
  }

  const isAncestor = (a: string, b: string) => {
    try {
      fx.git(fx.origin, 'merge-base', '--is-ancestor', a, b);
      return true;
    } catch {
      return false;
    }
  };

  it('runs every action through the API to completed', async () => {
    fx.stack(['a', 'b', 'c']);
    const repoId = await register();
    for (const name of ['a', 'b', 'c']) {
      expect(
        await run(repoId, {
          action: 'register_existing_branch',
          branchName: name,
        }),
      ).toMatchObject({ status: 'completed', error: null });
    }
    let branches = await overview(repoId);
    expect(branches).toMatchObject({
      a: { parent: 'main', needsRestack: false, sha: fx.originHead('a') },
      b: { parent: 'a', needsRestack: false },
      c: { parent: 'b', needsRestack: false },
    });

    // Trunk moves; a job that leaves a alone still observes it, and the overview shows it.
    fx.advance();
    const untouched = await run(repoId, {
      action: 'restack_subtree',
      branchName: 'b',
    });
    expect(untouched).toMatchObject({
      status: 'completed',
      result: { changed: [] },
    });
    expect((await overview(repoId)).a!.needsRestack).toBe(true);

    const rebased = await run(repoId, {
      action: 'rebase_branch',
      branchName: 'a',
    });
    expect(rebased.status).toBe('completed');
    expect(rebased.result!.changed.map((c) => c.branch)).toEqual(['a']);
    expect(isAncestor(fx.originHead('main'), fx.originHead('a'))).toBe(true);
    branches = await overview(repoId);
    expect(branches.a!.needsRestack).toBe(false);
    expect(branches.b!.needsRestack).toBe(true);

    const subtree = await run(repoId, {
      action: 'restack_subtree',
      branchName: 'b',
    });
    expect(subtree.result!.changed.map((c) => c.branch)).toEqual(['b', 'c']);
    expect(isAncestor(fx.originHead('a'), fx.originHead('c'))).toBe(true);

    fx.advance();
    const whole = await run(repoId, { action: 'restack_repo' });
    expect(whole.status).toBe('completed');
    expect(whole.result!.changed.map((c) => c.branch)).toEqual(['a', 'b', 'c']);
    expect(
      Object.values(await overview(repoId)).every((b) => !b.needsRestack),
    ).toBe(true);

    const reparented = await run(repoId, {
      action: 'reparent_branch',
      branchName: 'c',
      parentBranch: 'a',
    });
    expect(reparented.status).toBe('completed');
    expect((await overview(repoId)).c).toMatchObject({
      parent: 'a',
      needsRestack: false,
    });
    expect(isAncestor(fx.originHead('b'), fx.originHead('c'))).toBe(false);
    expect(isAncestor(fx.originHead('a'), fx.originHead('c'))).toBe(true);

    // a lands on trunk: the next sync untracks it and moves its children onto trunk.
    fx.git(fx.origin, 'update-ref', 'refs/heads/main', fx.originHead('a'));
    expect((await run(repoId, { action: 'sync_repo' })).status).toBe(
      'completed',
    );
    branches = await overview(repoId);
    expect(Object.keys(branches).sort()).toEqual(['b', 'c']);
    expect(branches.b!.parent).toBe('main');
    expect(branches.c!.parent).toBe('main');

    const jobs = (
      await t.http().get(`/repos/${repoId}/jobs?limit=100`).expect(200)
    ).body as {
      items: JobResource[];
    };
    expect(jobs.items).toHaveLength(10);
    expect(jobs.items.every((j) => j.status === 'completed')).toBe(true);
    const history = (
      await t.http().get(`/repos/${repoId}/history?limit=200`).expect(200)
    ).body as { items: Array<{ type: string }> };
    const types = new Set(history.items.map((i) => i.type));
    for (const type of [
      'RepoRegistered',
      'RepoActionRequested',
      'RepoActionStepCompleted',
      'BranchTracked',
      'BranchRestacked',
      'BranchReparented',
      'BranchUntracked',
      'RepoActionCompleted',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('ends a conflict in error with the branch and paths, and leaves origin untouched', async () => {
    fx.gitW('checkout', '--quiet', '-B', 'a', 'main');
    fx.commit('shared.txt', 'from a\n', 'a: shared');
    fx.gitW('push', '--quiet', 'origin', 'a');
    const repoId = await register();
    await run(repoId, { action: 'register_existing_branch', branchName: 'a' });
    fx.advance('main', 'shared.txt', 'from main\n');
    const before = fx.originRefs();

    const job = await run(repoId, { action: 'restack_repo' });

    expect(job).toMatchObject({
      status: 'error',
      error: {
        code: 'GIT.CONFLICT',
        conflict: { branch: 'a', files: ['shared.txt'] },
      },
    });
    expect(fx.originRefs()).toBe(before);
  });

  it('ends an action on a branch missing from the remote in a coded error', async () => {
    const repoId = await register();
    const job = await run(repoId, {
      action: 'register_existing_branch',
      branchName: 'nope',
    });
    expect(job).toMatchObject({
      status: 'error',
      error: { code: 'GIT.UNKNOWN_BRANCH' },
    });
  });

  it('gives a retried Idempotency-Key the same job, and refuses it for another body', async () => {
    const repoId = await register();
    const first = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .set('idempotency-key', 'k-1')
      .send({ action: 'restack_repo' })
      .expect(202);
    const again = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .set('idempotency-key', 'k-1')
      .send({ action: 'restack_repo' })
      .expect(200);
    expect((again.body as JobResource).jobId).toBe(
      (first.body as JobResource).jobId,
    );
    const other = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .set('idempotency-key', 'k-1')
      .send({ action: 'sync_repo' })
      .expect(422);
    expect(other.body).toMatchObject({
      error: { code: 'IDEMPOTENCY.KEY_REUSED' },
    });
    await t.jobEnd((first.body as JobResource).jobId);
    const jobs = (await t.http().get(`/repos/${repoId}/jobs`).expect(200))
      .body as {
      items: JobResource[];
    };
    expect(jobs.items.filter((j) => j.action === 'restack_repo')).toHaveLength(
      1,
    );
  });

  it('reports accept latency, queue wait, steps and outcomes as metrics, and describes the API', async () => {
    const repoId = await register();
    await run(repoId, { action: 'restack_repo' });
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    for (const line of [
      /stackyard_http_request_duration_seconds_count\{method="POST",route="\/repos\/:repoId\/actions",status="202"\} 1/,
      /stackyard_job_queue_wait_seconds_count 2/,
      /stackyard_job_step_duration_seconds_count\{step="publish"\} 2/,
      // The registration's sync and the restack, by outcome, action and code.
      /stackyard_job_outcomes_total\{outcome="completed",action="sync_repo",code=""\} 1/,
      /stackyard_job_outcomes_total\{outcome="completed",action="restack_repo",code=""\} 1/,
      /stackyard_projection_lag_events \d+/,
    ])
      expect(metrics).toMatch(line);
    const docs = (await t.http().get('/docs').expect(200)).body as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(docs.openapi).toBe('3.1.0');
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/repos/{repoId}/actions',
        '/jobs/{jobId}/cancel',
        '/events',
      ]),
    );
  });

  it('answers bad input with a coded 4xx, and none of it reaches git or the store', async () => {
    const repoId = await register();
    const head = await t.store.headPosition();
    const post = (body: string | object, path = `/repos/${repoId}/actions`) =>
      t.http().post(path).set('content-type', 'application/json').send(body);
    const cases: Array<
      [Promise<{ status: number; body: unknown }>, number, string]
    > = [
      [post('{"action":'), 400, 'HTTP.BAD_REQUEST'],
      [post({ action: 42 }), 400, 'REQUEST.INVALID'],
      [post({}), 400, 'REQUEST.INVALID'],
      [post({ action: 'explode' }), 400, 'REPO_ACTION.UNKNOWN_ACTION'],
      [post({ action: 'rebase_branch' }), 400, 'REPO_ACTION.BRANCH_REQUIRED'],
      [
        post({ action: 'reparent_branch', branchName: 'a' }),
        400,
        'REPO_ACTION.PARENT_REQUIRED',
      ],
      [
        post({ action: 'reparent_branch', branchName: 'a', parentBranch: 'a' }),
        400,
        'STACK.REPARENT_ONTO_ITSELF',
      ],
      [
        post({ action: 'rebase_branch', branchName: 'a..b' }),
        400,
        'BRANCH.INVALID_NAME',
      ],
      [
        post({ action: 'rebase_branch', branchName: '--upload-pack=x' }),
        400,
        'BRANCH.INVALID_NAME',
      ],
      [
        post({ action: 'restack_repo', pad: 'x'.repeat(70_000) }),
        413,
        'HTTP.PAYLOAD_TOO_LARGE',
      ],
      [
        post({ action: 'restack_repo' }, '/repos/unknown/actions'),
        404,
        'REPO.NOT_FOUND',
      ],
      [t.http().get('/jobs/unknown'), 404, 'JOB.NOT_FOUND'],
      [t.http().post('/jobs/unknown/cancel'), 404, 'JOB.NOT_FOUND'],
      [t.http().get('/repos/unknown'), 404, 'REPO.NOT_FOUND'],
      [
        t.http().get(`/repos/${repoId}/jobs?status=sleeping`),
        400,
        'REQUEST.INVALID',
      ],
      [
        t.http().get(`/repos/${repoId}/jobs?cursor=zzz`),
        400,
        'REQUEST.INVALID_CURSOR',
      ],
      [
        post({ name: 'x', remoteUrl: 'ext::sh -c id' }, '/repos'),
        400,
        'REPO.INVALID_REMOTE_URL',
      ],
      [
        post({ name: 'y', remoteUrl: 'http://example.com/x.git' }, '/repos'),
        400,
        'REPO.INVALID_REMOTE_URL',
      ],
      [
        post({ name: 'z', remoteUrl: fx.origin, trunk: 'ma in' }, '/repos'),
        400,
        'BRANCH.INVALID_NAME',
      ],
      [
        post({ name: 'demo', remoteUrl: fx.origin }, '/repos'),
        409,
        'REPO.ALREADY_REGISTERED',
      ],
    ];
    for (const [response, status, code] of cases) {
      const res = await response;
      expect({
        status: res.status,
        code: (res.body as { error?: { code?: string } }).error?.code,
      }).toEqual({ status, code });
    }
    expect(await t.store.headPosition()).toBe(head);
    // Only the registered repo was ever cloned.
    expect(readdirSync(join(t.dataDir, 'repos'))).toEqual([`${repoId}.git`]);
  });

  it('reads wait for the read models to include minPosition, the position a client saw on SSE', async () => {
    const repoId = await register();
    const { jobId } = await act(repoId, { action: 'sync_repo' });
    const end = await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${jobId}` &&
        e.type === 'RepoActionCompleted',
    );
    const job = (
      await t
        .http()
        .get(`/jobs/${jobId}?minPosition=${end.globalPosition}`)
        .expect(200)
    ).body as JobResource;
    expect(job.status).toBe('completed');
    const bad = await t.http().get(`/jobs/${jobId}?minPosition=-1`).expect(400);
    expect(bad.body).toMatchObject({ error: { code: 'REQUEST.INVALID' } });
  });
});
