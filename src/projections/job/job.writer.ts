import { In, type EntityManager } from 'typeorm';
import { JobEntity } from '../../read-models/job/job.entity';
import {
  booleanAsInt,
  jsonOrNull,
  upsertRows,
  type UpsertSpec,
} from '../../infrastructure/read-model-db/upsert-rows';
import type { ProjectionWriter } from '../projection';
import type { JobRow } from './job.row';

/** Keys per `IN (...)` lookup. */
const CHUNK = 500;

const JOB_UPSERT: UpsertSpec<JobRow> = {
  table: 'jobs',
  keyColumns: 1,
  columns: [
    'jobId',
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
  ],
  encode: {
    cancelRequested: booleanAsInt,
    result: jsonOrNull,
    error: jsonOrNull,
  },
};

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
    await upsertRows(tx, JOB_UPSERT, upserts);
    for (let i = 0; i < deletes.length; i += CHUNK) {
      await tx.delete(JobEntity, { jobId: In(deletes.slice(i, i + CHUNK)) });
    }
  },
};
