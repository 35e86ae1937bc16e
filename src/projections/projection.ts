import type { RecordedEvent } from '../infrastructure/event-store/event-store.port';

/**
 * The pure half of a projector: which events it reads, which row each one changes, and how
 * the row changes. `evolve` must be total: an event it does not handle returns the row as it
 * was. It never does I/O and never throws.
 */
export interface Projection<Row> {
  readonly name: string;
  /** Event types this projection reads; the runner does not offer it any other. */
  readonly eventTypes: readonly string[];
  /** The key of the row `event` changes, or undefined to ignore the event. */
  keyOf(event: RecordedEvent): string | undefined;
  /** The row after `event`; `null` means the row does not exist (or is deleted). */
  evolve(row: Row | null, event: RecordedEvent): Row | null;
}

/**
 * The I/O half of a projector: loads and stores rows inside the transaction the runner opens,
 * the same one that advances the projector's checkpoint.
 */
export interface ProjectionWriter<Row, Tx> {
  load(tx: Tx, keys: readonly string[]): Promise<Map<string, Row>>;
  /** Upserts rows, deletes keys mapped to null. */
  save(tx: Tx, changes: ReadonlyMap<string, Row | null>): Promise<void>;
}

export interface Projector<Row, Tx> {
  readonly projection: Projection<Row>;
  readonly writer: ProjectionWriter<Row, Tx>;
}

/**
 * The row `events` make from nothing: what the read model will hold for them, without
 * waiting for it. Commands answer with it (a 202 shows the job as a read will).
 */
export const foldRow = <Row>(
  projection: Projection<Row>,
  events: readonly RecordedEvent[],
): Row | null =>
  events.reduce<Row | null>(
    (row, event) => projection.evolve(row, event),
    null,
  );
