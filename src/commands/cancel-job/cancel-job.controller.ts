import { Controller, Param, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { jobProjection } from '../../projections/job/job.projection';
import { foldRow } from '../../projections/projection';
import {
  type JobResource,
  toJobResource,
} from '../../read-models/job/job.resource';
import { CancelJobCommand } from './cancel-job.command';

@Controller('jobs/:jobId/cancel')
@UseGuards(AcceptingCommandsGuard)
export class CancelJobController {
  constructor(private readonly commands: CommandBus) {}

  /** 200 with the job `cancelled` when it had not started; 202 when a running job was asked to stop. */
  @Post()
  async cancel(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('jobId') jobId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResource> {
    const stream = await this.commands.execute(
      new CancelJobCommand(orgId, jobId, requestId),
    );
    const job = toJobResource(foldRow(jobProjection, stream)!);
    void reply.status(job.status === 'cancelled' ? 200 : 202);
    return job;
  }
}
