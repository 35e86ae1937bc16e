import { Command } from '@nestjs/cqrs';
import type { ValidActionRequest } from '../../domain/job/job.request';
import type { JobResource } from '../../read-models/job/job.resource';

/** What the handler answers: the job, and whether an earlier request with the key made it. */
export interface RequestJobResult {
  job: JobResource;
  replayed: boolean;
}

export class RequestJobCommand extends Command<RequestJobResult> {
  constructor(
    readonly orgId: string,
    readonly repoId: string,
    readonly request: ValidActionRequest,
    readonly idempotencyKey: string | undefined,
  ) {
    super();
  }
}
