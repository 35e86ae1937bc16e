import { jsonOrNull } from '../../infrastructure/read-model-db/upsert-rows';
import { TaskEntity } from '../../read-models/task/task.entity';
import { tableWriter } from '../table-writer';
import type { TaskRow } from '../../read-models/task/task.row';

export const taskWriter = tableWriter<TaskRow>(TaskEntity, 'taskId', {
  table: 'tasks',
  keyColumns: 1,
  columns: [
    'taskId',
    'orgId',
    'repoId',
    'title',
    'branchName',
    'parentBranch',
    'idempotencyKey',
    'status',
    'jobId',
    'headSha',
    'parent',
    'error',
    'createdAt',
    'updatedAt',
    'position',
  ],
  encode: { error: jsonOrNull },
});
