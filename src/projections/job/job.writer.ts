import { JobEntity } from '../../read-models/job/job.entity';
import {
  booleanAsInt,
  jsonOrNull,
} from '../../infrastructure/read-model-db/upsert-rows';
import { tableWriter } from '../table-writer';
import type { JobRow } from '../../read-models/job/job.row';

export const jobWriter = tableWriter<JobRow>(JobEntity, 'jobId', {
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
    'taskId',
    'undoOf',
    'undoable',
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
    undoable: booleanAsInt,
    result: jsonOrNull,
    error: jsonOrNull,
  },
});
