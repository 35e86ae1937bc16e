import {
  narrow,
  type StackyardEventType,
} from '../../src/domain/events/stackyard-event';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port';
import type { Projection } from '../../src/projections/projection';

/** One step of a projection over a stored event, as the runner takes it: of its kind, or skipped. */
export function evolveRecorded<Row, T extends StackyardEventType>(
  projection: Projection<Row, T>,
  row: Row | null,
  event: RecordedEvent,
): Row | null {
  const known = narrow(event, projection.kind);
  return known ? projection.evolve(row, known) : row;
}
