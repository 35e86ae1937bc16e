import { Injectable, Inject } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, LessThan } from 'typeorm';
import { NotFoundError, ValidationError } from '../../domain/domain-error';
import type { JobAction } from '../../domain/events/job.events';
import type { JobStatus } from '../../domain/job/job-status';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { JobEntity } from './job.entity';
import {
  type JobPageResource,
  type JobResource,
  toJobResource,
} from './job.resource';

/** Cursor: the (requestedAt, jobId) of the last job of a page, base64url JSON. */
const encodeCursor = (job: JobResource): string =>
  Buffer.from(JSON.stringify([job.requestedAt, job.jobId])).toString(
    'base64url',
  );

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(
      Buffer.from(cursor, 'base64url').toString(),
    );
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((v) => typeof v === 'string')
    )
      return value as [string, string];
  } catch {
    // fall through to the coded error
  }
  throw new ValidationError(
    'REQUEST.INVALID_CURSOR',
    'cursor is not one this API gave out',
  );
}

@Injectable()
export class JobQueries {
  constructor(
    private readonly db: DataSource,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  /** The job if it belongs to `orgId`; waits briefly for the projection on a miss. */
  async get(orgId: string, jobId: string): Promise<JobResource> {
    let row = await this.db.manager.findOneBy(JobEntity, { jobId });
    if (!row) {
      await this.projections.catchUpToHead();
      row = await this.db.manager.findOneBy(JobEntity, { jobId });
    }
    if (!row || row.orgId !== orgId) {
      throw new NotFoundError('JOB.NOT_FOUND', `No job ${jobId}`);
    }
    return toJobResource(row);
  }

  /** A repo's jobs, newest first; only those of `status` and `action` when given. */
  async list(
    repoId: string,
    query: {
      status?: JobStatus;
      action?: JobAction;
      limit: number;
      cursor?: string;
    },
  ): Promise<JobPageResource> {
    const base: FindOptionsWhere<JobEntity> = {
      repoId,
      ...(query.status ? { status: query.status } : {}),
      ...(query.action ? { action: query.action } : {}),
    };
    let where: FindOptionsWhere<JobEntity>[] = [base];
    if (query.cursor) {
      const [requestedAt, jobId] = decodeCursor(query.cursor);
      where = [
        { ...base, requestedAt: LessThan(requestedAt) },
        { ...base, requestedAt, jobId: LessThan(jobId) },
      ];
    }
    const rows = await this.db.manager.find(JobEntity, {
      where,
      order: { requestedAt: 'DESC', jobId: 'DESC' },
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(toJobResource);
    return {
      items,
      nextCursor:
        rows.length > query.limit ? encodeCursor(items.at(-1)!) : null,
    };
  }
}
