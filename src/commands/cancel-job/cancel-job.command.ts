import { Command } from '@nestjs/cqrs';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** Answers the job's stream after the cancel. */
export class CancelJobCommand extends Command<RecordedEvent[]> {
  constructor(
    readonly orgId: string,
    readonly jobId: string,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
