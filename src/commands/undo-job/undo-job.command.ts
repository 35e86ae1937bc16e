import { Command } from '@nestjs/cqrs';
import type { RequestJobResult } from '../request-job/request-job.command';

/** Asks for a job that puts back what `jobId` changed; answers as a job request does. */
export class UndoJobCommand extends Command<RequestJobResult> {
  constructor(
    readonly orgId: string,
    readonly jobId: string,
    readonly idempotencyKey: string | undefined,
  ) {
    super();
  }
}
