import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type {
  ExecutionPlan,
  JobAction,
} from '../../../../src/domain/events/job.events';
import type { Stack } from '../../../../src/domain/stack/stack';
import {
  emptyStack,
  evolveStack,
} from '../../../../src/domain/stack/stack.evolve';
import { GitCliEngine } from '../../../../src/infrastructure/git/git-cli-engine';
import { StackFactsReader } from '../../../../src/infrastructure/git/operations/stack-facts.reader';
import {
  type OperationRequest,
  StackOperations,
} from '../../../../src/infrastructure/git/operations/stack-operations';
import { GitFixture } from '../../../support/git-fixture';

const repoId = 'r1';

/**
 * The stacked-branch rules a checkout-free service shares with git-spice, on real
 * repositories: a base found moved is recorded, not replayed; a reparent carries only the
 * branch's own commits; tracking infers the parent from history; a sync moves the children of
 * a merged branch onto its parent. Each job here is published and recorded, as the job
 * runner's `publish` step does.
 */
describe('stack semantics on real repositories', () => {
  let fx: GitFixture;
  let engine: GitCliEngine;
  let ops: StackOperations;
  let reader: StackFactsReader;
  let stack: Stack;

  const inClone = (...args: string[]) =>
    execFileSync('git', [`--git-dir=${engine.gitDir(repoId)}`, ...args], {
      encoding: 'utf8',
    }).trim();
  const files = (sha: string) =>
    inClone('ls-tree', '-r', '--name-only', sha).split('\n');
  const commitsBetween = (from: string, to: string) =>
    Number(inClone('rev-list', '--count', `${from}..${to}`));

  /** Runs one job: fetch, plan, publish, record; returns its plan. */
  const job = async (
    request: Omit<OperationRequest, 'repoId' | 'jobId'>,
  ): Promise<ExecutionPlan> => {
    await engine.fetch(repoId);
    const plan = await ops.run({ repoId, jobId: 'job-1', ...request }, stack);
    await ops.applyAndPublish(repoId, plan.moves);
    stack = plan.events.reduce(evolveStack, stack);
    return plan;
  };
  const track = (branchName: string, parentBranch?: string) =>
    job({ action: 'register_existing_branch', branchName, parentBranch });

  /** What the overview is told after a job: whether each tracked branch is on its parent. */
  const observed = async () => {
    await engine.fetch(repoId);
    return reader.onParentHead(repoId, stack, await engine.remoteHeads(repoId));
  };

  /** A developer rebases `branch` onto `onto` in their work tree and force-pushes it. */
  const rebaseByHand = (branch: string, onto: string) => {
    fx.gitW('rebase', '--quiet', onto, branch);
    fx.gitW('push', '--quiet', '--force', 'origin', branch);
    return fx.originHead(branch);
  };

  beforeEach(async () => {
    fx = new GitFixture();
    fx.stack(['a', 'b', 'c']);
    engine = new GitCliEngine(join(fx.root, 'repos'));
    ops = new StackOperations(engine);
    reader = new StackFactsReader(engine);
    stack = emptyStack('main');
    await engine.ensureClone(repoId, fx.origin);
    await track('a');
    await track('b');
    await track('c');
  });

  afterEach(async () => {
    await engine.close();
    fx.dispose();
  });

  describe('a branch rebased by hand onto its parent’s new head', () => {
    let c: string;

    beforeEach(() => {
      fx.advance('b', 'b/more.txt', 'more\n');
      c = rebaseByHand('c', 'b');
    });

    it('is seen on its parent’s head at the next observation, before any job records it', async () => {
      expect(stack.branches.get('c')?.baseSha).not.toBe(fx.originHead('b'));
      expect(await observed()).toEqual(
        new Map([
          ['a', true],
          ['b', true],
          ['c', true],
        ]),
      );
    });

    it('is not seen on its parent’s head before it was rebased', async () => {
      fx.advance('a', 'a/more.txt', 'more\n');
      expect((await observed()).get('b')).toBe(false);
    });

    it.each<JobAction>([
      'rebase_branch',
      'restack_subtree',
      'restack_repo',
      'sync_repo',
    ])(
      'is left in place by %s, which records its base and changes nothing',
      async (action) => {
        const originBefore = fx.originRefs();
        const plan = await job({ action, branchName: 'c' });
        expect(plan.moves).toEqual([]);
        expect(plan.changed).toEqual([]);
        expect(plan.events).toEqual([
          {
            type: 'BranchRestacked',
            data: {
              branch: 'c',
              baseSha: fx.originHead('b'),
              fromSha: c,
              toSha: c,
              jobId: 'job-1',
            },
          },
        ]);
        expect(fx.originRefs()).toBe(originBefore);
        expect(stack.branches.get('c')?.baseSha).toBe(fx.originHead('b'));
        // Recorded once: the next job finds nothing to record.
        expect((await job({ action, branchName: 'c' })).events).toEqual([]);
      },
    );

    it('once recorded, replays only its own commits when its parent is rewritten', async () => {
      await job({ action: 'rebase_branch', branchName: 'c' });
      // b's last commit is amended: the old one must not come back through c.
      fx.gitW('checkout', '--quiet', 'b');
      fx.gitW('rm', '--quiet', 'b/more.txt');
      fx.commit('b/amended.txt', 'amended\n', 'b: amended');
      fx.gitW('reset', '--quiet', '--soft', 'HEAD~2');
      fx.gitW('commit', '--quiet', '-m', 'b: advance, amended');
      fx.gitW('push', '--quiet', '--force', 'origin', 'b');

      const plan = await job({ action: 'restack_subtree', branchName: 'c' });
      expect(plan.changed.map((ch) => ch.branch)).toEqual(['c']);
      const newC = fx.originHead('c');
      expect(inClone('rev-parse', `${newC}~2`)).toBe(fx.originHead('b'));
      expect(files(newC)).not.toContain('b/more.txt');
      expect(files(newC)).toContain('b/amended.txt');
      expect(files(newC)).toContain('c/file-2.txt');
    });
  });

  describe('a branch already on its parent’s head, tracked where it stands', () => {
    it('records nothing when restacked, and is seen on its parent', async () => {
      const plan = await job({ action: 'restack_repo' });
      expect(plan).toMatchObject({ moves: [], events: [], changed: [] });
      expect([...(await observed()).values()]).toEqual([true, true, true]);
    });
  });

  describe('a reparent, as git rebase --onto', () => {
    it('moves only the branch’s own commits onto the new parent', async () => {
      const plan = await job({
        action: 'reparent_branch',
        branchName: 'c',
        parentBranch: 'main',
      });
      expect(plan.changed.map((ch) => ch.branch)).toEqual(['c']);
      const c = fx.originHead('c');
      expect(inClone('rev-parse', `${c}~2`)).toBe(fx.originHead('main'));
      expect(commitsBetween(fx.originHead('main'), c)).toBe(2);
      expect(files(c)).toEqual(
        expect.not.arrayContaining(['a/file-1.txt', 'b/file-1.txt']),
      );
      expect(stack.branches.get('c')).toEqual({
        name: 'c',
        parent: 'main',
        baseSha: fx.originHead('main'),
      });
      expect((await observed()).get('c')).toBe(true);
    });
  });

  describe('track, without a parent named', () => {
    it('infers the parent from history: the nearest tracked head below the branch', async () => {
      fx.branch('on-b', 'b', 1);
      fx.branch('on-main', 'main', 1);
      await track('on-b');
      await track('on-main');
      expect(stack.branches.get('on-b')).toEqual({
        name: 'on-b',
        parent: 'b',
        baseSha: fx.originHead('b'),
      });
      expect(stack.branches.get('on-main')).toEqual({
        name: 'on-main',
        parent: 'main',
        baseSha: fx.originHead('main'),
      });
    });

    it('bases a branch behind the parent it is tracked on where it meets it', async () => {
      fx.branch('late', 'b', 1);
      fx.advance('b', 'b/more.txt', 'more\n');
      const before = fx.head('b');
      await track('late', 'b');
      expect(stack.branches.get('late')?.baseSha).toBe(
        inClone('rev-parse', `${before}~1`),
      );
      expect((await observed()).get('late')).toBe(false);
    });
  });

  describe('a register of a branch tracked already', () => {
    it('on the same parent, or naming none, succeeds with nothing to do', async () => {
      const before = stack;
      for (const parentBranch of ['b', undefined]) {
        const plan = await track('c', parentBranch);
        expect(plan).toMatchObject({ moves: [], events: [], changed: [] });
      }
      expect(stack).toBe(before);
    });

    it('on another parent, is refused as already tracked', async () => {
      await expect(track('c', 'a')).rejects.toMatchObject({
        code: 'STACK.ALREADY_TRACKED',
      });
    });
  });

  describe('a sync after a branch in the middle of the stack was merged', () => {
    it('moves its children onto its parent, with only their own commits', async () => {
      // b's own commits land on trunk as one squashed commit; a stays open.
      fx.gitW('checkout', '--quiet', 'main');
      fx.gitW('cherry-pick', '--no-commit', `${fx.head('a')}..${fx.head('b')}`);
      fx.gitW('commit', '--quiet', '-m', 'squash b');
      fx.gitW('push', '--quiet', 'origin', 'main');

      const plan = await job({ action: 'sync_repo' });
      expect(plan.events.slice(0, 2)).toEqual([
        {
          type: 'BranchReparented',
          data: { branch: 'c', from: 'b', to: 'a' },
        },
        { type: 'BranchUntracked', data: { branch: 'b', reason: 'merged' } },
      ]);
      expect(
        [...stack.branches.values()].map((b) => [b.name, b.parent]),
      ).toEqual([
        ['a', 'main'],
        ['c', 'a'],
      ]);
      const a = fx.originHead('a');
      const c = fx.originHead('c');
      expect(inClone('rev-parse', `${a}~2`)).toBe(fx.originHead('main'));
      expect(inClone('rev-parse', `${c}~2`)).toBe(a);
      expect(commitsBetween(a, c)).toBe(2);
      expect(stack.branches.get('c')?.baseSha).toBe(a);
      expect([...(await observed()).values()]).toEqual([true, true]);
    });
  });
});
