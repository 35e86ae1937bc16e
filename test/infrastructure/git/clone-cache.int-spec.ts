import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from '../../../src/domain/stack/stack';
import {
  emptyStack,
  evolveStack,
} from '../../../src/domain/stack/stack.evolve';
import {
  CloneCache,
  diskUsage,
} from '../../../src/infrastructure/git/clone-cache';
import { GitCliEngine } from '../../../src/infrastructure/git/git-cli-engine';
import { StackOperations } from '../../../src/infrastructure/git/operations/stack-operations';
import { GitFixture } from '../../support/git-fixture';

/**
 * The clone cache on the git engine's real clones of real bare origins: three origins of
 * the same shape, so that their clones take the same room, and a budget two of them fit.
 */
describe('CloneCache on real clones', () => {
  const repos = ['r1', 'r2', 'r3'] as const;
  let root: string;
  let origins: Map<string, GitFixture>;
  let reposDir: string;
  let engine: GitCliEngine;
  let cache: CloneCache;
  let cloneBytes: number;
  let tick: number;
  let released: string[];
  let logged: object[];

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-clone-cache-'));
    origins = new Map(
      repos.map((repoId) => {
        const fx = new GitFixture();
        fx.stack(['a', 'b']);
        return [repoId, fx];
      }),
    );
    reposDir = join(root, 'repos');
    engine = new GitCliEngine(reposDir);
    // What one clone takes, measured on a clone made the same way, aside.
    const probe = new GitCliEngine(join(root, 'probe'));
    await probe.ensureClone('probe', origins.get('r1')!.origin);
    cloneBytes = (await diskUsage(probe.gitDir('probe')))!.bytes;
    await probe.close();
    tick = 0;
    released = [];
    logged = [];
    cache = new CloneCache(engine, {
      // Two clones fit (one grown by a restack too), three do not.
      budgetBytes: Math.floor(cloneBytes * 2.5),
      // Each use a second after the one before: the order of use is never a tie.
      now: () => 1_700_000_000_000 + ++tick * 1_000,
      logger: {
        log: (line) => logged.push(line as object),
        warn: (line) => logged.push({ warn: line }),
      },
      evicted: (repoId) => {
        released.push(repoId);
        return Promise.resolve();
      },
    });
    cache.start();
  });

  afterEach(async () => {
    await cache.stop();
    await engine.close();
    for (const fx of origins.values()) fx.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const clonesOnDisk = () =>
    readdirSync(reposDir)
      .filter((name) => name.endsWith('.git'))
      .sort();

  /** The repo's lane takes a job, whose step clones (or fetches) and replays. */
  async function startJob(repoId: string): Promise<void> {
    await cache.laneBusy(repoId);
    cache.stepStarted(repoId);
    const fx = origins.get(repoId)!;
    await engine.ensureClone(repoId, fx.origin);
    // The replay opens the repo's long-running helpers, which eviction must close.
    await engine.replay(repoId, {
      branch: 'b',
      from: fx.head('a'),
      to: fx.head('b'),
      onto: fx.head('a'),
    });
    cache.stepEnded(repoId);
  }

  async function job(repoId: string): Promise<void> {
    await startJob(repoId);
    cache.laneIdle(repoId);
    await cache.settled();
  }

  it('evicts the least recently used idle clone once a third does not fit, and the evicted repo clones again and restacks', async () => {
    await job('r1');
    await job('r2');
    await job('r1'); // r2 is now the least recently used
    expect(clonesOnDisk()).toEqual(['r1.git', 'r2.git']);
    expect(cache.totalBytes()).toBeGreaterThanOrEqual(2 * cloneBytes - 8192);

    await job('r3');
    expect(clonesOnDisk()).toEqual(['r1.git', 'r3.git']);
    expect(released).toEqual(['r2']);
    expect(logged).toEqual([
      expect.objectContaining({ repoId: 'r2', reason: 'over_budget' }),
    ]);
    expect(cache.totalBytes()).toBeLessThanOrEqual(cloneBytes * 2.5);
    // Nothing of the evicted clone is left beside the others.
    expect(readdirSync(reposDir).filter((n) => n.startsWith('r2'))).toEqual([]);

    // r2's next job clones again, and a restack of its stack publishes as usual.
    const fx = origins.get('r2')!;
    const newMain = fx.advance();
    await cache.laneBusy('r2');
    cache.stepStarted('r2');
    await engine.ensureClone('r2', fx.origin);
    const ops = new StackOperations(engine);
    let stack: Stack = emptyStack('main');
    for (const branchName of ['a', 'b']) {
      const plan = await ops.run(
        {
          repoId: 'r2',
          jobId: `track-${branchName}`,
          action: 'register_existing_branch',
          branchName,
        },
        stack,
      );
      stack = plan.events.reduce<Stack>((s, e) => evolveStack(s, e), stack);
    }
    const plan = await ops.run(
      { repoId: 'r2', jobId: 'restack', action: 'restack_repo' },
      stack,
    );
    await ops.applyAndPublish('r2', plan.moves);
    cache.stepEnded('r2');
    cache.laneIdle('r2');
    await cache.settled();

    expect(plan.moves.map((m) => m.branch)).toEqual(['a', 'b']);
    expect(fx.git(fx.origin, 'rev-parse', 'a~2')).toBe(newMain);
    // r2 was the latest used now; r1 was the least recently used one.
    expect(clonesOnDisk()).toEqual(['r2.git', 'r3.git']);
    expect(released).toEqual(['r2', 'r1']);
  });

  it('never evicts a clone whose lane is busy, however long ago it was used', async () => {
    await startJob('r1'); // r1 keeps its lane: more of its jobs are queued
    await job('r2');
    await job('r3');
    expect(clonesOnDisk()).toEqual(['r1.git', 'r3.git']);
    expect(released).toEqual(['r2']);

    // Once its lane is idle, r1 is the least recently used and goes at the next pass.
    cache.laneIdle('r1');
    await job('r2');
    expect(clonesOnDisk()).toEqual(['r2.git', 'r3.git']);
    expect(released).toEqual(['r2', 'r1']);
  });

  it('leaves nothing that looks like a clone when a removal is cut off, and the next start clears it', async () => {
    await job('r1');
    // A process killed between the rename aside and the delete leaves this behind.
    const aside = join(reposDir, 'r1.git.removing-0b8c');
    renameSync(engine.gitDir('r1'), aside);
    // And one killed midway through the delete, a clone missing parts.
    cpSync(aside, join(reposDir, 'r2.git.removing-77aa'), { recursive: true });
    rmSync(join(reposDir, 'r2.git.removing-77aa', 'HEAD'));

    const next = new GitCliEngine(reposDir);
    try {
      expect(
        readdirSync(reposDir).filter((n) => n.includes('removing')),
      ).toEqual([]);
      expect(await next.clones()).toEqual([]);
      await next.ensureClone('r1', origins.get('r1')!.origin);
      expect(await next.clones()).toEqual(['r1']);
      expect(
        execFileSync(
          'git',
          [`--git-dir=${next.gitDir('r1')}`, 'rev-parse', 'origin/b'],
          { encoding: 'utf8' },
        ).trim(),
      ).toBe(origins.get('r1')!.head('b'));
    } finally {
      await next.close();
    }
    expect(existsSync(aside)).toBe(false);
  });
});
