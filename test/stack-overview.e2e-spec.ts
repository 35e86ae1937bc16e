import type { HistoryPageResource } from '../src/read-models/history/history.resource';
import type { JobResource } from '../src/read-models/job/job.resource';
import type {
  BranchResource,
  RegisteredRepoResource,
  RepoResource,
} from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

/** The stack overview against what git says, through the API, on real repositories. */
describe('the stack overview', () => {
  let fx: GitFixture;
  let t: TestApp;
  let repoId: string;

  async function run(body: Record<string, unknown>): Promise<JobResource> {
    const { jobId } = (
      await t.http().post(`/repos/${repoId}/actions`).send(body).expect(202)
    ).body as JobResource;
    await t.jobEnd(jobId);
    return t.job(jobId);
  }

  async function branches(): Promise<Record<string, BranchResource>> {
    const repo = (await t.http().get(`/repos/${repoId}`).expect(200))
      .body as RepoResource;
    return Object.fromEntries(repo.branches.map((b) => [b.name, b]));
  }

  /** The `BranchRestacked` events a job recorded, as the history shows them. */
  async function restackedBy(jobId: string) {
    const page = (
      await t.http().get(`/repos/${repoId}/history?limit=200`).expect(200)
    ).body as HistoryPageResource;
    return page.items
      .filter((i) => i.type === 'BranchRestacked' && i.jobId === jobId)
      .map((i) => i.data);
  }

  /** A developer rebases `branch` onto `onto` in their work tree and force-pushes it. */
  function rebaseByHand(branch: string, onto: string): void {
    fx.gitW('rebase', '--quiet', onto, branch);
    fx.gitW('push', '--quiet', '--force', 'origin', branch);
  }

  beforeEach(async () => {
    fx = new GitFixture();
    fx.stack(['a', 'b']);
    t = await TestApp.start();
    const repo = (
      await t
        .http()
        .post('/repos')
        .send({ name: 'demo', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    repoId = repo.repoId;
    await t.jobEnd(repo.initialJobId);
    for (const branchName of ['a', 'b'])
      await run({ action: 'register_existing_branch', branchName });
    // a moves on: b, still on a's old head, needs a restack.
    fx.advance('a', 'a/more.txt', 'more\n');
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  it('shows a branch rebased by hand onto its parent as in place once a sync ran, without replaying it', async () => {
    // A retry of b's register completes with nothing to do, and observes a's new head.
    const retry = await run({
      action: 'register_existing_branch',
      branchName: 'b',
      parentBranch: 'a',
    });
    expect(retry).toMatchObject({
      status: 'completed',
      result: { changed: [] },
    });
    expect(await restackedBy(retry.jobId)).toEqual([]);
    expect((await branches()).b!.needsRestack).toBe(true);

    rebaseByHand('b', 'a');
    const b = fx.originHead('b');
    const sync = await run({ action: 'sync_repo' });

    expect(sync).toMatchObject({
      status: 'completed',
      result: { changed: [] },
    });
    expect(fx.originHead('b')).toBe(b);
    expect(await branches()).toMatchObject({
      a: { needsRestack: false },
      b: { parent: 'a', sha: b, needsRestack: false },
    });
    // The sync recorded b's new base with its head unchanged: no ref moved.
    expect(await restackedBy(sync.jobId)).toEqual([
      {
        branch: 'b',
        baseSha: fx.originHead('a'),
        fromSha: b,
        toSha: b,
        jobId: sync.jobId,
      },
    ]);
    // Recorded once: the next sync has nothing to record.
    const again = await run({ action: 'sync_repo' });
    expect(await restackedBy(again.jobId)).toEqual([]);
    expect((await branches()).b!.needsRestack).toBe(false);
  });

  it('shows it in place after any job, which observes it, even one that leaves it out', async () => {
    rebaseByHand('b', 'a');
    const other = await run({ action: 'rebase_branch', branchName: 'a' });
    expect(other).toMatchObject({
      status: 'completed',
      result: { changed: [] },
    });
    expect(await restackedBy(other.jobId)).toEqual([]);
    expect((await branches()).b!.needsRestack).toBe(false);
  });

  it('still refuses to register a tracked branch on another parent', async () => {
    const moved = await run({
      action: 'register_existing_branch',
      branchName: 'b',
      parentBranch: 'main',
    });
    expect(moved).toMatchObject({
      status: 'error',
      error: { code: 'STACK.ALREADY_TRACKED' },
    });
    expect((await branches()).b!.parent).toBe('a');
  });
});
