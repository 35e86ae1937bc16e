/** How far the read models have folded the store, as the projector that writes them reports it. */
export interface ReadModelLag {
  /** The global position every read model has reached. */
  position: number;
  /** The newest position in the store. */
  head: number;
  lag: number;
}

/**
 * What the read side needs to know of the projector that writes it: where it is, how to
 * wait for it (read-your-writes after a 202, or after an event seen on SSE) and whether it
 * has stopped. The projections implement it; queries and read controllers depend only on
 * this port, so the read side never imports the code that writes it.
 */
export interface ReadModelProgress {
  /** The lowest position every read model has reached. */
  readonly position: number;
  /**
   * Whether this instance writes the read models: always on SQLite; where instances share a
   * database, only the holder of the projections lease (the others follow its checkpoints).
   */
  readonly writer: boolean;
  /** The error that stopped the projector, if one did. */
  readonly failure: Error | undefined;
  /** Waits (at most `maxWaitMs`) until the read models include everything committed now. */
  catchUpToHead(maxWaitMs?: number): Promise<void>;
  /** Waits (at most `maxWaitMs`) until the read models include the event at `position`. */
  reach(position: number | undefined, maxWaitMs?: number): Promise<void>;
  lag(): Promise<ReadModelLag>;
}

export const READ_MODEL_PROGRESS = Symbol('ReadModelProgress');
