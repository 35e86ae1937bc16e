import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** A clone as the cache knows it. */
export interface CachedClone {
  repoId: string;
  /** Bytes it takes on disk, as last measured. */
  bytes: number;
  /** When a job last touched it (ms since the epoch). */
  lastUsedAt: number;
}

/**
 * The clones to evict, in this order, for the total of `clones` to fit `budgetBytes`: the
 * least recently used first (ties by repo id), never one `inUse`. Clones in use still count
 * toward the total, so when they alone exceed the budget every other clone goes and the
 * total stays above it until they are idle.
 */
export function clonesToEvict(
  clones: readonly CachedClone[],
  budgetBytes: number,
  inUse: (repoId: string) => boolean,
): CachedClone[] {
  let total = clones.reduce((sum, clone) => sum + clone.bytes, 0);
  const victims: CachedClone[] = [];
  const idle = clones
    .filter((clone) => !inUse(clone.repoId))
    .sort(
      (a, b) =>
        a.lastUsedAt - b.lastUsedAt ||
        (a.repoId < b.repoId ? -1 : a.repoId > b.repoId ? 1 : 0),
    );
  for (const clone of idle) {
    if (total <= budgetBytes) break;
    victims.push(clone);
    total -= clone.bytes;
  }
  return victims;
}

/** What a folder takes on disk, and when anything in it last changed. */
export interface DiskUsage {
  bytes: number;
  /** The newest modification time in it (ms since the epoch). */
  lastModifiedAt: number;
}

/** Entries of one folder stat'ed at once while walking it. */
const STAT_BATCH = 64;

/**
 * How long a folder's time must have stood still before a measure may reuse what it found
 * in it: file systems stamp times from a coarse clock (a few milliseconds), so a file added
 * just after a folder was read can leave the folder's time as it was. Measured against the
 * wall clock, as file times are.
 */
const SETTLED_MS = 2_000;

/** What one folder's own entries take (not what is under its subfolders), as last read. */
export interface FolderUsage {
  /** The folder's modification time when it was read. */
  mtimeMs: number;
  /** Blocks of its entries (files, and its subfolders' own), those with several links aside. */
  bytes: number;
  lastModifiedAt: number;
  subfolders: string[];
  /** Entries with several links: counted once in the whole walk, by inode. */
  linked: [inode: string, bytes: number][];
}

export interface DiskUsageOptions {
  /**
   * What earlier measures found in the folders whose files never change once written (see
   * `unchanging`), by path; read and brought up to date by the measure.
   */
  cache?: Map<string, FolderUsage>;
  /**
   * Whether the files in a folder never change once written, so that a folder whose own
   * time has not moved (no entry added, removed or renamed) holds what it held: git's
   * object folders (`objects/xx`, `objects/pack`). Such a folder is read again only when
   * its time moved, and a measure after a job reads the few the job wrote to, not the
   * clone's every object.
   */
  unchanging?: (folder: string) => boolean;
}

/**
 * Whether a folder of a clone, given relative to the clone's folder, is one of git's object
 * folders: files named by their content, written once, never changed.
 */
export const gitObjectFolder = (relativePath: string): boolean =>
  /^objects[\\/]([0-9a-f]{2}|pack)$/.test(relativePath);

/** Names of files still being written (git's and this engine's temporary files). */
const TEMPORARY_FILE = /^(tmp_|\.tmp-)/;

/**
 * What `path` takes on disk, as `du` counts it: the blocks allocated to it and to everything
 * under it, links not followed, a file with several links counted once. Undefined when it
 * does not exist. Entries that vanish while it is walked (git's temporary files) count as
 * nothing. With a cache (see {@link DiskUsageOptions}) a folder whose files never change is
 * read only when its time moved since the last measure.
 */
export async function diskUsage(
  path: string,
  { cache, unchanging = () => false }: DiskUsageOptions = {},
): Promise<DiskUsage | undefined> {
  const top = await lstatIfThere(path);
  if (!top) {
    cache?.clear();
    return undefined;
  }
  const linked = new Set<string>();
  const usage: DiskUsage = { bytes: 0, lastModifiedAt: 0 };
  const blocks = (stats: Stats) =>
    Number.isFinite(stats.blocks) ? stats.blocks * 512 : stats.size;
  const add = (own: Omit<FolderUsage, 'mtimeMs' | 'subfolders'>) => {
    usage.bytes += own.bytes;
    usage.lastModifiedAt = Math.max(usage.lastModifiedAt, own.lastModifiedAt);
    for (const [inode, bytes] of own.linked) {
      if (linked.has(inode)) continue;
      linked.add(inode);
      usage.bytes += bytes;
    }
  };
  const ownUsage = (
    entries: Stats[],
  ): Omit<FolderUsage, 'mtimeMs' | 'subfolders'> => {
    const own = {
      bytes: 0,
      lastModifiedAt: 0,
      linked: [] as [string, number][],
    };
    for (const stats of entries) {
      own.lastModifiedAt = Math.max(own.lastModifiedAt, stats.mtimeMs);
      if (stats.nlink > 1 && !stats.isDirectory())
        own.linked.push([`${stats.dev}:${stats.ino}`, blocks(stats)]);
      else own.bytes += blocks(stats);
    }
    return own;
  };
  add(ownUsage([top]));
  const seen = new Set<string>();
  const folders: [string, Stats][] = top.isDirectory() ? [[path, top]] : [];
  for (let next = folders.pop(); next; next = folders.pop()) {
    const [folder, stats] = next;
    const reusable = cache !== undefined && unchanging(folder);
    if (reusable) seen.add(folder);
    const known = reusable ? cache.get(folder) : undefined;
    if (known && known.mtimeMs === stats.mtimeMs) {
      add(known);
      for (const sub of known.subfolders) {
        const subStats = await lstatIfThere(sub);
        if (subStats?.isDirectory()) folders.push([sub, subStats]);
      }
      continue;
    }
    const names = await namesIn(folder);
    const entries: Stats[] = [];
    const subfolders: string[] = [];
    for (let i = 0; i < names.length; i += STAT_BATCH) {
      const batch = names.slice(i, i + STAT_BATCH).map((n) => join(folder, n));
      const stats = await Promise.all(batch.map(lstatIfThere));
      stats.forEach((entry, j) => {
        if (!entry) return;
        entries.push(entry);
        if (entry.isDirectory()) {
          subfolders.push(batch[j]!);
          folders.push([batch[j]!, entry]);
        }
      });
    }
    const own = ownUsage(entries);
    add(own);
    if (reusable) {
      // Kept only once its time has settled (see SETTLED_MS), and not while it holds a
      // file being written, which may grow without the folder's time moving.
      if (
        Date.now() - stats.mtimeMs >= SETTLED_MS &&
        !names.some((name) => TEMPORARY_FILE.test(name))
      )
        cache.set(folder, { mtimeMs: stats.mtimeMs, subfolders, ...own });
      else cache.delete(folder);
    }
  }
  if (cache)
    for (const folder of cache.keys())
      if (!seen.has(folder)) cache.delete(folder);
  return usage;
}

const gone = (error: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

async function lstatIfThere(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (gone(error)) return undefined;
    throw error;
  }
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if (gone(error)) return [];
    throw error;
  }
}

/** The clones on disk, as the git engine lays them out. */
export interface CloneStore {
  /** The folder of the repo's clone. */
  gitDir(repoId: string): string;
  /** The repos that have a clone on disk. */
  clones(): Promise<string[]>;
  /**
   * Removes the repo's clone (nothing when it has none) so that no part of it is ever left
   * looking like a clone: the next job clones again. Call it only while nothing uses it.
   */
  removeClone(repoId: string): Promise<void>;
  /** About how many loose objects the repo's clone holds (estimated, as git does). */
  looseObjects?(repoId: string): Promise<number>;
  /** The packs of the repo's clone that a repack would merge (not kept, not cruft). */
  packs?(repoId: string): Promise<number>;
  /**
   * Packs the clone's loose objects, dropping long-unreachable ones; safe beside jobs.
   * Stops when `signal` aborts.
   */
  packObjects?(repoId: string, signal: AbortSignal): Promise<void>;
}

export interface CloneCacheMetrics {
  /** The bytes all clones take, as last measured. */
  cacheBytes(total: number): void;
  evicted(): void;
}

/** Nest's `Logger` fits; an object's fields go beside its `msg` in the line. */
export interface CloneCacheLogger {
  log(message: string | object): void;
  warn(message: string | object): void;
}

export interface CloneCacheOptions {
  /** What the clones may take on disk; undefined: no bound (they are measured all the same). */
  budgetBytes: number | undefined;
  /**
   * Loose objects a clone may collect before it is packed (see `CloneStore.packObjects`):
   * git's own `gc.auto` threshold (6,700) unless given.
   */
  looseObjectLimit?: number;
  /**
   * Packs a clone may collect before it is packed again: git's own `gc.autoPackLimit` (50)
   * unless given. Restacks write their objects as packs (see `ObjectWriter`).
   */
  packLimit?: number;
  /** What a clone's folder takes; `diskUsage` unless a test gives another. */
  measure?: (gitDir: string) => Promise<DiskUsage | undefined>;
  now?: () => number;
  logger?: CloneCacheLogger;
  metrics?: Partial<CloneCacheMetrics>;
  /**
   * Told after a repo's clone was evicted, before the repo's next job may start here: gives
   * the repo's lease up, where instances share one, so that another may take the repo.
   */
  evicted?: (repoId: string) => Promise<void>;
}

interface Entry {
  bytes: number;
  /** Undefined for a clone found on disk that no job of this process has touched yet. */
  lastUsedAt: number | undefined;
  lastModifiedAt: number;
  /** Touched since it was last measured. */
  dirty: boolean;
  /** Steps ended on it since it was last measured. */
  steps: number;
  measured: boolean;
  /**
   * Loose objects above which it is packed (again): the limit, or after a pack what it left
   * loose plus the limit, so that a pack that could not bring the count down (or failed) is
   * not repeated at every measure.
   */
  packAbove: number;
  /** Packs above which it is packed (again): likewise, for `packLimit`. */
  packsAbove: number;
}

/**
 * A clone whose repo has jobs here is measured after its first step, then once its lane
 * empties, or after this many steps while it stays busy: a walk after every step of a busy
 * repo took 7 % of the event loop's time in bench:accept (jobs back to back on one repo).
 * Its figure is at most that many steps old; it is never evicted while busy anyway.
 */
export const MEASURE_BUSY_EVERY_STEPS = 16;

/** git's `gc.auto` default: the loose objects that make `git gc --auto` pack them. */
export const GIT_GC_AUTO_LIMIT = 6_700;
/** git's `gc.autoPackLimit` default: the packs that make `git gc --auto` merge them. */
export const GIT_GC_AUTO_PACK_LIMIT = 50;

/**
 * This instance's clones, bounded by a disk budget. It knows what each clone takes (measured
 * after the first job step that touched it, then once its lane empties or every
 * {@link MEASURE_BUSY_EVERY_STEPS} steps while it stays busy, and once for the clones found
 * at start) and when a job last used it. After a measure it packs a clone holding more
 * loose objects than `looseObjectLimit`, or more packs than `packLimit`, as `git gc --auto`
 * would (see `CloneStore.packObjects`). Whenever a step
 * ended or a repo's lane emptied, if the clones take more than the budget, it evicts the
 * least recently used clones of repos with no job queued or running here until they fit:
 * never one whose lane is busy (from `laneBusy` to `laneIdle`) or whose step is still
 * running (`stepStarted` to `stepEnded`). A lane that becomes busy while its repo's clone is
 * being evicted waits for the eviction (`laneBusy` resolves after it); its job then clones
 * again.
 *
 * Measuring and evicting run in the background, one pass at a time; requests that come
 * during a pass make one more pass after it.
 */
export class CloneCache {
  private readonly entries = new Map<string, Entry>();
  private readonly busy = new Set<string>();
  /** Steps running on each repo's clone (one, but for a timed-out step that has not stopped). */
  private readonly steps = new Map<string, number>();
  private readonly evictions = new Map<string, Promise<void>>();
  private readonly measure: (gitDir: string) => Promise<DiskUsage | undefined>;
  /** What the last measure of each clone found in its object folders (see `diskUsage`). */
  private readonly folderCaches = new Map<string, Map<string, FolderUsage>>();
  /** Aborted by `stop`: a pack under way is cut off rather than waited for. */
  private readonly packing = new AbortController();
  private readonly now: () => number;
  private pass: Promise<void> | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private passAgain = false;
  private started = false;
  private scanned = false;
  private stopped = false;

  constructor(
    private readonly store: CloneStore,
    private readonly options: CloneCacheOptions,
  ) {
    this.measure = options.measure ?? ((gitDir) => this.measureClone(gitDir));
    this.now = options.now ?? Date.now;
  }

  /**
   * What a clone takes, its object folders read again only where a job wrote: the walk
   * after each step costs what the step wrote, not what the clone holds.
   */
  private async measureClone(gitDir: string): Promise<DiskUsage | undefined> {
    let cache = this.folderCaches.get(gitDir);
    if (!cache)
      this.folderCaches.set(gitDir, (cache = new Map<string, FolderUsage>()));
    const usage = await diskUsage(gitDir, {
      cache,
      unchanging: (folder) => gitObjectFolder(relative(gitDir, folder)),
    });
    if (!usage) this.folderCaches.delete(gitDir);
    return usage;
  }

  /** Measures the clones already on disk, then keeps to the budget. */
  start(): void {
    this.started = true;
    this.schedule();
  }

  /**
   * The repo's lane has a job: its clone is not evicted until `laneIdle`. Resolves once an
   * eviction of the clone already under way is over.
   */
  laneBusy(repoId: string): Promise<void> {
    this.busy.add(repoId);
    return this.evictions.get(repoId) ?? Promise.resolve();
  }

  /** The repo's lane has no job left here: its clone may be evicted. */
  laneIdle(repoId: string): void {
    this.busy.delete(repoId);
    this.schedule();
    this.checkIdle();
  }

  /** A job step starts on the repo's clone: it is not evicted until the step ends. */
  stepStarted(repoId: string): void {
    this.steps.set(repoId, (this.steps.get(repoId) ?? 0) + 1);
  }

  /**
   * A job step on the repo's clone ended (it may have made the clone): now is its last use,
   * and it is measured again.
   */
  stepEnded(repoId: string): void {
    const steps = (this.steps.get(repoId) ?? 1) - 1;
    if (steps > 0) this.steps.set(repoId, steps);
    else this.steps.delete(repoId);
    const entry = this.entries.get(repoId);
    if (entry) {
      entry.lastUsedAt = this.now();
      entry.dirty = true;
      entry.steps += 1;
    } else {
      this.entries.set(repoId, {
        bytes: 0,
        lastUsedAt: this.now(),
        lastModifiedAt: 0,
        dirty: true,
        steps: 1,
        measured: false,
        packAbove: 0,
        packsAbove: 0,
      });
    }
    this.schedule();
    this.checkIdle();
  }

  /** Whether the repo has a job here: its lane is busy, or a step of it still runs. */
  inUse(repoId: string): boolean {
    return this.busy.has(repoId) || this.steps.has(repoId);
  }

  /** The clones as last measured. */
  clones(): CachedClone[] {
    return [...this.entries].map(([repoId, entry]) => ({
      repoId,
      bytes: entry.bytes,
      lastUsedAt: entry.lastUsedAt ?? entry.lastModifiedAt,
    }));
  }

  totalBytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    return total;
  }

  /** Resolves once no pass is running or asked for. */
  async settled(): Promise<void> {
    while (this.pass) await this.pass;
  }

  /** Resolves once no repo has a job here (no lane busy, no step running) and no pass runs. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /** Starts no pass any more, cuts a pack under way off; resolves once the pass is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.packing.abort(new Error('the clone cache stopped'));
    await this.settled();
  }

  private schedule(): void {
    if (this.stopped || !this.started) return;
    if (this.pass) {
      this.passAgain = true;
      return;
    }
    this.passAgain = false;
    this.pass = this.runPass()
      .catch((error: unknown) =>
        this.options.logger?.warn(
          `the clone cache could not measure or evict: ${String(error)}`,
        ),
      )
      .finally(() => {
        this.pass = undefined;
        if (this.passAgain) this.schedule();
        this.checkIdle();
      });
  }

  private checkIdle(): void {
    if (this.busy.size > 0 || this.steps.size > 0 || this.pass) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async runPass(): Promise<void> {
    if (!this.scanned) {
      this.scanned = true;
      for (const repoId of await this.store.clones())
        if (!this.entries.has(repoId))
          this.entries.set(repoId, {
            bytes: 0,
            lastUsedAt: undefined,
            lastModifiedAt: 0,
            dirty: true,
            steps: 0,
            measured: false,
            packAbove: 0,
            packsAbove: 0,
          });
    }
    await this.measureTouched();
    this.options.metrics?.cacheBytes?.(this.totalBytes());
    const budget = this.options.budgetBytes;
    if (budget === undefined) return;
    while (!this.stopped) {
      const total = this.totalBytes();
      const [victim] = clonesToEvict(this.clones(), budget, (repoId) =>
        this.inUse(repoId),
      );
      if (!victim || !(await this.evict(victim, total, budget))) return;
    }
  }

  private async measureTouched(): Promise<void> {
    for (const [repoId, entry] of [...this.entries]) {
      if (!entry.dirty) continue;
      if (
        entry.measured &&
        this.inUse(repoId) &&
        entry.steps < MEASURE_BUSY_EVERY_STEPS
      )
        continue;
      entry.dirty = false;
      entry.steps = 0;
      let usage: DiskUsage | undefined;
      try {
        usage = await this.measure(this.store.gitDir(repoId));
      } catch (error) {
        this.options.logger?.warn(
          `could not measure the clone of repo ${repoId}: ${String(error)}`,
        );
        continue;
      }
      if (this.entries.get(repoId) !== entry) continue;
      if (usage) {
        entry.measured = true;
        entry.bytes = usage.bytes;
        entry.lastModifiedAt = usage.lastModifiedAt;
        await this.packIfNeeded(repoId, entry);
      } else if (!entry.dirty) {
        // No clone (its first clone failed, say), and no step since that may have made one.
        this.entries.delete(repoId);
      }
    }
  }

  /**
   * Packs the clone's objects once it holds more loose ones than the limit, or more packs
   * than the pack limit (or, after a pack, than what that pack left plus the limit), and
   * measures it again. A failure is logged and tried again once as many more have come.
   */
  private async packIfNeeded(repoId: string, entry: Entry): Promise<void> {
    const store = this.store;
    if (!store.looseObjects || !store.packObjects || this.stopped) return;
    const limit = this.options.looseObjectLimit ?? GIT_GC_AUTO_LIMIT;
    const packLimit = this.options.packLimit ?? GIT_GC_AUTO_PACK_LIMIT;
    const packsOf = async () => (store.packs ? store.packs(repoId) : 0);
    let loose = 0;
    let packs = 0;
    try {
      loose = await store.looseObjects(repoId);
      packs = await packsOf();
      if (
        loose <= Math.max(limit, entry.packAbove) &&
        packs <= Math.max(packLimit, entry.packsAbove)
      )
        return;
      const before = entry.bytes;
      await store.packObjects(repoId, this.packing.signal);
      const left = await store.looseObjects(repoId);
      const packsLeft = await packsOf();
      entry.packAbove = left + limit;
      entry.packsAbove = packsLeft + packLimit;
      const after = await this.measure(this.store.gitDir(repoId));
      if (after && this.entries.get(repoId) === entry) {
        entry.bytes = after.bytes;
        entry.lastModifiedAt = after.lastModifiedAt;
      }
      this.options.logger?.log({
        msg: `packed the objects of repo ${repoId}'s clone (about ${loose} loose, limit ${limit}; ${packs} packs, limit ${packLimit}; ${left} loose and ${packsLeft} packs left): ${before} bytes before, ${after?.bytes ?? 0} after`,
        repoId,
        looseObjects: loose,
        looseLeft: left,
        packs,
        packsLeft,
        bytesBefore: before,
        bytesAfter: after?.bytes ?? 0,
      });
    } catch (error) {
      // Tried again once as many loose objects, or packs, more have come.
      entry.packAbove = loose + limit;
      entry.packsAbove = packs + packLimit;
      if (this.stopped) return;
      this.options.logger?.warn(
        `could not pack the objects of repo ${repoId}'s clone: ${String(error)}`,
      );
    }
  }

  /** Evicts one idle clone; false when it could not (the pass ends, the next tries again). */
  private async evict(
    victim: CachedClone,
    totalBytes: number,
    budgetBytes: number,
  ): Promise<boolean> {
    const { repoId, bytes, lastUsedAt } = victim;
    // Set before the first wait: a lane that becomes busy from here on waits for the end.
    const eviction = this.removeAndRelease(repoId);
    this.evictions.set(
      repoId,
      eviction.then(
        () => undefined,
        () => undefined,
      ),
    );
    try {
      await eviction;
    } catch (error) {
      const entry = this.entries.get(repoId);
      if (entry) entry.dirty = true;
      this.options.logger?.warn(
        `could not evict the clone of repo ${repoId}: ${String(error)}`,
      );
      return false;
    } finally {
      this.evictions.delete(repoId);
    }
    this.options.metrics?.evicted?.();
    this.options.metrics?.cacheBytes?.(this.totalBytes());
    const idleSeconds = Math.max(
      0,
      Math.round((this.now() - lastUsedAt) / 1000),
    );
    this.options.logger?.log({
      msg: `evicted the clone of repo ${repoId} (${bytes} bytes): the clones took ${totalBytes} bytes, over the budget of ${budgetBytes}, and it was the least recently used one with no job here (unused for ${idleSeconds} s)`,
      repoId,
      bytes,
      reason: 'over_budget',
      cacheBytes: totalBytes,
      budgetBytes,
    });
    return true;
  }

  private async removeAndRelease(repoId: string): Promise<void> {
    await this.store.removeClone(repoId);
    this.entries.delete(repoId);
    this.folderCaches.delete(this.store.gitDir(repoId));
    try {
      await this.options.evicted?.(repoId);
    } catch (error) {
      // The lease then lapses by itself; the clone is gone either way.
      this.options.logger?.warn(
        `evicted the clone of repo ${repoId} but could not give its lease up: ${String(error)}`,
      );
    }
  }
}
