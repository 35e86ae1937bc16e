/**
 * Where a follower of the store (a saga, the repo directory) last stood, and what it had
 * folded by then: its state as a function of the store's events up to `position` and of
 * nothing else. Any instance that follows the same events computes the same state for the
 * same position, so any may write it, and a checkpoint only ever moves forward.
 *
 * A checkpoint is a cache, never the truth: losing one (a deleted or rebuilt read-model
 * database) costs one fold of the history at the next start, nothing else.
 */
export interface FollowerCheckpoint {
  /** The global position of the last event folded into `state`. */
  position: number;
  /** The id of the event at `position`: proves the checkpoint belongs to this store. */
  eventId: string;
  /** The follower's state's format; a checkpoint of another format is not used. */
  version: number;
  /** The follower's state, plain JSON. */
  state: unknown;
}

export interface FollowerCheckpoints {
  load(name: string): Promise<FollowerCheckpoint | undefined>;
  /** Stores the checkpoint unless one at the same or a later position is stored already. */
  save(name: string, checkpoint: FollowerCheckpoint): Promise<void>;
}

export const FOLLOWER_CHECKPOINTS = Symbol('FollowerCheckpoints');

/** Checkpoints kept in memory: for tests, and for tools that start and stop in one process. */
export class InMemoryFollowerCheckpoints implements FollowerCheckpoints {
  private readonly stored = new Map<string, string>();
  /** Saves that moved a checkpoint; lets tests see when one was written. */
  saves = 0;

  load(name: string): Promise<FollowerCheckpoint | undefined> {
    const text = this.stored.get(name);
    return Promise.resolve(
      text === undefined ? undefined : (JSON.parse(text) as FollowerCheckpoint),
    );
  }

  save(name: string, checkpoint: FollowerCheckpoint): Promise<void> {
    const current = this.stored.get(name);
    if (
      current === undefined ||
      (JSON.parse(current) as FollowerCheckpoint).position < checkpoint.position
    ) {
      // Stored as text, as a database would: nothing the follower still holds is shared.
      this.stored.set(name, JSON.stringify(checkpoint));
      this.saves++;
    }
    return Promise.resolve();
  }
}
