import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitCliEngine } from '../../../src/infrastructure/git/git-cli-engine';
import { GitRunner } from '../../../src/infrastructure/git/git-runner';
import { MergeTreeBatch } from '../../../src/infrastructure/git/merge-tree-batch';
import { RepoHelpers } from '../../../src/infrastructure/git/repo-helpers';
import { GitFixture } from '../../support/git-fixture';

const lines = (...changed: [number, string][]) => {
  const all = Array.from({ length: 10 }, (_, i) => `line ${i}`);
  for (const [at, text] of changed) all[at] = text;
  return `${all.join('\n')}\n`;
};

/**
 * A file of ten lines on main; branch `x` changes its first line, then (second commit) its
 * second; main then changes its last line (a clean content merge with both) and, on branch
 * `clash`, its first line too (a conflict with x's first commit).
 */
function contentWorld(fx: GitFixture) {
  fx.gitW('checkout', '--quiet', 'main');
  const base = fx.commit('notes.txt', lines(), 'notes');
  fx.gitW('checkout', '--quiet', '-b', 'x');
  const x1 = fx.commit('notes.txt', lines([0, 'x one']), 'x: first line');
  const x2 = fx.commit(
    'notes.txt',
    lines([0, 'x one'], [1, 'x two']),
    'x: second line',
  );
  fx.gitW('checkout', '--quiet', 'main');
  const main = fx.commit('notes.txt', lines([9, 'main nine']), 'main: last');
  fx.gitW('checkout', '--quiet', '-b', 'clash', base);
  const clash = fx.commit(
    'notes.txt',
    lines([0, 'clash one']),
    'clash: first line',
  );
  fx.gitW('push', '--quiet', 'origin', 'main', 'x', 'clash');
  return { base, x1, x2, main, clash };
}

describe('MergeTreeBatch: one merge-tree --stdin per repository', () => {
  let fx: GitFixture;
  let batch: MergeTreeBatch | undefined;

  beforeEach(() => {
    fx = new GitFixture();
  });

  afterEach(async () => {
    await batch?.close();
    fx.dispose();
  });

  it('answers each merge in order, as a merge-tree process per merge does', async () => {
    const w = contentWorld(fx);
    const runner = new GitRunner();
    expect(runner.stdbuf).toBeDefined();
    batch = new MergeTreeBatch(runner, join(fx.work, '.git'));

    // Several at once, then one more: each answer goes to its own request.
    const [clean, again, conflict] = await Promise.all([
      batch.merge(w.main, w.x1),
      batch.merge(w.main, w.x2),
      batch.merge(w.x1, w.clash),
    ]);
    const later = await batch.merge(w.main, w.x2);

    const oneShot = (a: string, b: string) =>
      fx.tryGit(fx.work, 'merge-tree', '--write-tree', '--name-only', a, b);
    expect(clean).toEqual({
      clean: true,
      tree: oneShot(w.main, w.x1).stdout.trim(),
      files: [],
    });
    expect(again.tree).toBe(oneShot(w.main, w.x2).stdout.trim());
    expect(later).toEqual(again);
    const expected = oneShot(w.x1, w.clash);
    expect(expected.status).toBe(1);
    expect(conflict).toEqual({
      clean: false,
      tree: expected.stdout.split('\n')[0],
      files: ['notes.txt'],
    });
    expect(fx.gitW('show', `${clean.tree}:notes.txt`)).toBe(
      lines([0, 'x one'], [9, 'main nine']).trimEnd(),
    );
  });

  it('fails a merge whose step is stopped, at once, and is not used again', async () => {
    const w = contentWorld(fx);
    batch = new MergeTreeBatch(new GitRunner(), join(fx.work, '.git'));
    const stopped = new AbortController();
    stopped.abort(new Error('the step timed out'));
    await expect(batch.merge(w.main, w.x1, stopped.signal)).rejects.toThrow(
      'the step timed out',
    );

    const stopping = new AbortController();
    const waiting = batch.merge(w.main, w.x2, stopping.signal);
    stopping.abort(new Error('the step timed out'));
    await expect(waiting).rejects.toThrow('the step timed out');
    expect(batch.dead).toBe(true);
  });

  it('gives up on a git whose answers stay in its buffer, and its owner merges without one', async () => {
    const w = contentWorld(fx);
    // A stdbuf that unbuffers nothing: it drops its option and runs git as it is.
    const fakeStdbuf = join(fx.root, 'stdbuf');
    writeFileSync(fakeStdbuf, '#!/bin/sh\nshift\nexec "$@"\n');
    chmodSync(fakeStdbuf, 0o755);
    const runner = new GitRunner('git', { stdbuf: fakeStdbuf });
    const helpers = new RepoHelpers(runner, join(fx.work, '.git'), {
      mergeAnswerTimeoutMs: 300,
    });
    try {
      const merger = helpers.merger()!;
      await expect(merger.merge(w.main, w.x1)).rejects.toMatchObject({
        code: 'GIT.HELPER_DIED',
      });
      expect(merger.unanswered).toBe(true);
      expect(helpers.merger()).toBeUndefined();
    } finally {
      await helpers.close();
    }
  });

  it('fails the merges waiting when its process dies, and takes no more', async () => {
    const w = contentWorld(fx);
    batch = new MergeTreeBatch(new GitRunner(), join(fx.work, '.git'));
    await batch.merge(w.main, w.x1);

    // A line git cannot take ends the process: the merge waiting on it fails.
    const bad = batch.merge('not-a-commit', w.x1);
    await expect(bad).rejects.toMatchObject({ code: 'GIT.HELPER_DIED' });
    expect(batch.dead).toBe(true);
    await expect(batch.merge(w.main, w.x1)).rejects.toMatchObject({
      code: 'GIT.HELPER_DIED',
    });
  });
});

describe.each([
  ['its long-running merger', {}, false],
  ['a git process per merge (no stdbuf)', { stdbuf: null }, true],
] as const)(
  'content merges of a replay through %s',
  (_name, options, oneShots) => {
    let fx: GitFixture;
    let engine: GitCliEngine;
    let runner: GitRunner;

    beforeEach(() => {
      fx = new GitFixture();
      runner = new GitRunner('git', options);
      engine = new GitCliEngine(join(fx.root, 'repos'), runner);
    });

    afterEach(async () => {
      await engine.close();
      fx.dispose();
    });

    it('gives the trees a rebase gives, and a conflict with its files', async () => {
      const w = contentWorld(fx);
      await engine.ensureClone('r', fx.origin);
      const runs = jest.spyOn(runner, 'run');

      const result = await engine.replay('r', {
        branch: 'x',
        from: w.base,
        to: w.x2,
        onto: w.main,
      });
      fx.gitW('checkout', '--quiet', 'x');
      fx.gitW('rebase', '--quiet', 'main');
      expect(result).toMatchObject({ replayed: 2, dropped: 0 });
      const treeOf = (commit: string) =>
        fx.git(engine.gitDir('r'), 'rev-parse', `${commit}^{tree}`);
      expect(treeOf(result.head)).toBe(fx.gitW('rev-parse', 'HEAD^{tree}'));

      await expect(
        engine.replay('r', {
          branch: 'clash',
          from: w.base,
          to: w.clash,
          onto: w.x1,
        }),
      ).rejects.toMatchObject({
        code: 'GIT.CONFLICT',
        details: { conflict: { branch: 'clash', files: ['notes.txt'] } },
      });
      // A stopped step replays no further, whichever way it merges, even once the next
      // step on the repo has begun (a timed-out step whose work woke up late).
      const stopped = new AbortController();
      const timedOut = engine.aborting(stopped.signal);
      stopped.abort(new Error('the step timed out'));
      const next = engine.aborting(new AbortController().signal);
      await expect(
        timedOut.replay('r', {
          branch: 'x',
          from: w.base,
          to: w.x2,
          onto: w.main,
        }),
      ).rejects.toThrow('the step timed out');
      await expect(timedOut.localHeads('r')).rejects.toThrow(
        'the step timed out',
      );
      expect((await next.remoteHeads('r')).size).toBeGreaterThan(0);
      expect((await engine.remoteHeads('r')).size).toBeGreaterThan(0);
      const mergeProcesses = runs.mock.calls.filter(
        ([args]) => args[0] === 'merge-tree',
      ).length;
      expect(mergeProcesses > 0).toBe(oneShots);
    });
  },
);
