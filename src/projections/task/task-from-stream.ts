import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import type { TaskRow } from '../../read-models/task/task.row';
import { taskProjection } from './task.projection';

/** The task row from its own stream: the read model's answer without waiting for it. */
export const taskFromStream = (
  events: readonly RecordedEvent[],
): TaskRow | null =>
  events.reduce<TaskRow | null>(
    (row, event) => taskProjection.evolve(row, event),
    null,
  );
