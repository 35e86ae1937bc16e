import type { TaskStatus } from '../../domain/task/task.state';

/** One task as the read model keeps it. Field names follow the task resource of the API. */
export interface TaskRow {
  taskId: string;
  orgId: string;
  repoId: string;
  title: string;
  branchName: string;
  parentBranch: string | null;
  idempotencyKey: string | null;
  status: Exclude<TaskStatus, 'absent'>;
  jobId: string | null;
  headSha: string | null;
  parent: string | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  /** Global position of the last event folded into this row. */
  position: number;
}
