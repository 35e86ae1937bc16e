import {
  type CachedClone,
  CloneCache,
  GIT_GC_AUTO_LIMIT,
  MEASURE_BUSY_EVERY_STEPS,
  type CloneCacheOptions,
  type CloneStore,
  clonesToEvict,
  type DiskUsage,
} from '../../../src/infrastructure/git/clone-cache';

describe('clonesToEvict', () => {
  const clone = (
    repoId: string,
    bytes: number,
    lastUsedAt: number,
  ): CachedClone => ({ repoId, bytes, lastUsedAt });
  const idle = () => false;

  it('evicts nothing while the clones fit the budget, the budget itself included', () => {
    expect(
      clonesToEvict([clone('a', 40, 1), clone('b', 60, 2)], 100, idle),
    ).toEqual([]);
  });

  it('evicts the least recently used clones first, just until the rest fit', () => {
    const clones = [
      clone('new', 30, 30),
      clone('old', 30, 10),
      clone('mid', 30, 20),
    ];
    expect(clonesToEvict(clones, 60, idle).map((c) => c.repoId)).toEqual([
      'old',
    ]);
    expect(clonesToEvict(clones, 59, idle).map((c) => c.repoId)).toEqual([
      'old',
      'mid',
    ]);
  });

  it('never evicts a clone in use, which still counts toward the total', () => {
    const clones = [
      clone('busy-old', 50, 1),
      clone('idle', 10, 5),
      clone('busy-new', 50, 9),
    ];
    const busy = (repoId: string) => repoId.startsWith('busy');
    expect(clonesToEvict(clones, 100, busy).map((c) => c.repoId)).toEqual([
      'idle',
    ]);
    // Busy clones alone over the budget: every idle one goes, and that is all.
    expect(clonesToEvict(clones, 10, busy).map((c) => c.repoId)).toEqual([
      'idle',
    ]);
  });

  it('orders clones used at the same time by repo id, so the choice never depends on map order', () => {
    expect(
      clonesToEvict([clone('b', 10, 5), clone('a', 10, 5)], 10, idle).map(
        (c) => c.repoId,
      ),
    ).toEqual(['a']);
  });
});

/** Clones in memory: a size per repo, and the removals and lease releases in order. */
class FakeClones implements CloneStore {
  readonly sizes = new Map<string, number>();
  readonly modified = new Map<string, number>();
  readonly removed: string[] = [];
  /** Holds each removal until it settles, when set. */
  holdRemovals: Promise<void> | undefined;
  /** Called as each removal begins. */
  removing: (repoId: string) => void = () => undefined;

  gitDir(repoId: string): string {
    return `/repos/${repoId}.git`;
  }

  clones(): Promise<string[]> {
    return Promise.resolve([...this.sizes.keys()]);
  }

  async removeClone(repoId: string): Promise<void> {
    this.removing(repoId);
    await this.holdRemovals;
    this.sizes.delete(repoId);
    this.removed.push(repoId);
  }

  measure = (gitDir: string): Promise<DiskUsage | undefined> => {
    const repoId = /\/repos\/(.+)\.git$/.exec(gitDir)![1]!;
    const bytes = this.sizes.get(repoId);
    return Promise.resolve(
      bytes === undefined
        ? undefined
        : { bytes, lastModifiedAt: this.modified.get(repoId) ?? 0 },
    );
  };
}

describe('CloneCache', () => {
  let disk: FakeClones;
  let now: number;
  let released: string[];
  let logged: object[];
  let gauge: number | undefined;
  let evictions: number;

  beforeEach(() => {
    disk = new FakeClones();
    now = 1_000_000;
    released = [];
    logged = [];
    gauge = undefined;
    evictions = 0;
  });

  const cacheOf = (
    budgetBytes: number | undefined,
    extra: Partial<CloneCacheOptions> = {},
  ) => {
    const cache = new CloneCache(disk, {
      budgetBytes,
      measure: disk.measure,
      now: () => now,
      logger: {
        log: (line) => logged.push(line as object),
        warn: (line) => logged.push({ warn: line }),
      },
      metrics: {
        cacheBytes: (total) => (gauge = total),
        evicted: () => evictions++,
      },
      evicted: (repoId) => {
        released.push(repoId);
        return Promise.resolve();
      },
      ...extra,
    });
    cache.start();
    return cache;
  };

  /** A job of `repoId`: its lane enters, one step runs (making the clone), the lane empties. */
  async function job(cache: CloneCache, repoId: string, bytes: number) {
    await cache.laneBusy(repoId);
    cache.stepStarted(repoId);
    disk.sizes.set(repoId, bytes);
    now += 1_000;
    cache.stepEnded(repoId);
    cache.laneIdle(repoId);
    await cache.settled();
  }

  it('measures each clone after a step and evicts the least recently used idle one over the budget, releasing its lease', async () => {
    const cache = cacheOf(250);
    await job(cache, 'a', 100);
    await job(cache, 'b', 100);
    expect(gauge).toBe(200);
    await job(cache, 'a', 100); // a is used again: b is now the least recent
    await job(cache, 'c', 100);

    expect(disk.removed).toEqual(['b']);
    expect(released).toEqual(['b']);
    expect(evictions).toBe(1);
    expect(gauge).toBe(200);
    expect(
      cache
        .clones()
        .map((c) => c.repoId)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(logged).toEqual([
      expect.objectContaining({
        repoId: 'b',
        bytes: 100,
        reason: 'over_budget',
        cacheBytes: 300,
        budgetBytes: 250,
      }),
    ]);
  });

  it('measures a busy clone after its first step, then every MEASURE_BUSY_EVERY_STEPS steps or once its lane empties', async () => {
    const measured: string[] = [];
    const cache = cacheOf(undefined, {
      measure: (gitDir) => {
        measured.push(gitDir);
        return disk.measure(gitDir);
      },
    });
    const step = async (bytes: number) => {
      cache.stepStarted('busy');
      disk.sizes.set('busy', bytes);
      cache.stepEnded('busy');
      await cache.settled();
    };
    await cache.laneBusy('busy');
    await step(100);
    expect(measured).toHaveLength(1);
    expect(gauge).toBe(100);
    for (let i = 1; i < MEASURE_BUSY_EVERY_STEPS; i++) await step(100 + i);
    expect(measured).toHaveLength(1);
    expect(gauge).toBe(100);
    await step(500);
    expect(measured).toHaveLength(2);
    expect(gauge).toBe(500);
    await step(600);
    expect(measured).toHaveLength(2);
    cache.laneIdle('busy');
    await cache.settled();
    expect(measured).toHaveLength(3);
    expect(gauge).toBe(600);
  });

  it('packs a clone over the loose-object limit before it weighs evictions; after a failed or ineffective pack, only once as many more came', async () => {
    const loose = new Map([
      ['a', 10_000],
      ['b', 100],
    ]);
    const packs: string[] = [];
    let failing = true;
    /** What a pack leaves loose (objects git would not pack, say). */
    let leaves = 0;
    Object.assign(disk, {
      looseObjects: (repoId: string) => Promise.resolve(loose.get(repoId) ?? 0),
      packObjects: (repoId: string) => {
        packs.push(repoId);
        if (failing) return Promise.reject(new Error('disk full'));
        disk.sizes.set(repoId, 40);
        loose.set(repoId, leaves);
        return Promise.resolve();
      },
    });
    const cache = cacheOf(250);
    await job(cache, 'a', 100);
    expect(logged).toEqual([
      {
        warn: "could not pack the objects of repo a's clone: Error: disk full",
      },
    ]);
    failing = false;
    await job(cache, 'a', 100);
    expect(packs).toEqual(['a']); // not tried again at the same count
    loose.set('a', 10_000 + GIT_GC_AUTO_LIMIT + 1);
    await job(cache, 'b', 100);
    await job(cache, 'a', 100);
    expect(packs).toEqual(['a', 'a']);
    expect(gauge).toBe(140);
    // 100 more fit beside the packed clone (240 of 250); unpacked, a would have gone.
    await job(cache, 'c', 100);
    expect(disk.removed).toEqual([]);
    expect(gauge).toBe(240);
    expect(logged[1]).toMatchObject({
      repoId: 'a',
      looseObjects: 10_000 + GIT_GC_AUTO_LIMIT + 1,
      looseLeft: 0,
      bytesBefore: 100,
      bytesAfter: 40,
    });

    // A pack that leaves 8,000 loose is not repeated until the limit's worth more came.
    leaves = 8_000;
    loose.set('b', GIT_GC_AUTO_LIMIT + 1);
    await job(cache, 'b', 100);
    expect(packs).toEqual(['a', 'a', 'b']);
    loose.set('b', 8_000 + GIT_GC_AUTO_LIMIT);
    await job(cache, 'b', 100);
    expect(packs).toEqual(['a', 'a', 'b']);
    loose.set('b', 8_000 + GIT_GC_AUTO_LIMIT + 1);
    await job(cache, 'b', 100);
    expect(packs).toEqual(['a', 'a', 'b', 'b']);
  });

  it('never evicts a repo whose lane is busy or whose step still runs, and evicts it once idle', async () => {
    const cache = cacheOf(150);
    await job(cache, 'old', 100);
    await cache.laneBusy('old'); // a job of old is queued again
    await job(cache, 'new', 100);
    expect(disk.removed).toEqual(['new']);

    // A step that outlived its lane (timed out, its git not yet stopped) holds its clone too.
    cache.stepStarted('old');
    cache.laneIdle('old');
    await job(cache, 'other', 100);
    expect(disk.removed).toEqual(['new', 'other']);

    cache.stepEnded('old');
    await cache.settled();
    expect(disk.sizes.has('old')).toBe(true);
    expect(gauge).toBe(100);
    await job(cache, 'last', 100);
    expect(disk.removed).toEqual(['new', 'other', 'old']);
  });

  it("makes a lane that enters during its clone's eviction wait until the clone is gone and its lease given up", async () => {
    const cache = cacheOf(50);
    let finishRemoval!: () => void;
    disk.holdRemovals = new Promise((resolve) => (finishRemoval = resolve));
    const removing = new Promise<string>(
      (resolve) => (disk.removing = resolve),
    );
    await cache.laneBusy('a');
    cache.stepStarted('a');
    disk.sizes.set('a', 100);
    cache.stepEnded('a');
    cache.laneIdle('a');
    expect(await removing).toBe('a');

    let entered = false;
    const entering = cache.laneBusy('a').then(() => (entered = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(entered).toBe(false);
    finishRemoval();
    await entering;
    expect(disk.removed).toEqual(['a']);
    expect(released).toEqual(['a']);
    await cache.settled();
  });

  it('keeps every clone without a budget, but measures them all the same', async () => {
    const cache = cacheOf(undefined);
    await job(cache, 'a', 100);
    await job(cache, 'b', 100);
    expect(disk.removed).toEqual([]);
    expect(gauge).toBe(200);
  });

  it('finds the clones left by an earlier run, the least recently changed evicted first', async () => {
    disk.sizes.set('stale', 100);
    disk.modified.set('stale', 10);
    disk.sizes.set('fresh', 100);
    disk.modified.set('fresh', 20);
    const cache = cacheOf(150);
    await cache.settled();
    expect(disk.removed).toEqual(['stale']);
    expect(gauge).toBe(100);
  });

  it('forgets a repo whose first clone failed, and keeps on when a removal fails', async () => {
    const cache = cacheOf(50);
    await cache.laneBusy('never');
    cache.stepStarted('never');
    cache.stepEnded('never'); // no clone made
    cache.laneIdle('never');
    await cache.settled();
    expect(cache.clones()).toEqual([]);

    disk.holdRemovals = Promise.reject(new Error('EACCES'));
    disk.holdRemovals.catch(() => undefined);
    await job(cache, 'stuck', 100);
    // Tried at each pass (here the step's and the lane's), warned each time.
    expect(logged).not.toHaveLength(0);
    for (const line of logged)
      expect(line).toEqual({
        warn: 'could not evict the clone of repo stuck: Error: EACCES',
      });
    expect(released).toEqual([]);
    disk.holdRemovals = undefined;
    await job(cache, 'next', 10);
    expect(disk.removed).toEqual(['stuck']);
    expect(released).toEqual(['stuck']);
  });

  it('starts no pass after stop', async () => {
    const cache = cacheOf(50);
    await cache.stop();
    await job(cache, 'a', 100);
    expect(disk.removed).toEqual([]);
  });
});
