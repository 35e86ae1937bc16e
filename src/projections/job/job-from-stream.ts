import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import type { JobRow } from '../../read-models/job/job.row';
import { jobProjection } from './job.projection';

/** The job row from its own stream: the read model's answer without waiting for it. */
export const jobFromStream = (
  events: readonly RecordedEvent[],
): JobRow | null =>
  events.reduce<JobRow | null>(
    (row, event) => jobProjection.evolve(row, event),
    null,
  );
