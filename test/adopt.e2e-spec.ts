import type { JobResource } from '../src/read-models/job/job.resource';
import type {
  RegisteredRepoResource,
  RepoResource,
} from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

/** A small seeded generator (mulberry32), so that every run builds the same shapes. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random tree of `n` branches: each on trunk or on a branch made before it. */
function randomTree(seed: number, n: number): Map<string, string> {
  const random = seeded(seed);
  const parents = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const choices = ['main', ...parents.keys()];
    parents.set(`br-${i}`, choices[Math.floor(random() * choices.length)]!);
  }
  return parents;
}

/**
 * `adopt_stack` through the API on real repositories, against the parent map each one was
 * built from.
 */
describe('adopt a stack', () => {
  let t: TestApp;
  const fixtures: GitFixture[] = [];

  beforeAll(async () => {
    t = await TestApp.start();
  });

  afterAll(async () => {
    await t.close();
    t.dispose();
    for (const fx of fixtures) fx.dispose();
  });

  /** A repo whose origin `build` shaped, registered and cloned. */
  async function repoOf(build: (fx: GitFixture) => void): Promise<string> {
    const fx = new GitFixture();
    fixtures.push(fx);
    build(fx);
    const repo = (
      await t
        .http()
        .post('/repos')
        .send({ name: `demo-${fixtures.length}`, remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    await t.jobEnd(repo.initialJobId);
    return repo.repoId;
  }

  async function run(
    repoId: string,
    body: Record<string, unknown>,
  ): Promise<JobResource> {
    const { jobId } = (
      await t.http().post(`/repos/${repoId}/actions`).send(body).expect(202)
    ).body as JobResource;
    await t.jobEnd(jobId);
    return t.job(jobId);
  }

  async function trackedParents(repoId: string): Promise<Map<string, string>> {
    const repo = (await t.http().get(`/repos/${repoId}`).expect(200))
      .body as RepoResource;
    return new Map(repo.branches.map((b) => [b.name, b.parent]));
  }

  /** Builds every branch of `parents` (parents before children) with its own commits. */
  const build = (parents: ReadonlyMap<string, string>) => (fx: GitFixture) => {
    for (const [name, parent] of parents)
      fx.branch(name, parent, 1 + (name.length % 2));
  };

  it('infers a linear stack', async () => {
    const parents = new Map([
      ['a', 'main'],
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
    ]);
    const repoId = await repoOf(build(parents));
    const job = await run(repoId, { action: 'adopt_stack' });
    expect(job.status).toBe('completed');
    expect(
      new Map(job.result!.adopted!.map((a) => [a.branch, a.parent])),
    ).toEqual(parents);
    expect(job.result!.skipped).toEqual([]);
    expect(await trackedParents(repoId)).toEqual(parents);
  });

  it.each([11, 23, 42])(
    'infers the random tree of seed %i as it was built',
    async (seed) => {
      const parents = randomTree(seed, 7);
      const repoId = await repoOf(build(parents));
      const job = await run(repoId, { action: 'adopt_stack' });
      expect(job.status).toBe('completed');
      expect(
        new Map(job.result!.adopted!.map((a) => [a.branch, a.parent])),
      ).toEqual(parents);
      expect(await trackedParents(repoId)).toEqual(parents);
    },
  );

  it('skips branches merged into trunk, with a merge commit or squashed, and says why', async () => {
    const parents = new Map([
      ['a', 'main'],
      ['b', 'a'],
    ]);
    const repoId = await repoOf((fx) => {
      build(parents)(fx);
      fx.branch('merged', 'main');
      fx.branch('squashed', 'main');
      fx.gitW('checkout', '--quiet', 'main');
      fx.gitW('merge', '--quiet', '--no-ff', '-m', 'merge merged', 'merged');
      fx.gitW('merge', '--quiet', '--squash', 'squashed');
      fx.gitW('commit', '--quiet', '-m', 'squashed (#2)');
      fx.gitW('push', '--quiet', 'origin', 'main');
    });
    const job = await run(repoId, { action: 'adopt_stack' });
    expect(job.status).toBe('completed');
    expect(job.result!.skipped).toEqual([
      { branch: 'merged', reason: 'merged' },
      { branch: 'squashed', reason: 'squash_merged' },
    ]);
    expect(await trackedParents(repoId)).toEqual(parents);
  });

  it('stacks on branches tracked before, and a second adopt has nothing left to do', async () => {
    const parents = new Map([
      ['a', 'main'],
      ['b', 'a'],
      ['c', 'b'],
    ]);
    const repoId = await repoOf(build(parents));
    await run(repoId, {
      action: 'register_existing_branch',
      branchName: 'a',
    });
    const job = await run(repoId, { action: 'adopt_stack' });
    expect(job.result!.adopted).toEqual([
      { branch: 'b', parent: 'a' },
      { branch: 'c', parent: 'b' },
    ]);
    const again = await run(repoId, { action: 'adopt_stack' });
    expect(again).toMatchObject({
      status: 'completed',
      undoable: false,
      result: { adopted: [], skipped: [] },
    });
  });

  it('tracking one branch without a parent infers it the same way', async () => {
    const repoId = await repoOf(
      build(
        new Map([
          ['a', 'main'],
          ['b', 'a'],
        ]),
      ),
    );
    await run(repoId, { action: 'register_existing_branch', branchName: 'a' });
    await run(repoId, { action: 'register_existing_branch', branchName: 'b' });
    expect(await trackedParents(repoId)).toEqual(
      new Map([
        ['a', 'main'],
        ['b', 'a'],
      ]),
    );
  });

  it('ends with a coded error on a repo with no branch but trunk', async () => {
    const repoId = await repoOf(() => undefined);
    const job = await run(repoId, { action: 'adopt_stack' });
    expect(job).toMatchObject({
      status: 'error',
      error: { code: 'ADOPT.NO_BRANCHES' },
    });
  });
});
