import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionPlan } from '../../../../src/domain/events/job.events';
import type { RepoEvent } from '../../../../src/domain/events/repo.events';
import type { Stack } from '../../../../src/domain/stack/stack';
import {
  emptyStack,
  evolveStack,
} from '../../../../src/domain/stack/stack.evolve';
import { GitCliEngine } from '../../../../src/infrastructure/git/git-cli-engine';
import {
  type OperationRequest,
  StackOperations,
} from '../../../../src/infrastructure/git/operations/stack-operations';
import { GitFixture } from '../../../support/git-fixture';

const repoId = 'r1';

describe('StackOperations on real repositories', () => {
  let fx: GitFixture;
  let engine: GitCliEngine;
  let ops: StackOperations;
  let stack: Stack;

  const inClone = (...args: string[]) =>
    execFileSync('git', [`--git-dir=${engine.gitDir(repoId)}`, ...args], {
      encoding: 'utf8',
    }).trim();
  const tree = (sha: string) => inClone('rev-parse', `${sha}^{tree}`);
  const parentOf = (sha: string) => inClone('rev-parse', `${sha}^`);
  const run = async (request: Omit<OperationRequest, 'repoId' | 'jobId'>) => {
    await engine.fetch(repoId);
    const outcome = await ops.run(
      { repoId, jobId: 'job-1', ...request },
      stack,
    );
    return outcome;
  };
  const record = (outcome: ExecutionPlan) => {
    stack = outcome.events.reduce<Stack>(
      (s, e: RepoEvent) => evolveStack(s, e),
      stack,
    );
  };
  const track = async (branchName: string, parentBranch?: string) =>
    record(
      await run({
        action: 'register_existing_branch',
        branchName,
        parentBranch,
      }),
    );
  const newHead = (outcome: ExecutionPlan, branch: string) =>
    outcome.moves.find((m) => m.branch === branch)?.to;

  beforeEach(async () => {
    fx = new GitFixture();
    fx.stack(['a', 'b', 'c']);
    engine = new GitCliEngine(join(fx.root, 'repos'));
    ops = new StackOperations(engine);
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

  it('tracks existing branches on their nearest tracked ancestor', () => {
    expect([...stack.branches.values()]).toEqual([
      { name: 'a', parent: 'main', baseSha: fx.head('main') },
      { name: 'b', parent: 'a', baseSha: fx.head('a') },
      { name: 'c', parent: 'b', baseSha: fx.head('b') },
    ]);
  });

  it('restacks the whole repo after trunk moves, as git rebase --onto would', async () => {
    const old = {
      main: fx.head('main'),
      a: fx.head('a'),
      b: fx.head('b'),
      c: fx.head('c'),
    };
    const main = fx.advance();
    // Oracle: the same restack with git rebase in a scratch work tree.
    const scratch = join(fx.root, 'scratch');
    fx.git(fx.root, 'clone', '--quiet', fx.origin, scratch);
    fx.git(scratch, 'rebase', '--quiet', '--onto', main, old.main, 'origin/a');
    const a = fx.git(scratch, 'rev-parse', 'HEAD');
    fx.git(scratch, 'rebase', '--quiet', '--onto', a, old.a, 'origin/b');
    const b = fx.git(scratch, 'rev-parse', 'HEAD');
    fx.git(scratch, 'rebase', '--quiet', '--onto', b, old.b, 'origin/c');
    const c = fx.git(scratch, 'rev-parse', 'HEAD');

    const outcome = await run({ action: 'restack_repo' });
    expect(outcome.moves.map((m) => m.branch)).toEqual(['a', 'b', 'c']);
    expect(outcome.changed).toEqual([
      { branch: 'a', fromSha: old.a, toSha: newHead(outcome, 'a') },
      { branch: 'b', fromSha: old.b, toSha: newHead(outcome, 'b') },
      { branch: 'c', fromSha: old.c, toSha: newHead(outcome, 'c') },
    ]);
    expect(tree(newHead(outcome, 'a')!)).toBe(
      fx.git(scratch, 'rev-parse', `${a}^{tree}`),
    );
    expect(tree(newHead(outcome, 'b')!)).toBe(
      fx.git(scratch, 'rev-parse', `${b}^{tree}`),
    );
    expect(tree(newHead(outcome, 'c')!)).toBe(
      fx.git(scratch, 'rev-parse', `${c}^{tree}`),
    );
    expect(inClone('rev-parse', `${newHead(outcome, 'a')!}~2`)).toBe(main);
    expect(outcome.events).toEqual([
      expect.objectContaining({
        type: 'BranchRestacked',
        data: expect.objectContaining({
          branch: 'a',
          baseSha: main,
          fromSha: old.a,
        }) as object,
      }),
      expect.objectContaining({
        type: 'BranchRestacked',
        data: expect.objectContaining({
          branch: 'b',
          baseSha: newHead(outcome, 'a'),
        }) as object,
      }),
      expect.objectContaining({
        type: 'BranchRestacked',
        data: expect.objectContaining({
          branch: 'c',
          baseSha: newHead(outcome, 'b'),
        }) as object,
      }),
    ]);

    await ops.applyAndPublish(repoId, outcome.moves);
    expect(fx.originHead('c')).toBe(newHead(outcome, 'c'));
    record(outcome);
    // Everything is in place now: a second restack has nothing to do.
    expect((await run({ action: 'restack_repo' })).moves).toEqual([]);
  });

  it("writes a restack's new objects together once every branch is replayed: one pack, or loose files when few", async () => {
    const objectsDir = join(engine.gitDir(repoId), 'objects');
    const packs = () =>
      readdirSync(join(objectsDir, 'pack')).filter((f) => f.endsWith('.pack'));
    const loose = () =>
      readdirSync(objectsDir)
        .filter((d) => /^[0-9a-f]{2}$/.test(d))
        .flatMap((d) => readdirSync(join(objectsDir, d)));
    fx.advance();
    await engine.fetch(repoId);
    const packsBefore = packs();
    const looseBefore = loose();

    // This engine packs from a single object; the service's from 100 (see below).
    const packing = new GitCliEngine(join(fx.root, 'repos'), undefined, {
      packMinObjects: 1,
    });
    try {
      const outcome = await new StackOperations(packing).run(
        { repoId, jobId: 'job-1', action: 'restack_repo' },
        stack,
      );
      expect(outcome.moves).toHaveLength(3);
      expect(loose()).toEqual(looseBefore);
      const added = packs().filter((p) => !packsBefore.includes(p));
      expect(added).toHaveLength(1);
      // Every new commit, its trees and their blobs are in the repository, and whole.
      const listed = inClone(
        'rev-list',
        '--objects',
        ...outcome.moves.map((m) => m.to!),
        `^${fx.head('main')}`,
      );
      expect(listed.split('\n').length).toBeGreaterThanOrEqual(9);
      expect(inClone('fsck', '--no-progress', '--no-dangling')).toBe('');
    } finally {
      await packing.close();
    }

    // The service's engine: a restack of a few objects writes them loose.
    const outcome = await run({ action: 'restack_repo' });
    expect(packs().filter((p) => !packsBefore.includes(p))).toHaveLength(1);
    for (const m of outcome.moves)
      expect(inClone('cat-file', '-t', m.to!)).toBe('commit');
  });

  it('restacks only a subtree, or only one branch', async () => {
    fx.advance();
    fx.advance('a', 'a/extra.txt', 'more\n');
    const subtree = await run({ action: 'restack_subtree', branchName: 'b' });
    expect(subtree.moves.map((m) => m.branch)).toEqual(['b', 'c']);
    expect(parentOf(inClone('rev-parse', `${newHead(subtree, 'b')!}~1`))).toBe(
      fx.head('a'),
    );
    const one = await run({ action: 'rebase_branch', branchName: 'a' });
    expect(one.moves.map((m) => m.branch)).toEqual(['a']);
  });

  it('reparents a branch with only its own commits, then its descendants', async () => {
    fx.branch('x', 'main', 1);
    await track('x', 'main');
    const outcome = await run({
      action: 'reparent_branch',
      branchName: 'b',
      parentBranch: 'x',
    });
    expect(outcome.events[0]).toEqual({
      type: 'BranchReparented',
      data: { branch: 'b', from: 'a', to: 'x' },
    });
    expect(outcome.moves.map((m) => m.branch)).toEqual(['b', 'c']);
    const b = newHead(outcome, 'b')!;
    expect(inClone('rev-parse', `${b}~2`)).toBe(fx.head('x'));
    const files = inClone('ls-tree', '-r', '--name-only', b);
    expect(files).not.toContain('a/file-1.txt');
    expect(files).toContain('x/file-1.txt');
    record(outcome);
    expect(stack.branches.get('b')).toMatchObject({
      parent: 'x',
      baseSha: fx.head('x'),
    });
  });

  it("reparents a branch onto its grandparent, dropping the old parent's commits", async () => {
    const outcome = await run({
      action: 'reparent_branch',
      branchName: 'c',
      parentBranch: 'a',
    });
    expect(outcome.moves.map((m) => m.branch)).toEqual(['c']);
    const c = newHead(outcome, 'c')!;
    expect(inClone('rev-parse', `${c}~2`)).toBe(fx.head('a'));
    const files = inClone('ls-tree', '-r', '--name-only', c);
    expect(files).not.toContain('b/file-1.txt');
    expect(files).toContain('c/file-2.txt');
  });

  it('refuses to reparent onto a descendant or onto itself', async () => {
    await expect(
      run({ action: 'reparent_branch', branchName: 'a', parentBranch: 'c' }),
    ).rejects.toMatchObject({ code: 'STACK.REPARENT_ONTO_DESCENDANT' });
    await expect(
      run({ action: 'reparent_branch', branchName: 'a', parentBranch: 'a' }),
    ).rejects.toMatchObject({ code: 'STACK.REPARENT_ONTO_ITSELF' });
  });

  it('reports unknown, untracked and already tracked branches with codes', async () => {
    await expect(
      run({ action: 'register_existing_branch', branchName: 'nope' }),
    ).rejects.toMatchObject({ code: 'GIT.UNKNOWN_BRANCH' });
    await expect(
      run({ action: 'rebase_branch', branchName: 'nope' }),
    ).rejects.toMatchObject({
      code: 'STACK.BRANCH_NOT_TRACKED',
    });
    await expect(
      run({
        action: 'register_existing_branch',
        branchName: 'a',
        parentBranch: 'b',
      }),
    ).rejects.toMatchObject({ code: 'STACK.ALREADY_TRACKED' });
    await expect(
      run({ action: 'register_existing_branch', branchName: 'main' }),
    ).rejects.toMatchObject({ code: 'STACK.ALREADY_TRACKED' });
  });

  it('rejects invalid names before git runs', async () => {
    const calls: string[] = [];
    const spy = new Proxy(engine, {
      get: (target, key: string) => {
        calls.push(key);
        return (target as unknown as Record<string, unknown>)[key];
      },
    });
    const guarded = new StackOperations(spy);
    for (const branchName of ['-rf', 'a..b', 'x:y', 'sp ace']) {
      await expect(
        guarded.run(
          { repoId, jobId: 'j', action: 'rebase_branch', branchName },
          stack,
        ),
      ).rejects.toMatchObject({ code: 'BRANCH.INVALID_NAME' });
    }
    await expect(
      guarded.run({ repoId, jobId: 'j', action: 'rebase_branch' }, stack),
    ).rejects.toMatchObject({ code: 'REPO_ACTION.BRANCH_REQUIRED' });
    expect(calls).toEqual([]);
  });

  it('handles slashes and non-ASCII in branch names', async () => {
    fx.branch('user/änn/fix-ü', 'c', 1);
    await track('user/änn/fix-ü');
    expect(stack.branches.get('user/änn/fix-ü')?.parent).toBe('c');
    fx.advance();
    const outcome = await run({ action: 'restack_repo' });
    expect(outcome.moves.map((m) => m.branch)).toEqual([
      'a',
      'b',
      'c',
      'user/änn/fix-ü',
    ]);
    await ops.applyAndPublish(repoId, outcome.moves);
    expect(fx.originHead('user/änn/fix-ü')).toBe(
      newHead(outcome, 'user/änn/fix-ü'),
    );
  });

  it('fails a conflicting restack with the branch and paths, leaving every ref as it was', async () => {
    fx.advance('main', 'b/file-1.txt', 'trunk got here first\n');
    await engine.fetch(repoId);
    const originBefore = fx.originRefs();
    const clonesBefore = inClone('for-each-ref');
    await expect(run({ action: 'restack_repo' })).rejects.toMatchObject({
      code: 'GIT.CONFLICT',
      details: { conflict: { branch: 'b', files: ['b/file-1.txt'] } },
    });
    expect(fx.originRefs()).toBe(originBefore);
    expect(inClone('for-each-ref')).toBe(clonesBefore);
  });

  it('changes nothing when the remote moved between fetch and publish', async () => {
    fx.advance();
    const outcome = await run({ action: 'restack_repo' });
    fx.advance('c', 'c/late.txt', 'pushed meanwhile\n');
    const originBefore = fx.originRefs();
    const localBefore = inClone('for-each-ref', 'refs/heads/');
    await expect(
      ops.applyAndPublish(repoId, outcome.moves),
    ).rejects.toMatchObject({
      code: 'GIT.REMOTE_CHANGED',
    });
    expect(fx.originRefs()).toBe(originBefore);
    expect(inClone('for-each-ref', 'refs/heads/')).toBe(localBefore);
  });

  describe('sync_repo', () => {
    const expectAUntrackedAndBRestackedOnMain = async (reason: string) => {
      const outcome = await run({ action: 'sync_repo' });
      expect(outcome.events.slice(0, 2)).toEqual([
        {
          type: 'BranchReparented',
          data: { branch: 'b', from: 'a', to: 'main' },
        },
        { type: 'BranchUntracked', data: { branch: 'a', reason } },
      ]);
      record(outcome);
      expect([...stack.branches.keys()]).toEqual(['b', 'c']);
      const b = newHead(outcome, 'b');
      if (b) {
        // Only b's own two commits sit on the new trunk.
        expect(inClone('rev-parse', `${b}~2`)).toBe(fx.originHead('main'));
      }
      return outcome;
    };

    it('untracks a branch merged with a merge commit', async () => {
      fx.gitW('checkout', '--quiet', 'main');
      fx.gitW('merge', '--quiet', '--no-ff', '-m', 'merge a', 'a');
      fx.gitW('push', '--quiet', 'origin', 'main');
      await expectAUntrackedAndBRestackedOnMain('merged');
    });

    it('untracks a fast-forwarded branch; its child needs no replay', async () => {
      fx.gitW('checkout', '--quiet', 'main');
      fx.gitW('merge', '--quiet', '--ff-only', 'a');
      fx.gitW('push', '--quiet', 'origin', 'main');
      const outcome = await expectAUntrackedAndBRestackedOnMain('merged');
      expect(outcome.moves).toEqual([]);
    });

    it('untracks a squash-merged branch and replays only its child commits', async () => {
      fx.gitW('checkout', '--quiet', 'main');
      fx.gitW('merge', '--quiet', '--squash', 'a');
      fx.gitW('commit', '--quiet', '-m', 'squash a');
      fx.gitW('push', '--quiet', 'origin', 'main');
      const outcome = await expectAUntrackedAndBRestackedOnMain('merged');
      expect(outcome.moves.map((m) => m.branch)).toEqual(['b', 'c']);
    });

    it('untracks a branch deleted on the remote', async () => {
      fx.gitW('push', '--quiet', 'origin', '--delete', 'a');
      await expectAUntrackedAndBRestackedOnMain('deleted_on_remote');
    });

    it('judges a branch against the parent it keeps when its own parent was deleted', async () => {
      // a is deleted; only b's own commits land on main, squashed.
      fx.gitW('push', '--quiet', 'origin', '--delete', 'a');
      fx.gitW('checkout', '--quiet', 'main');
      fx.gitW('cherry-pick', '--no-commit', `${fx.head('a')}..${fx.head('b')}`);
      fx.gitW('commit', '--quiet', '-m', 'squash b');
      fx.gitW('push', '--quiet', 'origin', 'main');
      const outcome = await run({ action: 'sync_repo' });
      expect(outcome.events.slice(0, 4)).toEqual([
        {
          type: 'BranchReparented',
          data: { branch: 'b', from: 'a', to: 'main' },
        },
        {
          type: 'BranchUntracked',
          data: { branch: 'a', reason: 'deleted_on_remote' },
        },
        {
          type: 'BranchReparented',
          data: { branch: 'c', from: 'b', to: 'main' },
        },
        { type: 'BranchUntracked', data: { branch: 'b', reason: 'merged' } },
      ]);
      expect(outcome.summary).toBe(
        'synced: 2 branch(es) untracked, 1 restacked',
      );
      record(outcome);
      expect([...stack.branches.keys()]).toEqual(['c']);
      // Only c's own two commits sit on the new trunk.
      const c = newHead(outcome, 'c')!;
      expect(inClone('rev-parse', `${c}~2`)).toBe(fx.originHead('main'));
      const files = inClone('ls-tree', '-r', '--name-only', c);
      expect(files).not.toContain('a/file-1.txt');
      expect(files).toContain('b/file-1.txt');
    });
  });
});
