import type { JobStatus } from '../../domain/job/job-status';
import type {
  BranchChange,
  ConflictInfo,
  JobStep,
  JobAction,
} from '../../domain/events/job.events';

/** One job as the read model keeps it. Field names follow the job resource of the API. */
export interface JobRow {
  jobId: string;
  orgId: string;
  repoId: string;
  action: JobAction;
  branchName: string | null;
  parentBranch: string | null;
  idempotencyKey: string | null;
  /** The task whose branch this job attaches, if any. */
  taskId: string | null;
  status: JobStatus;
  step: JobStep | null;
  message: string | null;
  progressDone: number | null;
  progressTotal: number | null;
  attempt: number;
  cancelRequested: boolean;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  result: { changed: BranchChange[] } | null;
  error: { code: string; message: string; conflict?: ConflictInfo } | null;
  /** Global position of the last event folded into this row. */
  position: number;
}
