import type { MessageMetadata } from '../../domain/message';

/**
 * The expected state of a stream for an append:
 * - a number: the stream's last version must be exactly this (versions start at 0);
 * - `'no_stream'`: the stream must not exist yet;
 * - `'stream_exists'`: the stream must have at least one event;
 * - `'any'`: no check.
 */
export type ExpectedVersion = number | 'no_stream' | 'stream_exists' | 'any';

/** An event to append. `eventId` makes a retried append idempotent; one is made if absent. */
export interface EventToAppend {
  eventId?: string;
  type: string;
  data: object;
  metadata?: MessageMetadata;
}

/** An event as stored. */
export interface RecordedEvent<
  Type extends string = string,
  Data extends object = object,
> {
  eventId: string;
  streamId: string;
  /** 0-based position of the event within its stream. */
  streamVersion: number;
  /** 1-based position in the store's single global order (commit order). */
  globalPosition: number;
  type: Type;
  data: Data;
  metadata: MessageMetadata;
  /** ISO-8601 time the store committed the event. */
  recordedAt: string;
}

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
}

export interface AppendResult {
  /** The stream's last version after the append: pass it as the next expected version. */
  nextExpectedVersion: number;
  /** Global position of each appended event, in order. */
  globalPositions: number[];
  /**
   * The events as the store recorded them (ids, versions, positions, commit time), in order:
   * equal to what a later read of the stream returns for them. Their `data` and `metadata`
   * may be the very objects appended (events are plain JSON): treat them as read-only. For
   * a retried append, the events of the first one.
   */
  events: RecordedEvent[];
}

export interface ReadStreamOptions {
  /** First stream version to return (inclusive); default 0. */
  fromVersion?: number;
  maxCount?: number;
}

/** Which events a global read or subscription returns. Unset fields match everything. */
export interface EventFilter {
  /** Event types to include. */
  types?: readonly string[];
  /** Stream-name prefix, e.g. `repo-action-`. */
  streamPrefix?: string;
}

export interface ReadAllOptions {
  /** First global position to consider (inclusive); default 1. */
  fromPosition?: number;
  /** Most events to return; default 1000. */
  limit?: number;
  filter?: EventFilter;
}

export interface ReadAllPage {
  events: RecordedEvent[];
  /**
   * Where the next read should start. With a filter this may lie beyond the last returned
   * event: every position before it has been looked at.
   */
  nextPosition: number;
  /** True when the page reached the head of the store as it was at read time. */
  isEnd: boolean;
}

export interface SubscribeOptions {
  /** First global position to deliver (inclusive); default 1. */
  fromPosition?: number;
  filter?: EventFilter;
  /** Most events per delivered batch; default 1000. */
  batchSize?: number;
}

/**
 * A catch-up subscription: it reads history from `fromPosition` and then follows live
 * appends, with nothing lost or repeated at the boundary. Iterate it for batches in global
 * order; `close()` ends the iteration.
 */
export interface EventSubscription extends AsyncIterable<RecordedEvent[]> {
  close(): void;
}

/**
 * The event store: the system's source of truth. Appends are atomic per call and checked
 * against the expected version; the global order is the commit order and a reader never
 * sees a gap in it.
 */
export interface EventStore {
  /** Appends events to one stream atomically. Throws `ConcurrencyError` on a version mismatch. */
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  readStream(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>;
  /** The global position of the newest committed event (0 when empty). */
  headPosition(): Promise<number>;
  subscribe(options?: SubscribeOptions): EventSubscription;
  /** Finishes pending appends, ends subscriptions and releases the storage. */
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

/** Whether a store can record events: the outcome of its last write, or of a probe write. */
export type WriteHealth =
  | { writable: true }
  | {
      writable: false;
      /** The storage's error code (`SQLITE_FULL`, `ENOSPC`, …). */
      code: string;
      reason: string;
      /** When writes began to fail. */
      since: string;
    };

/**
 * Readiness of the write side. A store that met a storage failure (disk full, read-only,
 * I/O error) reports it until a later write succeeds; while it does, each check tries a
 * small write of its own, so the report clears once the storage takes writes again even
 * when no command arrives.
 */
export interface StoreWriteHealth {
  checkWritable(): Promise<WriteHealth>;
}

export const STORE_WRITE_HEALTH = Symbol('StoreWriteHealth');
