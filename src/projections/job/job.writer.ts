import { In, type EntityManager } from 'typeorm';
import { JobEntity } from '../../read-models/job/job.entity';
import type { ProjectionWriter } from '../projection';
import type { JobRow } from './job.row';

/** SQLite allows 32,766 bound values per statement; stay far below with a row's ~21 columns. */
const CHUNK = 500;
const UPDATABLE = Object.freeze([
  'orgId',
  'repoId',
  'action',
  'branchName',
  'parentBranch',
  'idempotencyKey',
  'status',
  'step',
  'message',
  'progressDone',
  'progressTotal',
  'attempt',
  'cancelRequested',
  'requestedAt',
  'startedAt',
  'finishedAt',
  'updatedAt',
  'result',
  'error',
  'position',
] satisfies (keyof JobRow)[]);

export const jobWriter: ProjectionWriter<JobRow, EntityManager> = {
  async load(tx, keys) {
    const rows = new Map<string, JobRow>();
    for (let i = 0; i < keys.length; i += CHUNK) {
      const found = await tx.find(JobEntity, {
        where: { jobId: In(keys.slice(i, i + CHUNK)) },
      });
      for (const row of found) rows.set(row.jobId, row);
    }
    return rows;
  },

  async save(tx, changes) {
    const upserts: JobRow[] = [];
    const deletes: string[] = [];
    for (const [key, row] of changes) {
      if (row) upserts.push(row);
      else deletes.push(key);
    }
    for (let i = 0; i < upserts.length; i += CHUNK) {
      await tx
        .createQueryBuilder()
        .insert()
        .into(JobEntity)
        .values(upserts.slice(i, i + CHUNK))
        .orUpdate([...UPDATABLE], ['jobId'])
        .execute();
    }
    for (let i = 0; i < deletes.length; i += CHUNK) {
      await tx.delete(JobEntity, { jobId: In(deletes.slice(i, i + CHUNK)) });
    }
  },
};
