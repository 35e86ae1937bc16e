import {
  Body,
  Controller,
  Headers,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { validateActionRequest } from '../../domain/job/job.request';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { parseInput } from '../../infrastructure/http/parse-body';
import { parseIdempotencyKey } from '../idempotency';
import type { JobResource } from '../../read-models/job/job.resource';
import { answerQueuedJob } from '../job-answer.controller';
import { RequestJobCommand } from './request-job.command';
import { RequestJobBody } from './request-job.dto';

@Controller('repos/:repoId/actions')
@UseGuards(AcceptingCommandsGuard)
export class RequestJobController {
  constructor(private readonly commands: CommandBus) {}

  /** 202 with the queued job; a retry with the same `Idempotency-Key` gets 200 and the same job. */
  @Post()
  async request(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResource> {
    const input = parseInput(RequestJobBody, body);
    const idempotencyKey = parseIdempotencyKey(key);
    const result = await this.commands.execute(
      new RequestJobCommand(
        orgId,
        repoId,
        validateActionRequest(input),
        idempotencyKey,
        requestId,
      ),
    );
    return answerQueuedJob(reply, result);
  }
}
