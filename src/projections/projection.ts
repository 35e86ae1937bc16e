import {
  narrow,
  type EventKind,
  type StackyardEvent,
  type StackyardEventType,
} from '../domain/events/stackyard-event';
import type { DataSource } from 'typeorm';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.port';
import type { SqliteRowTable } from '../infrastructure/read-model-db/sqlite-row-table';

/** A stored event of one of the types `T`, narrowed to its domain shape. */
export type ProjectedEvent<T extends StackyardEventType> = RecordedEvent &
  Extract<StackyardEvent, { type: T }>;

/**
 * The pure half of a projector: which events it reads (its kind, from the catalogue), which
 * row each one changes, and how the row changes. `evolve` switches over every type of its
 * kind, so a type added to the kind fails the build until it is handled. It never does I/O
 * and never throws.
 */
export interface Projection<Row, T extends StackyardEventType> {
  readonly name: string;
  /** The event types this projection reads; the runner offers it no other. */
  readonly kind: EventKind<T>;
  /** The key of the row `event` changes, or undefined to ignore the event. */
  keyOf(event: ProjectedEvent<T>): string | undefined;
  /** The row after `event`; `null` means the row does not exist (or is deleted). */
  evolve(row: Row | null, event: ProjectedEvent<T>): Row | null;
}

/**
 * The I/O half of a projector: loads and stores rows inside the transaction the runner opens,
 * the same one that advances the projector's checkpoint.
 */
export interface ProjectionWriter<Row, Tx> {
  load(tx: Tx, keys: readonly string[]): Promise<Map<string, Row>>;
  /** Upserts rows, deletes keys mapped to null. */
  save(tx: Tx, changes: ReadonlyMap<string, Row | null>): Promise<void>;
  /**
   * The same loads and saves done synchronously on a SQLite read-model file (prepared
   * statements on its connection), which lets the runner write a batch in one synchronous
   * transaction. A writer without it is always run through `load` and `save`.
   */
  sqlite?(dataSource: DataSource): SqliteRowTable<Row>;
}

export interface Projector<Row, T extends StackyardEventType, Tx> {
  readonly projection: Projection<Row, T>;
  readonly writer: ProjectionWriter<Row, Tx>;
}

/**
 * The row `events` make from nothing: what the read model will hold for them, without
 * waiting for it. Commands answer with it (a 202 shows the job as a read will).
 */
export function foldRow<Row, T extends StackyardEventType>(
  projection: Projection<Row, T>,
  events: readonly RecordedEvent[],
): Row | null {
  let row: Row | null = null;
  for (const recorded of events) {
    const event = narrow(recorded, projection.kind);
    if (event) row = projection.evolve(row, event);
  }
  return row;
}
