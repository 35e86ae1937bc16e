import { Controller, Get, Param, Query } from '@nestjs/common';
import { Org } from '../../infrastructure/auth/org.decorator';
import { parseInput } from '../../infrastructure/http/parse-body';
import { ListJobsQuery } from '../read-queries.dto';
import { RepoQueries } from '../repo/repo.queries';
import { type JobPage, JobQueries } from './job.queries';
import type { JobResource } from './job.resource';

@Controller()
export class JobController {
  constructor(
    private readonly jobs: JobQueries,
    private readonly repos: RepoQueries,
  ) {}

  @Get('jobs/:jobId')
  get(
    @Org() orgId: string,
    @Param('jobId') jobId: string,
  ): Promise<JobResource> {
    return this.jobs.get(orgId, jobId);
  }

  @Get('repos/:repoId/jobs')
  list(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
    @Query() query: unknown,
  ): Promise<JobPage> {
    const parsed = parseInput(ListJobsQuery, query, 'query');
    this.repos.assertVisible(orgId, repoId);
    return this.jobs.list(repoId, parsed);
  }
}
