import { Controller, Get, Param, Query, Inject } from '@nestjs/common';
import { Org } from '../../infrastructure/auth/org.decorator';
import { parseInput } from '../../infrastructure/http/parse-body';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { HistoryQueries } from '../history/history.queries';
import type { HistoryPageResource } from '../history/history.resource';
import { HistoryQuery, ReadQuery } from '../read-queries.dto';
import type { RepoResource } from './repo.resource';
import { RepoQueries } from './repo.queries';

@Controller('repos')
export class RepoController {
  constructor(
    private readonly repos: RepoQueries,
    private readonly history: HistoryQueries,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  @Get()
  async list(
    @Org() orgId: string,
    @Query() query: unknown,
  ): Promise<{ items: RepoResource[] }> {
    const { minPosition } = parseInput(ReadQuery, query, 'query');
    await this.projections.reach(minPosition);
    return { items: await this.repos.list(orgId) };
  }

  /** The stack overview, from the cached projection; never touches git. */
  @Get(':repoId')
  async get(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
    @Query() query: unknown,
  ): Promise<RepoResource> {
    const { minPosition } = parseInput(ReadQuery, query, 'query');
    this.repos.assertVisible(orgId, repoId);
    await this.projections.reach(minPosition);
    return this.repos.get(orgId, repoId);
  }

  @Get(':repoId/history')
  async historyOf(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
    @Query() query: unknown,
  ): Promise<HistoryPageResource> {
    const parsed = parseInput(HistoryQuery, query, 'query');
    this.repos.assertVisible(orgId, repoId);
    await this.projections.reach(parsed.minPosition);
    return this.history.list(repoId, parsed, this.projections.position);
  }
}
