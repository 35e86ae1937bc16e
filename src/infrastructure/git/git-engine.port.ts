import type { RefMove } from '../../domain/events/job.events';

export interface ReplayRequest {
  /** The branch being replayed, for conflict reports. */
  branch: string;
  /** Exclusive start of the range: commits in (from..to] are replayed. */
  from: string;
  to: string;
  /** The commit the first replayed commit gets as parent. */
  onto: string;
}

export interface ReplayResult {
  /** The new head: `onto` plus the replayed commits. */
  head: string;
  replayed: number;
  /** Commits whose changes `onto` already had (git rebase drops them the same way). */
  dropped: number;
}

/**
 * Git work for stack operations, on one bare clone per repository and without a work tree.
 * Nothing here moves a ref except `moveRefs` (one local transaction) and `publish` (one
 * atomic push); everything else only reads or writes objects.
 */
export interface GitEngine {
  /** Creates the bare clone of `remoteUrl` for `repoId` if there is none, and fetches. */
  ensureClone(repoId: string, remoteUrl: string): Promise<void>;
  /** Fetches every branch of the remote into refs/remotes/origin, pruning deleted ones. */
  fetch(repoId: string): Promise<void>;
  /** Branch heads on the remote as last fetched. */
  remoteHeads(repoId: string): Promise<Map<string, string>>;
  /** Branch heads of the clone's own refs/heads. */
  localHeads(repoId: string): Promise<Map<string, string>>;
  mergeBase(repoId: string, a: string, b: string): Promise<string | undefined>;
  isAncestor(
    repoId: string,
    ancestor: string,
    descendant: string,
  ): Promise<boolean>;
  /** Non-merge commits of (from..to], oldest first. */
  commitsBetween(repoId: string, from: string, to: string): Promise<string[]>;
  /**
   * Whether every change of (from..to] is already in `upstream`: by patch id, as squash or
   * rebase merges leave it, or by tree (each path the branch changed is upstream as the
   * branch has it).
   */
  isMergedByPatch(
    repoId: string,
    from: string,
    to: string,
    upstream: string,
  ): Promise<boolean>;
  /**
   * A hint before replays: the commits in these ranges (from..to] are about to be replayed,
   * onto `onto` where that is known. The engine may read their objects ahead, in batches; it
   * writes nothing, never fails, and a replay does not depend on it.
   */
  readAhead(
    repoId: string,
    ranges: readonly { from: string; to: string; onto?: string }[],
  ): Promise<void>;
  /**
   * Runs `work` (replays on the repo) with the objects it writes kept in memory and written
   * together once it succeeds (a restack's hundreds of new objects: one pack instead of a
   * file each). Resolves once they are in the repository; when `work` fails, they are
   * dropped. Replays inside it see them; git does once it resolves.
   */
  holdingObjects<R>(repoId: string, work: () => Promise<R>): Promise<R>;
  /** Replays commits onto a new base in the object database. Throws `GIT.CONFLICT` first. */
  replay(repoId: string, request: ReplayRequest): Promise<ReplayResult>;
  /** Moves local branch refs in one `update-ref --stdin` transaction, checking every old value. */
  moveRefs(repoId: string, moves: readonly RefMove[]): Promise<void>;
  /**
   * Pushes the moves in one `git push --atomic`, each leased on its `from` as the remote's
   * current value: if the remote moved, nothing changes and `GIT.REMOTE_CHANGED` is thrown.
   */
  publish(repoId: string, moves: readonly RefMove[]): Promise<void>;
  /**
   * After the repo's git work was aborted (a step timed out or was given up) and its killed
   * git processes have exited: closes the repo's long-running helpers, so that a killed or
   * hung one never serves the next job, and removes the lock files the killed processes
   * left, which would fail every later ref update. Returns the locks removed. Call it only
   * while no other git work runs on the repo.
   */
  cleanUpAfterAbort(repoId: string): Promise<string[]>;
  /**
   * The engine for one job step: every git process it starts, down to the engine's own, is
   * killed once `signal` aborts, and none starts after; a replay stops between its picks.
   */
  aborting(signal: AbortSignal): GitEngine;
  close(): Promise<void>;
}
