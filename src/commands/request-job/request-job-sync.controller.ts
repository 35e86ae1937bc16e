import { Body, Controller, Inject, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { FINAL_JOB_EVENTS } from '../../domain/events/stackyard-event';
import { validateActionRequest } from '../../domain/job/job.request';
import { jobStream } from '../../domain/streams';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { parseInput } from '../../infrastructure/http/parse-body';
import { JobQueries } from '../../read-models/job/job.queries';
import type { JobResource } from '../../read-models/job/job.resource';
import { RequestJobCommand } from './request-job.command';
import { RequestJobBody } from './request-job.dto';

/**
 * The old design, kept only as the reference of `npm run bench:accept`: the request is held
 * open until its job has ended. Mounted only with STACKYARD_BENCH_ROUTES=1.
 */
@Controller('bench/repos/:repoId/actions-sync')
export class RequestJobSyncController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly jobs: JobQueries,
  ) {}

  @Post()
  async requestAndWait(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
    @Body() body: unknown,
  ): Promise<JobResource> {
    const input = parseInput(RequestJobBody, body);
    // Everything the job will write comes after the present head.
    const from = (await this.store.headPosition()) + 1;
    const { jobId } = await this.commands.execute(
      new RequestJobCommand(
        orgId,
        repoId,
        validateActionRequest(input),
        undefined,
        requestId,
      ),
    );
    const stream = jobStream(jobId);
    const subscription = this.store.subscribe({
      fromPosition: from,
      filter: { streamPrefix: stream },
    });
    try {
      for await (const batch of subscription)
        if (
          batch.some(
            (e) => e.streamId === stream && FINAL_JOB_EVENTS.has(e.type),
          )
        )
          break;
    } finally {
      subscription.close();
    }
    return this.jobs.get(orgId, jobId);
  }
}
