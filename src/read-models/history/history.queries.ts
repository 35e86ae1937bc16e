import { Injectable } from '@nestjs/common';
import { DataSource, In, LessThan, MoreThan } from 'typeorm';
import { JOB_EVENTS } from '../../domain/events/stackyard-event';
import { HistoryEntity } from './history.entity';
import type { HistoryRow } from './history.row';

import type {
  HistoryEntryResource,
  HistoryPageResource,
  JobEventsPageResource,
} from './history.resource';

const toEntry = (r: HistoryRow): HistoryEntryResource => ({
  position: r.position,
  type: r.type,
  at: r.at,
  jobId: r.jobId,
  actor: r.actor ?? null,
  data: r.data,
});

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
    const items = rows.slice(0, query.limit).map(toEntry);
    return {
      items,
      nextBefore: rows.length > query.limit ? items.at(-1)!.position : null,
      position,
    };
  }

  /**
   * One job's events in the history (its own stream's: not the task events that name it),
   * oldest first, after a global position. The caller has checked that the job is the
   * org's; `orgId` is asked of the rows too. `position` as for {@link list}.
   */
  async ofJob(
    orgId: string,
    jobId: string,
    query: { limit: number; after?: number },
    position: number,
  ): Promise<JobEventsPageResource> {
    const rows = await this.db.manager.find(HistoryEntity, {
      where: {
        jobId,
        orgId,
        type: In(JOB_EVENTS.types),
        ...(query.after !== undefined
          ? { position: MoreThan(query.after) }
          : {}),
      },
      order: { position: 'ASC' },
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(toEntry);
    return {
      items,
      nextAfter: rows.length > query.limit ? items.at(-1)!.position : null,
      position,
    };
  }
}
