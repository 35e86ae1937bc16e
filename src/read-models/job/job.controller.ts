import { Controller, Get, Param, Query, Inject } from '@nestjs/common';
import { Org } from '../../infrastructure/auth/org.decorator';
import { parseInput } from '../../infrastructure/http/parse-body';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { ListJobsQuery, ReadQuery } from '../read-queries.dto';
import { RepoQueries } from '../repo/repo.queries';
import { JobQueries } from './job.queries';
import type { JobPageResource } from './job.resource';
import type { JobResource } from './job.resource';

@Controller()
export class JobController {
  constructor(
    private readonly jobs: JobQueries,
    private readonly repos: RepoQueries,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  @Get('jobs/:jobId')
  async get(
    @Org() orgId: string,
    @Param('jobId') jobId: string,
    @Query() query: unknown,
  ): Promise<JobResource> {
    const { minPosition } = parseInput(ReadQuery, query, 'query');
    await this.projections.reach(minPosition);
    return this.jobs.get(orgId, jobId);
  }

  @Get('repos/:repoId/jobs')
  async list(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
    @Query() query: unknown,
  ): Promise<JobPageResource> {
    const parsed = parseInput(ListJobsQuery, query, 'query');
    this.repos.assertVisible(orgId, repoId);
    await this.projections.reach(parsed.minPosition);
    return this.jobs.list(repoId, parsed);
  }
}
