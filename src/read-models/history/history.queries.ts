import { Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { HistoryEntity } from './history.entity';

export interface HistoryItem {
  position: number;
  type: string;
  at: string;
  jobId: string | null;
  data: object;
}

export interface HistoryPage {
  items: HistoryItem[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
  /**
   * The read models' position when the page was read: every timeline event up to it is in
   * the page or an older one, so a live stream may resume after it.
   */
  position: number;
}

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
  ): Promise<HistoryPage> {
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
