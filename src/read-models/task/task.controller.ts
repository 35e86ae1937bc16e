import { Controller, Get, Param, Query, Inject } from '@nestjs/common';
import { Org } from '../../infrastructure/auth/org.decorator';
import { parseInput } from '../../infrastructure/http/parse-body';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { ListTasksQuery, ReadQuery } from '../read-queries.dto';
import { RepoQueries } from '../repo/repo.queries';
import { TaskQueries } from './task.queries';
import type { TaskResource } from './task.resource';

@Controller()
export class TaskController {
  constructor(
    private readonly tasks: TaskQueries,
    private readonly repos: RepoQueries,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  @Get('tasks/:taskId')
  async get(
    @Org() orgId: string,
    @Param('taskId') taskId: string,
    @Query() query: unknown,
  ): Promise<TaskResource> {
    const { minPosition } = parseInput(ReadQuery, query, 'query');
    await this.projections.reach(minPosition);
    return this.tasks.get(orgId, taskId);
  }

  @Get('repos/:repoId/tasks')
  async list(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
    @Query() query: unknown,
  ): Promise<{ items: TaskResource[] }> {
    const parsed = parseInput(ListTasksQuery, query, 'query');
    this.repos.assertVisible(orgId, repoId);
    await this.projections.reach(parsed.minPosition);
    return { items: await this.tasks.list(repoId, parsed) };
  }
}
