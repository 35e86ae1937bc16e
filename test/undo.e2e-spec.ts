import { join } from 'node:path';
import type { JobResource } from '../src/read-models/job/job.resource';
import type {
  RegisteredRepoResource,
  RepoResource,
} from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

const TOKEN = 'acme-token';
const OTHER_TOKEN = 'umbrella-token';
const as = (token: string) => ({ authorization: `Bearer ${token}` });

/** Undo of jobs through the API, on real repositories: a bare origin and the service's clone. */
describe('undo a job', () => {
  let fx: GitFixture;
  let t: TestApp;
  let repoId: string;

  async function run(body: Record<string, unknown>): Promise<JobResource> {
    const { jobId } = (
      await t
        .http()
        .post(`/repos/${repoId}/actions`)
        .set(as(TOKEN))
        .send(body)
        .expect(202)
    ).body as JobResource;
    return ended(jobId);
  }

  async function ended(jobId: string): Promise<JobResource> {
    await t.jobEnd(jobId);
    return t.job(jobId, TOKEN);
  }

  async function undo(jobId: string, key?: string): Promise<JobResource> {
    const req = t.http().post(`/jobs/${jobId}/undo`).set(as(TOKEN));
    if (key) void req.set('idempotency-key', key);
    const res = await req.expect(202);
    expect(res.headers.location).toBe(
      `/jobs/${(res.body as JobResource).jobId}`,
    );
    return ended((res.body as JobResource).jobId);
  }

  async function overview(): Promise<RepoResource> {
    return (await t.http().get(`/repos/${repoId}`).set(as(TOKEN)).expect(200))
      .body as RepoResource;
  }

  /** Each tracked branch's parent, from the stack overview. */
  async function tracking(): Promise<Record<string, string>> {
    return Object.fromEntries(
      (await overview()).branches.map((b) => [b.name, b.parent]),
    );
  }

  /** The branches the stack overview says need a restack. */
  async function needingRestack(): Promise<string[]> {
    return (await overview()).branches
      .filter((b) => b.needsRestack)
      .map((b) => b.name);
  }

  const originHeads = (names: readonly string[]) =>
    Object.fromEntries(names.map((n) => [n, fx.originHead(n)]));

  beforeEach(async () => {
    fx = new GitFixture();
    fx.stack(['a', 'b', 'c']);
    t = await TestApp.start(undefined, {
      STACKYARD_TOKENS: `${TOKEN}=acme,${OTHER_TOKEN}=umbrella`,
    });
    const repo = (
      await t
        .http()
        .post('/repos')
        .set(as(TOKEN))
        .send({ name: 'demo', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    repoId = repo.repoId;
    await t.jobEnd(repo.initialJobId);
    await run({ action: 'adopt_stack' });
    fx.advance();
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  it('puts every branch a restack moved back on the origin and the old stack back in the overview', async () => {
    const before = originHeads(['a', 'b', 'c']);
    const stackBefore = await tracking();
    const restack = await run({ action: 'restack_repo' });
    expect(await needingRestack()).toEqual([]);
    expect(restack).toMatchObject({ status: 'completed', undoable: true });
    expect(originHeads(['a', 'b', 'c'])).not.toEqual(before);
    expect(
      Object.fromEntries(
        restack.result!.changed.map((c) => [c.branch, c.fromSha]),
      ),
    ).toEqual(before);

    const undone = await undo(restack.jobId);
    expect(undone).toMatchObject({
      action: 'undo',
      undoOf: restack.jobId,
      status: 'completed',
      undoable: true,
    });
    expect(originHeads(['a', 'b', 'c'])).toEqual(before);
    expect(await tracking()).toEqual(stackBefore);
    // a is back on trunk's old head, and the overview says so.
    expect(await needingRestack()).toEqual(['a']);

    // Asked again, the second undo finds it done and changes nothing.
    const twice = await undo(restack.jobId);
    expect(twice.error).toMatchObject({ code: 'UNDO.ALREADY_UNDONE' });
    expect(originHeads(['a', 'b', 'c'])).toEqual(before);
  });

  it('changes nothing and names the branch when someone pushed to it since', async () => {
    const restack = await run({ action: 'restack_repo' });
    fx.advance('b', 'b/by-hand.txt', 'pushed by someone\n');
    const after = originHeads(['a', 'b', 'c']);
    const stackAfter = await tracking();

    const undone = await undo(restack.jobId);
    expect(undone.status).toBe('error');
    expect(undone.error).toMatchObject({ code: 'UNDO.BRANCHES_MOVED' });
    expect(undone.error!.message).toContain(': b changed since');
    expect(originHeads(['a', 'b', 'c'])).toEqual(after);
    expect(await tracking()).toEqual(stackAfter);
  });

  it('changes nothing when the clone no longer has the commits to go back to', async () => {
    const restack = await run({ action: 'restack_repo' });
    const after = originHeads(['a', 'b', 'c']);
    // What a clone made again (after an eviction) would be like: the old commits are gone.
    const clone = join(t.dataDir, 'repos', `${repoId}.git`);
    fx.git(clone, 'reflog', 'expire', '--expire=now', '--all');
    fx.git(clone, 'gc', '--quiet', '--prune=now');
    const undone = await undo(restack.jobId);
    expect(undone).toMatchObject({
      status: 'error',
      error: { code: 'UNDO.COMMITS_GONE' },
    });
    expect(originHeads(['a', 'b', 'c'])).toEqual(after);
  });

  it('redoes the job when its undo is undone', async () => {
    const restack = await run({ action: 'restack_repo' });
    const restacked = originHeads(['a', 'b', 'c']);
    const stackRestacked = await tracking();
    const undone = await undo(restack.jobId);
    const redone = await undo(undone.jobId);
    expect(redone).toMatchObject({ status: 'completed', undoOf: undone.jobId });
    expect(originHeads(['a', 'b', 'c'])).toEqual(restacked);
    expect(await tracking()).toEqual(stackRestacked);
  });

  it('re-tracks the branches a sync untracked as merged, and moves their children back', async () => {
    // a is merged into trunk; the sync untracks it and moves b onto trunk.
    fx.gitW('checkout', '--quiet', 'main');
    fx.gitW('merge', '--quiet', '--no-ff', '-m', 'merge a', 'a');
    fx.gitW('push', '--quiet', 'origin', 'main');
    const before = originHeads(['b', 'c']);
    const stackBefore = await tracking();
    const sync = await run({ action: 'sync_repo' });
    expect(sync.status).toBe('completed');
    expect(Object.keys(await tracking())).toEqual(['b', 'c']);

    const undone = await undo(sync.jobId);
    expect(undone.status).toBe('completed');
    expect(await tracking()).toEqual(stackBefore);
    expect(originHeads(['b', 'c'])).toEqual(before);
  });

  it('undoes an adopt by untracking what it tracked', async () => {
    const adopt = (
      await t.http().get(`/repos/${repoId}/jobs?limit=50`).set(as(TOKEN))
    ).body as { items: JobResource[] };
    const adoptJob = adopt.items.find((j) => j.action === 'adopt_stack')!;
    expect(adoptJob.result!.adopted).toEqual([
      { branch: 'a', parent: 'main' },
      { branch: 'b', parent: 'a' },
      { branch: 'c', parent: 'b' },
    ]);
    const undone = await undo(adoptJob.jobId);
    expect(undone.status).toBe('completed');
    expect(await tracking()).toEqual({});
  });

  it('answers a retry with the same Idempotency-Key with the same undo job', async () => {
    const restack = await run({ action: 'restack_repo' });
    const first = await undo(restack.jobId, 'undo-once');
    const retry = await t
      .http()
      .post(`/jobs/${restack.jobId}/undo`)
      .set(as(TOKEN))
      .set('idempotency-key', 'undo-once')
      .expect(200);
    expect((retry.body as JobResource).jobId).toBe(first.jobId);
  });

  describe('refuses at once, without a job', () => {
    async function refused(
      jobId: string,
      status: number,
      code: string,
      token = TOKEN,
    ): Promise<void> {
      const before = await t.store.headPosition();
      const res = await t
        .http()
        .post(`/jobs/${jobId}/undo`)
        .set(as(token))
        .expect(status);
      expect(res.body).toMatchObject({ error: { code } });
      expect(await t.store.headPosition()).toBe(before);
    }

    it('an unknown job: 404', async () => {
      await refused('no-such-job', 404, 'JOB.NOT_FOUND');
    });

    it("another org's job: 404, as if it did not exist", async () => {
      const restack = await run({ action: 'restack_repo' });
      await refused(restack.jobId, 404, 'JOB.NOT_FOUND', OTHER_TOKEN);
    });

    it('a job that changed nothing: 409', async () => {
      const restack = await run({ action: 'restack_repo' });
      const again = await run({ action: 'restack_repo' });
      expect(restack.undoable).toBe(true);
      expect(again.undoable).toBe(false);
      await refused(again.jobId, 409, 'UNDO.NOTHING_TO_UNDO');
    });

    it('a job that did not complete: 409', async () => {
      const failed = await run({
        action: 'rebase_branch',
        branchName: 'not-tracked',
      });
      expect(failed.status).toBe('error');
      await refused(failed.jobId, 409, 'UNDO.JOB_NOT_COMPLETED');
    });

    it('undo asked for through the actions route: 400', async () => {
      const res = await t
        .http()
        .post(`/repos/${repoId}/actions`)
        .set(as(TOKEN))
        .send({ action: 'undo' })
        .expect(400);
      expect(res.body).toMatchObject({
        error: { code: 'REPO_ACTION.UNDO_NEEDS_JOB' },
      });
    });
  });
});
