import {
  Controller,
  Headers,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import type { JobResource } from '../../read-models/job/job.resource';
import { answerQueuedJob } from '../job-answer.controller';
import { parseIdempotencyKey } from '../idempotency';
import { UndoJobCommand } from './undo-job.command';

@Controller('jobs/:jobId/undo')
@UseGuards(AcceptingCommandsGuard)
export class UndoJobController {
  constructor(private readonly commands: CommandBus) {}

  /** 202 with the queued `undo` job; a retry with the same `Idempotency-Key` gets 200 and the same job. */
  @Post()
  async undo(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('jobId') jobId: string,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResource> {
    const idempotencyKey = parseIdempotencyKey(key);
    const result = await this.commands.execute(
      new UndoJobCommand(orgId, jobId, idempotencyKey, requestId),
    );
    return answerQueuedJob(reply, result);
  }
}
