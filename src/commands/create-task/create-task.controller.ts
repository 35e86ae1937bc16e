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
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { parseInput } from '../../infrastructure/http/parse-body';
import { parseIdempotencyKey } from '../idempotency';
import { foldRow } from '../../projections/projection';
import { taskProjection } from '../../projections/task/task.projection';
import { RepoQueries } from '../../read-models/repo/repo.queries';
import { TaskQueries } from '../../read-models/task/task.queries';
import {
  type TaskResource,
  toTaskResource,
} from '../../read-models/task/task.resource';
import { CreateTaskCommand } from './create-task.command';
import { CreateTaskBody } from './create-task.dto';

@Controller('repos/:repoId/tasks')
@UseGuards(AcceptingCommandsGuard)
export class CreateTaskController {
  constructor(
    private readonly commands: CommandBus,
    private readonly repos: RepoQueries,
    private readonly tasks: TaskQueries,
  ) {}

  /**
   * 202 with the task, `pending_branch_attach` or already `ready`; never waits for git. A
   * retry with the same `Idempotency-Key` gets 200 and the same task.
   */
  @Post()
  async create(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('repoId') repoId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaskResource> {
    const input = parseInput(CreateTaskBody, body);
    const idempotencyKey = parseIdempotencyKey(key);
    // The cheap 404 before the read side is asked anything.
    this.repos.assertVisible(orgId, repoId);
    const { taskId, stream, replayed } = await this.commands.execute(
      new CreateTaskCommand(
        orgId,
        repoId,
        input,
        idempotencyKey,
        {
          keyHolder:
            idempotencyKey === undefined
              ? undefined
              : await this.tasks.keyHolder(repoId, idempotencyKey),
          knownBranch: await this.repos.knownBranch(repoId, input.branchName),
        },
        requestId,
      ),
    );
    void reply
      .status(replayed ? 200 : 202)
      .header('location', `/tasks/${taskId}`);
    return toTaskResource(foldRow(taskProjection, stream)!);
  }
}
