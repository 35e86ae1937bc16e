import { Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { HistoryEntity } from './history.entity';

import type { HistoryPageResource } from './history.resource';

@Injectable()
export class HistoryQueries {
  constructor(private readonly db: DataSource) {}

  /**
   * A repo's timeline, newest first, before a global position. `position` is the read
   * models' position, taken by the caller before the read.
   */
  async list(
    repoId: string,
    query: { limit: number; before?: number },
    position: number,
  ): Promise<HistoryPageResource> {
    const rows = await this.db.manager.find(HistoryEntity, {
      where: {
        repoId,
        ...(query.before !== undefined
          ? { position: LessThan(query.before) }
          : {}),
      },
      order: { position: 'DESC' },
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map((r) => ({
      position: r.position,
      type: r.type,
      at: r.at,
      jobId: r.jobId,
      data: r.data,
    }));
    return {
      items,
      nextBefore: rows.length > query.limit ? items.at(-1)!.position : null,
      position,
    };
  }
}
