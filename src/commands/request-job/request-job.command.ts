import { Command } from '@nestjs/cqrs';
import type { ValidActionRequest } from '../../domain/job/job.request';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** What the handler answers: the job's stream, and whether an earlier request with the key made it. */
export interface RequestJobResult {
  jobId: string;
  stream: RecordedEvent[];
  replayed: boolean;
}

export class RequestJobCommand extends Command<RequestJobResult> {
  constructor(
    readonly orgId: string,
    readonly repoId: string,
    readonly request: ValidActionRequest,
    readonly idempotencyKey: string | undefined,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
