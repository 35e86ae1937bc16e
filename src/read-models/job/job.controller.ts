import { Controller, Get, Param, Query, Inject } from '@nestjs/common';
import { Org } from '../../infrastructure/auth/org.decorator';
import { parseInput } from '../../infrastructure/http/parse-body';
import { HistoryQueries } from '../history/history.queries';
import type { JobEventsPageResource } from '../history/history.resource';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { JobEventsQuery, ListJobsQuery, ReadQuery } from '../read-queries.dto';
import { RepoQueries } from '../repo/repo.queries';
import { JobQueries } from './job.queries';
import type { JobPageResource } from './job.resource';
import type { JobResource } from './job.resource';

@Controller()
export class JobController {
  constructor(
    private readonly jobs: JobQueries,
    private readonly repos: RepoQueries,
    private readonly history: HistoryQueries,
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

  /**
   * A job's timeline: the events of its stream as the history keeps them, oldest first.
   * Another org's job is not found, exactly as `GET /jobs/:jobId` answers.
   */
  @Get('jobs/:jobId/events')
  async events(
    @Org() orgId: string,
    @Param('jobId') jobId: string,
    @Query() query: unknown,
  ): Promise<JobEventsPageResource> {
    const parsed = parseInput(JobEventsQuery, query, 'query');
    await this.projections.reach(parsed.minPosition);
    // The position first: every event up to it is in the rows read after.
    const position = this.projections.position;
    await this.jobs.get(orgId, jobId);
    return this.history.ofJob(orgId, jobId, parsed, position);
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
