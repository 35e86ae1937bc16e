import { CatFileBatch, type CommitInfo, parseCommit } from './cat-file-batch';
import { GitHelperDiedError } from './git.errors';
import type { GitRunner } from './git-runner';
import { ObjectWriter } from './object-writer';
import { MergeRouting } from './merge-routing';
import { MergeTreeBatch } from './merge-tree-batch';
import { ObjectCache } from './object-cache';
import type { TreeEntry } from './tree-merge';

/**
 * Tree entries a repository's cache holds at most, summed over its trees: about 235 bytes of
 * heap each, so under 8 MiB a repository (the helper pool keeps a few repositories open).
 */
const MAX_TREE_ENTRIES = 32_768;
/** Commits a repository's cache holds at most (a few hundred bytes each). */
const MAX_COMMITS = 4_096;

/**
 * A repository's object reader (one long-running `git cat-file --batch`, started on first
 * use), its merger (one long-running `git merge-tree --stdin`, likewise) and its object
 * writer (in this process, no git involved). A reader found dead
 * (killed, crashed) is replaced by a new one on the next use; the request that was in flight
 * when it died has already failed with `GIT.HELPER_DIED`.
 */
export class RepoHelpers {
  private catFile: CatFileBatch | undefined;
  private mergeTree: MergeTreeBatch | undefined;
  private writer: ObjectWriter | undefined;
  private closed = false;
  /** The repository's trees as read or written in process (see `ObjectCache`). */
  readonly trees = new ObjectCache<readonly TreeEntry[]>(
    MAX_TREE_ENTRIES,
    (entries) => entries.length,
  );
  private readonly commits = new ObjectCache<CommitInfo>(MAX_COMMITS);
  /** Whether the repository's next pick tries the tree-entry merge before git's. */
  readonly routing: MergeRouting;

  constructor(
    private readonly runner: GitRunner,
    private readonly gitDir: string,
    private readonly options: {
      mergeAnswerTimeoutMs?: number;
      packMinObjects?: number;
      entryMerges?: boolean;
    } = {},
  ) {
    this.routing = new MergeRouting(options.entryMerges ?? true);
  }

  reader(): CatFileBatch {
    this.assertOpen('cat-file --batch');
    if (!this.catFile || this.catFile.dead) {
      // A dead reader's process may not have been reaped yet: closing it makes sure it ends.
      void this.catFile?.close();
      this.catFile = new CatFileBatch(this.runner, this.gitDir);
    }
    return this.catFile;
  }

  /**
   * The repository's merger (one long-running `merge-tree --stdin`, started on first use), or
   * undefined where git's answers cannot be had unbuffered (no `stdbuf`, or a merger that never
   * answered): merge with a git process each then.
   */
  merger(): MergeTreeBatch | undefined {
    // One that never answered says `stdbuf` does not unbuffer this git: no more of them.
    if (!this.runner.stdbuf || this.mergeTree?.unanswered) return undefined;
    this.assertOpen('merge-tree --stdin');
    if (!this.mergeTree || this.mergeTree.dead) {
      void this.mergeTree?.close();
      this.mergeTree = new MergeTreeBatch(
        this.runner,
        this.gitDir,
        this.options.mergeAnswerTimeoutMs,
      );
    }
    return this.mergeTree;
  }

  /** The commit `oid`, parsed, read through the reader once. */
  commit(oid: string): Promise<CommitInfo> {
    return this.commits.get(oid, async () => {
      const held = this.writer?.held(oid);
      return held
        ? parseCommit(oid, held.toString('utf8'))
        : this.reader().commit(oid);
    });
  }

  /**
   * An object's content, or undefined if the repository has none: one the writer holds
   * (see `ObjectWriter.hold`), which git cannot see yet, or else through the reader.
   */
  read(oid: string): Promise<Buffer | undefined> {
    const held = this.writer?.held(oid);
    return held ? Promise.resolve(held) : this.reader().read(oid);
  }

  /** Keeps a commit just written, as a read of `oid` would give it. */
  keepCommit(oid: string, commit: CommitInfo): void {
    this.commits.put(oid, commit);
  }

  /** Writes trees and commits into the repository's object database. */
  objects(): ObjectWriter {
    this.assertOpen('object writer');
    return (this.writer ??= new ObjectWriter(this.runner, this.gitDir, {
      packMinObjects: this.options.packMinObjects,
    }));
  }

  /** Resolves once the reader's and the merger's processes are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const reader = this.catFile;
    const merger = this.mergeTree;
    this.catFile = this.mergeTree = this.writer = undefined;
    await Promise.all([reader?.close(), merger?.close()]);
  }

  /** A use still running when its repository's helpers close must not start new ones. */
  private assertOpen(helper: string): void {
    if (this.closed) throw new GitHelperDiedError(helper, 'closed');
  }
}
