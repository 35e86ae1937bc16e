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
import { Org } from '../../infrastructure/auth/org.decorator';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { parseInput } from '../../infrastructure/http/parse-body';
import { parseIdempotencyKey } from '../idempotency';
import type { TaskResource } from '../../read-models/task/task.resource';
import { CreateTaskCommand } from './create-task.command';
import { CreateTaskBody } from './create-task.dto';

@Controller('repos/:repoId/tasks')
@UseGuards(AcceptingCommandsGuard)
export class CreateTaskController {
  constructor(private readonly commands: CommandBus) {}

  /**
   * 202 with the task, `pending_branch_attach` or already `ready`; never waits for git. A
   * retry with the same `Idempotency-Key` gets 200 and the same task.
   */
  @Post()
  async create(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaskResource> {
    const input = parseInput(CreateTaskBody, body);
    const idempotencyKey = parseIdempotencyKey(key);
    const { task, replayed } = await this.commands.execute(
      new CreateTaskCommand(orgId, repoId, input, idempotencyKey),
    );
    void reply
      .status(replayed ? 200 : 202)
      .header('location', `/tasks/${task.taskId}`);
    return task;
  }
}
