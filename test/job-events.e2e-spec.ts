import type { JobEventsPageResource } from '../src/read-models/history/history.resource';
import type {
  JobPageResource,
  JobResource,
} from '../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

const ORG1 = 'tok-one';
const ORG2 = 'tok-two';
const as = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * `GET /jobs/:jobId/events` (a job's timeline, from the history read model) and the job
 * list's `action` filter, on the running app and real git repositories, with two orgs.
 */
describe("a job's events and the job list's filters, through the API", () => {
  let fx: GitFixture;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    t = await TestApp.start(undefined, {
      STACKYARD_TOKENS: `${ORG1}=org1,${ORG2}=org2`,
    });
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
      .set(as(ORG1))
      .send({ name: 'demo', remoteUrl: fx.origin })
      .expect(202);
    const repo = res.body as RegisteredRepoResource;
    await t.jobEnd(repo.initialJobId);
    return repo.repoId;
  }

  async function run(repoId: string, body: object): Promise<JobResource> {
    const res = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .set(as(ORG1))
      .send(body)
      .expect(202);
    const { jobId } = res.body as JobResource;
    await t.jobEnd(jobId);
    return t.job(jobId, ORG1);
  }

  const events = async (jobId: string, query = '', token = ORG1) =>
    (
      await t
        .http()
        .get(`/jobs/${jobId}/events${query}`)
        .set(as(token))
        .expect(200)
    ).body as JobEventsPageResource;

  const code = (res: { body: unknown }) =>
    (res.body as { error?: { code?: string } }).error?.code;

  it("answers a restack's timeline oldest first: who asked, each step's start and end, its end; no progress ticks and no plan", async () => {
    fx.stack(['a', 'b']);
    const repoId = await register();
    for (const branchName of ['a', 'b'])
      await run(repoId, { action: 'register_existing_branch', branchName });
    fx.advance();
    const job = await run(repoId, { action: 'restack_repo' });
    expect(job.status).toBe('completed');
    const stored = await t.store.readStream(`repo-action-${job.jobId}`);
    // The restack reported its progress: the store has it, the timeline leaves it out.
    expect(stored.map((e) => e.type)).toContain('RepoActionProgressed');

    const page = await events(job.jobId);

    expect(page.items.map((e) => e.type)).toEqual(
      stored
        .map((e) => e.type)
        .filter((type) => type !== 'RepoActionProgressed'),
    );
    expect(page.items.map((e) => e.position)).toEqual(
      stored
        .filter((e) => e.type !== 'RepoActionProgressed')
        .map((e) => e.globalPosition),
    );
    expect(page.items.map((e) => e.type)).toEqual([
      'RepoActionRequested',
      'RepoActionStarted',
      ...['pre_sync', 'execute', 'publish', 'post_sync'].flatMap(() => [
        'RepoActionStepStarted',
        'RepoActionStepCompleted',
      ]),
      'RepoActionCompleted',
    ]);
    expect(
      page.items
        .filter((e) => e.type === 'RepoActionStepStarted')
        .map((e) => (e.data as { step: string }).step),
    ).toEqual(['pre_sync', 'execute', 'publish', 'post_sync']);
    const [requested, started] = page.items;
    expect(requested).toMatchObject({
      jobId: job.jobId,
      actor: 'org:org1',
      at: job.requestedAt,
      data: { action: 'restack_repo', repoId },
    });
    expect(started!.actor).toMatch(/^worker:/);
    for (const entry of page.items)
      expect(entry.data).not.toHaveProperty('plan');
    const completed = page.items.at(-1)!;
    expect(completed.data).toMatchObject({ changed: job.result!.changed });
    expect(job.result!.changed.map((c) => c.branch).sort()).toEqual(['a', 'b']);
    expect(page.nextAfter).toBeNull();
    expect(page.position).toBeGreaterThanOrEqual(completed.position);
  });

  it('pages after a position, waits for minPosition, and answers another org, an unknown job and a bad query as GET /jobs/:jobId does', async () => {
    const repoId = await register();
    const job = await run(repoId, { action: 'sync_repo' });
    const all = (await events(job.jobId)).items;
    expect(all.length).toBeGreaterThan(4);

    const pages: JobEventsPageResource[] = [];
    let after: number | null = null;
    do {
      const page = await events(
        job.jobId,
        `?limit=2${after === null ? '' : `&after=${after}`}`,
      );
      pages.push(page);
      after = page.nextAfter;
    } while (after !== null);
    expect(pages.flatMap((p) => p.items)).toEqual(all);
    expect(pages.slice(0, -1).every((p) => p.items.length === 2)).toBe(true);
    expect(
      (await events(job.jobId, `?after=${all.at(-2)!.position}`)).items,
    ).toEqual([all.at(-1)]);

    // Read-your-writes: a job requested now, read at its end's position, is there whole.
    const res = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .set(as(ORG1))
      .send({ action: 'sync_repo' })
      .expect(202);
    const next = res.body as JobResource;
    const end = await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${next.jobId}` &&
        e.type === 'RepoActionCompleted',
    );
    const read = await events(next.jobId, `?minPosition=${end.globalPosition}`);
    expect(read.items.at(-1)).toMatchObject({
      type: 'RepoActionCompleted',
      position: end.globalPosition,
    });

    for (const [path, token] of [
      [`/jobs/${job.jobId}/events`, ORG2],
      ['/jobs/no-such-job/events', ORG1],
    ] as const) {
      const refused = await t.http().get(path).set(as(token)).expect(404);
      expect(code(refused)).toBe('JOB.NOT_FOUND');
    }
    await t.http().get(`/jobs/${job.jobId}/events`).expect(401);
    for (const query of [
      '?limit=0',
      '?after=-1',
      '?after=x',
      '?minPosition=1.5',
    ]) {
      const bad = await t
        .http()
        .get(`/jobs/${job.jobId}/events${query}`)
        .set(as(ORG1))
        .expect(400);
      expect({ query, code: code(bad) }).toEqual({
        query,
        code: 'REQUEST.INVALID',
      });
    }
  });

  it('lists the jobs of one action, of one action and status, and refuses an action it does not know', async () => {
    fx.stack(['a']);
    const repoId = await register();
    const tracked = await run(repoId, {
      action: 'register_existing_branch',
      branchName: 'a',
    });
    const syncs = [
      await run(repoId, { action: 'sync_repo' }),
      await run(repoId, { action: 'sync_repo' }),
    ];
    // A restack of a branch the remote lacks ends in error.
    const failed = await run(repoId, {
      action: 'restack_subtree',
      branchName: 'gone',
    });
    expect(failed.status).toBe('error');
    const restacked = await run(repoId, {
      action: 'restack_subtree',
      branchName: 'a',
    });
    expect(restacked.status).toBe('completed');

    const list = async (query: string) =>
      (
        (
          await t
            .http()
            .get(`/repos/${repoId}/jobs?${query}`)
            .set(as(ORG1))
            .expect(200)
        ).body as JobPageResource
      ).items.map((j) => j.jobId);

    const initial = (await list('action=sync_repo')).at(-1)!;
    expect(await list('action=sync_repo')).toEqual([
      syncs[1]!.jobId,
      syncs[0]!.jobId,
      initial,
    ]);
    expect(await list('action=register_existing_branch')).toEqual([
      tracked.jobId,
    ]);
    expect(await list('action=restack_subtree')).toEqual([
      restacked.jobId,
      failed.jobId,
    ]);
    expect(await list('action=restack_subtree&status=error')).toEqual([
      failed.jobId,
    ]);
    expect(await list('action=restack_subtree&status=completed')).toEqual([
      restacked.jobId,
    ]);
    expect(await list('action=rebase_branch')).toEqual([]);
    expect(await list('action=sync_repo&limit=1')).toEqual([syncs[1]!.jobId]);

    const bad = await t
      .http()
      .get(`/repos/${repoId}/jobs?action=squash_branch`)
      .set(as(ORG1))
      .expect(400);
    expect(code(bad)).toBe('REQUEST.INVALID');
    const other = await t
      .http()
      .get(`/repos/${repoId}/jobs?action=sync_repo`)
      .set(as(ORG2))
      .expect(404);
    expect(code(other)).toBe('REPO.NOT_FOUND');
  });
});
