import { Injectable, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../../domain/domain-error';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import type { TaskRow } from './task.row';
import { TaskEntity } from './task.entity';
import { type TaskResource, toTaskResource } from './task.resource';

@Injectable()
export class TaskQueries {
  constructor(
    private readonly db: DataSource,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  /** The task if it belongs to `orgId`; waits briefly for the projection on a miss. */
  async get(orgId: string, taskId: string): Promise<TaskResource> {
    let row = await this.db.manager.findOneBy(TaskEntity, { taskId });
    if (!row) {
      await this.projections.catchUpToHead();
      row = await this.db.manager.findOneBy(TaskEntity, { taskId });
    }
    if (!row || row.orgId !== orgId) {
      throw new NotFoundError('TASK.NOT_FOUND', `No task ${taskId}`);
    }
    return toTaskResource(row);
  }

  /**
   * The task an `Idempotency-Key` made in a repo, once the read model has caught up with
   * everything committed now; undefined when the key made none.
   */
  async keyHolder(
    repoId: string,
    idempotencyKey: string,
  ): Promise<{ taskId: string; branchName: string } | undefined> {
    await this.projections.catchUpToHead();
    const row = await this.db.manager.findOneBy(TaskEntity, {
      repoId,
      idempotencyKey,
    });
    return row ? { taskId: row.taskId, branchName: row.branchName } : undefined;
  }

  /** A repo's tasks, newest first. */
  async list(
    repoId: string,
    query: { status?: TaskRow['status']; limit: number },
  ): Promise<TaskResource[]> {
    const rows = await this.db.manager.find(TaskEntity, {
      where: {
        repoId,
        ...(query.status !== undefined ? { status: query.status } : {}),
      },
      order: { createdAt: 'DESC', taskId: 'DESC' },
      take: query.limit,
    });
    return rows.map(toTaskResource);
  }
}
