import type { JobStatus } from '../../domain/job/job-status';
import type {
  AdoptedBranch,
  BranchChange,
  SkippedBranch,
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
  /** The job this `undo` job puts back. */
  undoOf: string | null;
  /**
   * Its plan moves a branch or changes the stack's tracking: once it completed, an undo may
   * be asked for. The undo request decides from the history; this only tells clients to offer it.
   */
  undoable: boolean;
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
  result: {
    changed: BranchChange[];
    adopted?: AdoptedBranch[];
    skipped?: SkippedBranch[];
  } | null;
  error: { code: string; message: string; conflict?: ConflictInfo } | null;
  /** Global position of the last event folded into this row. */
  position: number;
}
