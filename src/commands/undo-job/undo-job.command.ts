import { Command } from '@nestjs/cqrs';
import type { RequestJobResult } from '../request-job/request-job.command';

/** Asks for a job that puts back what `jobId` changed; answers as a job request does. */
export class UndoJobCommand extends Command<RequestJobResult> {
  constructor(
    readonly orgId: string,
    readonly jobId: string,
    readonly idempotencyKey: string | undefined,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
