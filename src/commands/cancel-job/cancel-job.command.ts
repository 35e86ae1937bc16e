import { Command } from '@nestjs/cqrs';
import type { JobResource } from '../../read-models/job/job.resource';

export class CancelJobCommand extends Command<JobResource> {
  constructor(
    readonly orgId: string,
    readonly jobId: string,
  ) {
    super();
  }
}
