import { Controller, Get, Param, Query } from '@nestjs/common';
import { Org } from '../../infrastructure/auth/org.decorator';
import { parseInput } from '../../infrastructure/http/parse-body';
import { type HistoryPage, HistoryQueries } from '../history/history.queries';
import { HistoryQuery } from '../read-queries.dto';
import type { RepoResource } from './repo.resource';
import { RepoQueries } from './repo.queries';

@Controller('repos')
export class RepoController {
  constructor(
    private readonly repos: RepoQueries,
    private readonly history: HistoryQueries,
  ) {}

  @Get()
  async list(@Org() orgId: string): Promise<{ items: RepoResource[] }> {
    return { items: await this.repos.list(orgId) };
  }

  /** The stack overview, from the cached projection; never touches git. */
  @Get(':repoId')
  get(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
  ): Promise<RepoResource> {
    return this.repos.get(orgId, repoId);
  }

  @Get(':repoId/history')
  historyOf(
    @Org() orgId: string,
    @Param('repoId') repoId: string,
    @Query() query: unknown,
  ): Promise<HistoryPage> {
    const parsed = parseInput(HistoryQuery, query, 'query');
    this.repos.assertVisible(orgId, repoId);
    return this.history.list(repoId, parsed);
  }
}
