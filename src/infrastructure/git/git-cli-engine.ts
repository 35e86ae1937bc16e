import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RefMove } from '../../domain/events/job.events';
import { assertRemoteUrl } from '../../domain/repo/remote-url';
import { formatCommit, type NewCommit } from './object-writer';
import { HelperPool } from './helper-pool';
import { removeOrphanPacks } from './pack-writer';
import { RepoHelpers } from './repo-helpers';
import { parseCommit } from './cat-file-batch';
import { readAhead, type ReadAheadRange } from './read-ahead';
import { removeStaleLocksOf } from './stale-locks';
import {
  EMPTY_TREE,
  changesContainedIn,
  hasCanonicalModes,
  mergeTrees,
  parseTree,
  serializeTree,
  type TreeStore,
} from './tree-merge';
import {
  GitCommandError,
  GitHelperDiedError,
  GitTransientError,
  RefMovedError,
  RemoteChangedError,
  ReplayConflictError,
} from './git.errors';
import type { GitEngine, ReplayRequest, ReplayResult } from './git-engine.port';
import {
  type GitResult,
  GitRunner,
  type GitRunOptions,
  throwIfAborted,
} from './git-runner';

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** A clone's folder under the repos folder: `<repoId>.git`. */
const CLONE_DIR = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})\.git$/;
/** Inserted after `<repoId>.git` in the name of a clone being removed. */
const REMOVING_MARK = '.removing-';
/** A loose object's file name in its fan-out folder. */
const LOOSE_OBJECT_NAME = /^[0-9a-f]{38}$/;
/**
 * How long an object no ref reaches is kept when a clone's objects are packed: git gc's
 * default grace, which also keeps the commits an undo may point a branch back to.
 */
const UNREACHABLE_GRACE = '2.weeks.ago';

const REMOTE_PREFIX = 'refs/remotes/origin/';
const HEADS_PREFIX = 'refs/heads/';
const ZERO = '0000000000000000000000000000000000000000';

/** Whether `git version` output names at least major.minor. */
export function gitVersionAtLeast(
  output: string,
  major: number,
  minor: number,
): boolean {
  const match = /(\d+)\.(\d+)/.exec(output);
  if (!match) return false;
  const [maj, min] = [Number(match[1]), Number(match[2])];
  return maj > major || (maj === major && min >= minor);
}

export interface GitCliEngineOptions {
  /**
   * Where earlier versions' object writers kept the files they gave git to hash: the folders
   * they left there (`objects-*`, from a process killed mid-write) are removed when the engine
   * starts. Objects are written straight into each clone now; nothing else uses it. Defaults
   * to `.scratch` in `reposDir`.
   */
  scratchDir?: string;
  /** A repository's helper processes close after this long unused. */
  helperIdleMs?: number;
  /** Helpers stay open for at most this many repositories, the least recently used closing first. */
  maxHelperRepos?: number;
  /**
   * A restack's held objects are written as one pack from this many on, else loose
   * (`PACK_MIN_OBJECTS` unless given; tests lower it to pack small restacks too).
   */
  packMinObjects?: number;
  /**
   * Whether picks may be merged by tree entries, without git (see `MergeRouting`); true unless
   * given. Tests turn it off to have git merge every pick and compare.
   */
  entryMerges?: boolean;
}

export const DEFAULT_HELPER_IDLE_MS = 60_000;
export const DEFAULT_MAX_HELPER_REPOS = 8;

/** The service as committer of replayed commits, stamped now (authors keep their own). */
function committerNow(): string {
  return `Stackyard <stackyard@localhost> ${Math.floor(Date.now() / 1000)} +0000`;
}

/**
 * A pack without an index this old is an orphan (see `removeOrphanPacks`): the two renames
 * that make a pack, git's or ours, are microseconds apart.
 */
const ORPHAN_PACK_AGE_MS = 60_000;

/** A full object id, SHA-1 or SHA-256. */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Commits an in-process ancestry walk reads before it leaves the question to git. */
export const ANCESTRY_WALK_LIMIT = 256;

/**
 * Whether `ancestor` is `descendant` or one of its ancestors, found by walking the parents
 * of `descendant` (`parentsOf` gives a commit's parents, or undefined when it cannot read it
 * as a commit): true once it is met, false once the whole history was walked without meeting
 * it, undefined when the walk would read more than `limit` commits or met a commit it could
 * not read (git decides then).
 */
export async function walkToAncestor(
  parentsOf: (oid: string) => Promise<readonly string[] | undefined>,
  ancestor: string,
  descendant: string,
  limit = ANCESTRY_WALK_LIMIT,
): Promise<boolean | undefined> {
  const seen = new Set<string>([descendant]);
  const queue = [descendant];
  for (let read = 0; queue.length > 0; read++) {
    const oid = queue.shift()!;
    if (oid === ancestor) return true;
    if (read >= limit) return undefined;
    const parents = await parentsOf(oid);
    if (!parents) return undefined;
    for (const parent of parents)
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
  }
  return false;
}

/**
 * The conflict of a pick, its files named once each. A file moved aside for a folder is named
 * `path~<side>`, the side as merge-tree was given it: the throw-away base commit stands for the
 * new base, so it is named as that.
 */
function conflictOf(
  branch: string,
  files: readonly string[],
  synthetic: string | undefined,
  onto: string,
): ReplayConflictError {
  const named = (file: string) =>
    synthetic && file.endsWith(`~${synthetic}`)
      ? `${file.slice(0, -synthetic.length)}${onto}`
      : file;
  return new ReplayConflictError(branch, [...new Set(files.map(named))]);
}

/**
 * The git engine on the git command line: a bare clone per repository under `reposDir`,
 * remote branches fetched into refs/remotes/origin/*, replays done in the object database
 * (objects read through one long-running `cat-file --batch`, trees merged by entries in
 * process or by merge-tree, new trees and commits written in process). Works on git 2.38+;
 * on git < 2.40 (no `merge-tree --merge-base`) each pick gets its merge base from a
 * throw-away commit with the new base's tree and the picked commit's parent as its parent:
 * merging that with the pick is exactly the cherry-pick.
 */
export class GitCliEngine implements GitEngine {
  /**
   * What the engine and the views `aborting` makes of it share and change: whether it is
   * closed, and whether this git has `merge-tree --merge-base` (asked once).
   */
  private readonly state: {
    closed: boolean;
    mergeBaseOption?: Promise<boolean>;
  } = { closed: false };
  /** Each repository's long-running helpers, bounded in number and closed when idle. */
  private readonly helpers: HelperPool<RepoHelpers>;
  /** The step this view of the engine works for (see `aborting`); none on the engine itself. */
  private signal: AbortSignal | undefined;

  constructor(
    private readonly reposDir: string,
    private readonly git = new GitRunner(),
    options: GitCliEngineOptions = {},
  ) {
    const scratchDir = options.scratchDir ?? join(reposDir, '.scratch');
    clearScratch(scratchDir);
    clearRemovedClones(reposDir);
    this.helpers = new HelperPool(
      (repoId) =>
        new RepoHelpers(git, this.gitDir(repoId), {
          packMinObjects: options.packMinObjects,
          entryMerges: options.entryMerges,
        }),
      {
        idleMs: options.helperIdleMs ?? DEFAULT_HELPER_IDLE_MS,
        maxEntries: options.maxHelperRepos ?? DEFAULT_MAX_HELPER_REPOS,
      },
    );
  }

  gitDir(repoId: string): string {
    if (!REPO_ID.test(repoId))
      throw new Error(`invalid repo id ${JSON.stringify(repoId)}`);
    return join(this.reposDir, `${repoId}.git`);
  }

  async ensureClone(repoId: string, remoteUrl: string): Promise<void> {
    assertRemoteUrl(remoteUrl);
    const gitDir = this.gitDir(repoId);
    if (!existsSync(join(gitDir, 'HEAD'))) {
      // Made aside and moved into place once whole: a process that dies halfway leaves a
      // folder the next attempt starts again, never a clone without its remote (whose
      // fetch of `origin` would then fail, or read a folder of that name, for ever).
      const partial = `${gitDir}.partial`;
      await rm(partial, { recursive: true, force: true });
      await mkdir(this.reposDir, { recursive: true });
      await this.run(['init', '--quiet', '--bare', partial]);
      await this.run(['remote', 'add', 'origin', remoteUrl], {
        gitDir: partial,
      });
      await this.run(['config', 'gc.auto', '0'], { gitDir: partial });
      await rm(gitDir, { recursive: true, force: true });
      await rename(partial, gitDir);
    }
    await this.fetch(repoId);
  }

  async fetch(repoId: string): Promise<void> {
    try {
      await this.run(['fetch', '--quiet', '--prune', '--no-tags', 'origin'], {
        gitDir: this.gitDir(repoId),
      });
    } catch (error) {
      throw new GitTransientError(
        'fetch',
        error instanceof GitCommandError ? error.stderr : String(error),
      );
    }
  }

  remoteHeads(repoId: string): Promise<Map<string, string>> {
    return this.refs(repoId, REMOTE_PREFIX);
  }

  localHeads(repoId: string): Promise<Map<string, string>> {
    return this.refs(repoId, HEADS_PREFIX);
  }

  private async refs(
    repoId: string,
    prefix: string,
  ): Promise<Map<string, string>> {
    const out = await this.text(
      ['for-each-ref', '--format=%(objectname) %(refname)', prefix],
      { gitDir: this.gitDir(repoId) },
    );
    const heads = new Map<string, string>();
    for (const line of out.split('\n')) {
      if (!line) continue;
      const space = line.indexOf(' ');
      const name = line.slice(space + 1 + prefix.length);
      if (name !== 'HEAD') heads.set(name, line.slice(0, space));
    }
    return heads;
  }

  async mergeBase(
    repoId: string,
    a: string,
    b: string,
  ): Promise<string | undefined> {
    const r = await this.run(['merge-base', '--end-of-options', a, b], {
      gitDir: this.gitDir(repoId),
      okCodes: [1],
    });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /**
   * Asked of the repository's object reader first: a walk back from `descendant` over at
   * most ANCESTRY_WALK_LIMIT commits answers the usual question of a stack (is the branch
   * still on its parent's head, a few commits down) without a git process, which costs a
   * few milliseconds to start; a longer history, or an id the reader does not know, goes to
   * `git merge-base --is-ancestor`.
   */
  async isAncestor(
    repoId: string,
    ancestor: string,
    descendant: string,
  ): Promise<boolean> {
    if (OBJECT_ID.test(ancestor) && OBJECT_ID.test(descendant)) {
      const walked = await this.helpers.use(repoId, (helpers) =>
        walkToAncestor(
          (oid) =>
            helpers.commit(oid).then(
              (commit) => commit.parents,
              (error: unknown) => {
                // A dead reader fails the question; a missing or unreadable commit is git's.
                if (error instanceof GitHelperDiedError) throw error;
                return undefined;
              },
            ),
          ancestor,
          descendant,
        ),
      );
      if (walked !== undefined) return walked;
    }
    const r = await this.run(
      ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant],
      { gitDir: this.gitDir(repoId), okCodes: [1] },
    );
    return r.code === 0;
  }

  async commitsBetween(
    repoId: string,
    from: string,
    to: string,
  ): Promise<string[]> {
    const out = await this.text(
      [
        'rev-list',
        '--reverse',
        '--topo-order',
        '--no-merges',
        '--end-of-options',
        to,
        `^${from}`,
      ],
      { gitDir: this.gitDir(repoId) },
    );
    return out ? out.split('\n') : [];
  }

  /**
   * (from..to] oldest first, walking first parents through the cat-file reader (no process):
   * the usual shape of a stack branch. Falls back to rev-list on a merge or a long walk.
   */
  private async linearRange(
    repoId: string,
    helpers: RepoHelpers,
    from: string,
    to: string,
  ): Promise<string[]> {
    const range: string[] = [];
    for (let at = to; at !== from;) {
      const commit = await helpers.commit(at);
      if (commit.parents.length !== 1 || range.length >= 500) {
        return this.commitsBetween(repoId, from, to);
      }
      range.push(at);
      at = commit.parents[0]!;
    }
    return range.reverse();
  }

  async isMergedByPatch(
    repoId: string,
    from: string,
    to: string,
    upstream: string,
  ): Promise<boolean> {
    const gitDir = this.gitDir(repoId);
    // A branch that changes nothing (empty commits only) has nothing upstream could hold:
    // git cherry would match its empty commits with any empty commit of trunk.
    const diff = await this.run(['diff', '--end-of-options', from, to], {
      gitDir,
    });
    if (!diff.stdout) return false;
    // Rebase merges: every commit has an equivalent upstream.
    const cherry = await this.text(
      ['cherry', '--end-of-options', upstream, to, from],
      {
        gitDir,
      },
    );
    const marks = cherry.split('\n').filter(Boolean);
    if (marks.length > 0 && marks.every((l) => l.startsWith('-'))) return true;
    // Squash merges: the branch's whole diff is one upstream commit's diff.
    const [branchId] = (await this.patchIds(gitDir, diff.stdout)).keys();
    const base = await this.mergeBase(repoId, to, upstream);
    if (!branchId || !base) return false;
    const log = await this.run(
      [
        'log',
        '-p',
        '--no-merges',
        '--format=commit %H',
        '--end-of-options',
        upstream,
        `^${base}`,
      ],
      { gitDir },
    );
    if ((await this.patchIds(gitDir, log.stdout)).has(branchId)) return true;
    // Squashed after part of it reached trunk another way (an earlier version of the
    // branch merged with a child, say): no one trunk commit has the whole patch, but trunk's
    // tree has every path the branch changed as the branch has it.
    return this.helpers.use(repoId, async (helpers) => {
      const treeOf = async (oid: string) => (await helpers.commit(oid)).tree;
      const [base, head, trunk] = await Promise.all(
        [from, to, upstream].map(treeOf),
      );
      return changesContainedIn(this.treeStore(helpers), base!, head!, trunk!);
    });
  }

  private async patchIds(gitDir: string, patch: string): Promise<Set<string>> {
    const out = await this.text(['patch-id', '--stable'], {
      gitDir,
      input: patch,
    });
    return new Set(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]!),
    );
  }

  replay(repoId: string, request: ReplayRequest): Promise<ReplayResult> {
    if (this.state.closed) {
      return Promise.reject(
        new GitHelperDiedError('helpers', 'the engine is closed'),
      );
    }
    // The repository's helpers stay open for the whole replay: none closes mid-use.
    return this.helpers.use(repoId, (helpers) =>
      this.replayWith(repoId, helpers, request),
    );
  }

  /**
   * Runs `work` (replays on the repo) with the objects it writes held in memory, and writes
   * them when it succeeds: as one pack, or as loose files when they are few (see
   * `ObjectWriter.hold`). A merge that needs them first writes what is held so far. When
   * `work` fails, what is held is dropped: nothing has named it to git.
   */
  holdingObjects<R>(repoId: string, work: () => Promise<R>): Promise<R> {
    if (this.state.closed) {
      return Promise.reject(
        new GitHelperDiedError('helpers', 'the engine is closed'),
      );
    }
    return this.helpers.use(repoId, async (helpers) => {
      const objects = helpers.objects();
      // Waits while the work of a step given up on still holds the repo's objects.
      await objects.hold();
      let result: R;
      try {
        result = await work();
      } catch (error) {
        await objects.release(false);
        throw error;
      }
      await objects.release(true);
      return result;
    });
  }

  /**
   * Reads ahead, in a few batches, the objects replaying these ranges will read (see
   * `readAhead`). A hint: it resolves when done and never fails; a replay does not need it.
   */
  async readAhead(
    repoId: string,
    ranges: readonly ReadAheadRange[],
  ): Promise<void> {
    if (this.state.closed || ranges.length === 0) return;
    await this.helpers
      .use(repoId, (helpers) => {
        const trees = this.treeStore(helpers);
        return readAhead(
          {
            commit: (oid) => helpers.commit(oid),
            readTree: (oid) => trees.readTree(oid),
          },
          ranges,
        );
      })
      .catch(() => undefined);
  }

  private async replayWith(
    repoId: string,
    helpers: RepoHelpers,
    request: ReplayRequest,
  ): Promise<ReplayResult> {
    let onto = request.onto;
    let ontoTree = (await helpers.commit(onto)).tree;
    let replayed = 0;
    let dropped = 0;
    for (const oid of await this.linearRange(
      repoId,
      helpers,
      request.from,
      request.to,
    )) {
      // A pick merged by tree entries runs no git: a stopped step stops here.
      throwIfAborted(this.signal);
      const commit = await helpers.commit(oid);
      const parent = commit.parents[0]!;
      if (parent === onto) {
        // Already on the new base: keep the commit as it is.
        onto = oid;
        ontoTree = commit.tree;
        continue;
      }
      const parentTree = (await helpers.commit(parent)).tree;
      // The new base has the parent's tree: the pick's tree is the commit's, as git's merge
      // gives it (which makes the root's modes canonical: a root that has others is merged).
      const tree =
        parentTree === ontoTree &&
        hasCanonicalModes(await this.treeStore(helpers).readTree(commit.tree))
          ? commit.tree
          : await this.pickTree(repoId, helpers, request.branch, {
              onto,
              ontoTree,
              parent,
              parentTree,
              commit: oid,
              commitTree: commit.tree,
            });
      if (tree === ontoTree && commit.tree !== parentTree) {
        dropped++;
        continue;
      }
      onto = await this.writeCommit(helpers, {
        tree,
        parents: [onto],
        author: `${commit.authorName} <${commit.authorEmail}> ${commit.authorDate}`,
        committer: committerNow(),
        message: commit.message,
      });
      ontoTree = tree;
      replayed++;
    }
    return { head: onto, replayed, dropped };
  }

  /**
   * The tree of cherry-picking `commit` (whose parent is `parent`) onto a commit with tree
   * `ontoTree`: the 3-way merge with base = parent. merge-tree finds the merge base itself, so
   * a throw-away commit of `ontoTree` whose parent is `parent` makes that base the right one.
   */
  private async pickTree(
    repoId: string,
    helpers: RepoHelpers,
    branch: string,
    pick: {
      onto: string;
      ontoTree: string;
      parent: string;
      parentTree: string;
      commit: string;
      commitTree: string;
    },
  ): Promise<string> {
    const { onto, ontoTree, parent, parentTree, commit, commitTree } = pick;
    const gitDir = this.gitDir(repoId);
    // Most picks in a restack touch paths the new base did not: merge those by tree entries
    // without starting git, and leave real content merges (and conflicts) to merge-tree. Where
    // picks have just needed git, the next go there first (see `MergeRouting`).
    if (helpers.routing.tryEntriesFirst()) {
      const trivial = await mergeTrees(
        this.treeStore(helpers),
        parentTree,
        ontoTree,
        commitTree,
      );
      if (trivial !== undefined) {
        helpers.routing.entriesMerged();
        return trivial;
      }
      helpers.routing.entriesGaveUp();
    }
    const merged = await this.mergeInHelper(helpers, branch, pick);
    if (merged !== undefined) return merged;
    const synthetic = (await this.hasMergeBaseOption())
      ? undefined
      : await this.syntheticBase(helpers, ontoTree, parent);
    const sides = synthetic
      ? [synthetic, commit]
      : [`--merge-base=${parent}`, onto, commit];
    // git reads the sides from the repository: what of them the restack holds goes there first.
    await helpers.objects().flush(synthetic ? [synthetic] : [onto]);
    const merge = await this.run(
      ['merge-tree', '--write-tree', '--name-only', '--no-messages', ...sides],
      { gitDir, okCodes: [1] },
    );
    const [tree, ...files] = merge.stdout.split('\n');
    if (merge.code === 1)
      throw conflictOf(branch, files.filter(Boolean), synthetic, onto);
    return tree!;
  }

  /**
   * The pick's tree from the repository's long-running merger, or undefined when there is none
   * (no `stdbuf` here) or it died on this merge (the caller then starts a git for it, which
   * says what is wrong, if anything is). Its input takes no merge base on git 2.39, so it
   * merges the throw-away base commit with the pick on every version.
   */
  private async mergeInHelper(
    helpers: RepoHelpers,
    branch: string,
    pick: { onto: string; ontoTree: string; parent: string; commit: string },
  ): Promise<string | undefined> {
    const merger = helpers.merger();
    if (!merger) return undefined;
    // No signal kills a long-running helper: a stopped step must not merge on through it.
    throwIfAborted(this.signal);
    const synthetic = await this.syntheticBase(
      helpers,
      pick.ontoTree,
      pick.parent,
    );
    // git reads the base from the repository: it goes there first, with what it names.
    await helpers.objects().flush([synthetic]);
    let outcome;
    try {
      outcome = await merger.merge(synthetic, pick.commit, this.signal);
    } catch (error) {
      if (error instanceof GitHelperDiedError) return undefined;
      throw error;
    }
    if (!outcome.clean)
      throw conflictOf(branch, outcome.files, synthetic, pick.onto);
    return outcome.tree;
  }

  /** A commit with `ontoTree` whose parent is `parent`: merge-tree then finds `parent` as base. */
  private syntheticBase(
    helpers: RepoHelpers,
    ontoTree: string,
    parent: string,
  ): Promise<string> {
    const stamp = committerNow();
    return this.writeCommit(helpers, {
      tree: ontoTree,
      parents: [parent],
      author: stamp,
      committer: stamp,
      message: 'stackyard: merge base\n',
    });
  }

  /** `merge-tree --merge-base` exists from git 2.40 on. */
  private hasMergeBaseOption(): Promise<boolean> {
    // Shared by every step, so asked without any step's signal: one step's abort must not
    // fail the others waiting on the answer.
    this.state.mergeBaseOption ??= this.git.text(['version']).then(
      (v) => gitVersionAtLeast(v, 2, 40),
      (error: unknown) => {
        // Asked again next time.
        this.state.mergeBaseOption = undefined;
        throw error;
      },
    );
    return this.state.mergeBaseOption;
  }

  async moveRefs(repoId: string, moves: readonly RefMove[]): Promise<void> {
    if (moves.length === 0) return;
    const lines = ['start'];
    for (const m of moves) {
      const ref = `${HEADS_PREFIX}${m.branch}`;
      if (m.to === null) lines.push(`delete ${ref} ${m.from ?? ''}`.trimEnd());
      else lines.push(`update ${ref} ${m.to} ${m.from ?? ZERO}`);
    }
    lines.push('prepare', 'commit', '');
    try {
      await this.run(['update-ref', '--stdin'], {
        gitDir: this.gitDir(repoId),
        input: lines.join('\n'),
      });
    } catch (error) {
      throw new RefMovedError(
        error instanceof GitCommandError ? error.stderr : String(error),
      );
    }
  }

  /** The repos with a clone under `reposDir` (a folder `<repoId>.git` holding a HEAD). */
  async clones(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.reposDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.flatMap((name) => {
      const repoId = CLONE_DIR.exec(name)?.[1];
      return repoId && existsSync(join(this.reposDir, name, 'HEAD'))
        ? [repoId]
        : [];
    });
  }

  /**
   * About how many loose objects the clone holds, estimated as git estimates it for
   * `gc --auto`: those of one fan-out folder (`objects/17`) times 256. One folder read.
   */
  async looseObjects(repoId: string): Promise<number> {
    try {
      const names = await readdir(join(this.gitDir(repoId), 'objects', '17'));
      return names.filter((n) => LOOSE_OBJECT_NAME.test(n)).length * 256;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /**
   * The clone's packs that a repack merges, counted as `git gc --auto` counts them against
   * `gc.autoPackLimit`: every indexed pack but those kept (`.keep`) and cruft packs
   * (`.mtimes`, which hold what no ref reaches). Each restack adds one (see `ObjectWriter`).
   */
  async packs(repoId: string): Promise<number> {
    let names: string[];
    try {
      names = await readdir(join(this.gitDir(repoId), 'objects', 'pack'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const present = new Set(names);
    return names.filter((name) => {
      if (!name.endsWith('.idx')) return false;
      const base = name.slice(0, -'.idx'.length);
      return (
        present.has(`${base}.pack`) &&
        !present.has(`${base}.keep`) &&
        !present.has(`${base}.mtimes`)
      );
    }).length;
  }

  /**
   * Packs the clone's objects and prunes them, as `git gc` does: `git repack -d -l --cruft`
   * puts what its refs reach into one pack and the rest into a cruft pack that keeps each
   * object's time, then `git prune` deletes the loose objects no ref has reached for
   * {@link UNREACHABLE_GRACE} (which the repack leaves loose) and git's temporary files.
   * Clones are made with automatic gc off and every restack writes loose objects, most of
   * which the next restack leaves behind: without this a clone would grow for ever, and each
   * git command on it with it. git makes both safe beside other git work on the same
   * repository (readers find moved objects in the new pack; prune spares young objects), so
   * they need not wait for the repo's jobs. Stopped (their process groups killed) when
   * `signal` aborts; a repack cut off leaves only temporary files, which a later prune removes
   * once they are as old as the grace. First, packs without an index (left by a process
   * killed between a pack's two renames) are removed, since git 2.39's repack stops on them.
   */
  async packObjects(repoId: string, signal: AbortSignal): Promise<void> {
    const gitDir = this.gitDir(repoId);
    await removeOrphanPacks(join(gitDir, 'objects'), ORPHAN_PACK_AGE_MS);
    await this.run(
      [
        'repack',
        '-d',
        '-l',
        '-q',
        '--no-write-bitmap-index',
        '--cruft',
        `--cruft-expiration=${UNREACHABLE_GRACE}`,
      ],
      { gitDir, signal },
    );
    await this.run(['prune', `--expire=${UNREACHABLE_GRACE}`], {
      gitDir,
      signal,
    });
  }

  /**
   * Removes the repo's clone: closes its helpers, moves the folder aside in one rename (a
   * process that dies during the removal leaves no `<repoId>.git` behind, only a folder
   * cleared at the next start, so `ensureClone` clones again cleanly) and deletes it. Call it
   * only while no job works on the repo.
   */
  async removeClone(repoId: string): Promise<void> {
    const gitDir = this.gitDir(repoId);
    await this.helpers.discard(repoId);
    const aside = `${gitDir}${REMOVING_MARK}${randomUUID()}`;
    try {
      await rename(gitDir, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rm(aside, { recursive: true, force: true });
    await rm(`${gitDir}.partial`, { recursive: true, force: true });
  }

  /**
   * A view of this engine for one job step: the same clones, helpers and caches (through the
   * prototype), and `signal`, which every git command it runs carries (so that an abort kills
   * it with its process group and starts none after) and its replays check between picks.
   * Handed on explicitly, not kept in an `AsyncLocalStorage`: on Node 20 any use of one turns
   * on promise hooks for every promise of the process, about 8 % of an accepted request's
   * CPU; and unlike a signal kept per repository, a timed-out step whose work wakes up after
   * the next step began still sees its own.
   */
  aborting(signal: AbortSignal): GitEngine {
    const view = Object.create(this) as GitCliEngine;
    view.signal = signal;
    return view;
  }

  /** git through the runner, with this view's step signal unless `options` has its own. */
  private run(args: readonly string[], options: GitRunOptions = {}) {
    return this.git.run(args, { signal: this.signal, ...options });
  }

  private text(args: readonly string[], options: GitRunOptions = {}) {
    return this.git.text(args, { signal: this.signal, ...options });
  }

  async cleanUpAfterAbort(repoId: string): Promise<string[]> {
    await this.helpers.discard(repoId);
    return removeStaleLocksOf(this.gitDir(repoId));
  }

  async publish(repoId: string, moves: readonly RefMove[]): Promise<void> {
    if (moves.length === 0) return;
    const leases = moves.map(
      (m) => `--force-with-lease=${HEADS_PREFIX}${m.branch}:${m.from ?? ''}`,
    );
    const refspecs = moves.map(
      (m) => `${m.to ?? ''}:${HEADS_PREFIX}${m.branch}`,
    );
    let r: GitResult;
    try {
      r = await this.run(
        ['push', '--atomic', '--porcelain', ...leases, 'origin', ...refspecs],
        { gitDir: this.gitDir(repoId), okCodes: [1] },
      );
    } catch (error) {
      // git ends with 128 when it cannot reach the remote at all ("Could not read from
      // remote repository"), before anything is pushed: as with a fetch, a retry may help.
      if (!(error instanceof GitCommandError)) throw error;
      throw new GitTransientError('push', error.stderr);
    }
    if (r.code === 0) return;
    const text = `${r.stdout}\n${r.stderr}`;
    const stale = r.stdout
      .split('\n')
      .filter(
        (l) =>
          l.startsWith('!') &&
          /stale info|fetch first|non-fast-forward/.test(l),
      )
      .map((l) => l.split('\t')[1]?.split(':')[1] ?? l);
    if (stale.length > 0 || /stale info/.test(text))
      throw new RemoteChangedError(stale);
    throw new GitTransientError('push', r.stderr.trim());
  }

  /** Writes the commit and keeps it parsed, as a read of it would give it. */
  private async writeCommit(
    helpers: RepoHelpers,
    commit: NewCommit,
  ): Promise<string> {
    const text = formatCommit(commit);
    const oid = await helpers.objects().write('commit', text);
    helpers.keepCommit(oid, parseCommit(oid, text));
    return oid;
  }

  private treeStore(helpers: RepoHelpers): TreeStore {
    return {
      readTree: (oid) =>
        oid === EMPTY_TREE
          ? Promise.resolve([])
          : helpers.trees.get(oid, async () => {
              const raw = await helpers.read(oid);
              if (!raw) throw new Error(`tree ${oid} not found`);
              return parseTree(raw);
            }),
      writeTree: async (entries) => {
        const raw = serializeTree(entries);
        const oid = await helpers.objects().write('tree', raw);
        helpers.trees.put(oid, parseTree(raw));
        return oid;
      },
    };
  }

  /** Closes every helper; resolves once their processes are gone. */
  close(): Promise<void> {
    this.state.closed = true;
    return this.helpers.close();
  }
}

/** Removes the clones a killed process was removing (see `removeClone`). */
function clearRemovedClones(reposDir: string): void {
  if (!existsSync(reposDir)) return;
  for (const name of readdirSync(reposDir)) {
    const at = name.indexOf(REMOVING_MARK);
    if (at > 0 && CLONE_DIR.test(name.slice(0, at))) {
      rmSync(join(reposDir, name), { recursive: true, force: true });
    }
  }
}

/** How earlier versions' object writers named their folders in the scratch folder. */
const SCRATCH_PREFIX = 'objects-';

/**
 * Removes the folders earlier versions' object writers left in `scratchDir` when their
 * process was killed. Only folders named as such a writer named them go, so a scratch folder
 * set to a shared place loses nothing else.
 */
function clearScratch(scratchDir: string): void {
  if (!existsSync(scratchDir)) return;
  for (const name of readdirSync(scratchDir)) {
    if (name.startsWith(SCRATCH_PREFIX)) {
      rmSync(join(scratchDir, name), { recursive: true, force: true });
    }
  }
}
