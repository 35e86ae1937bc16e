/**
 * The API's resources as the dashboard reads them (the Job, Repo and Task schemas of the
 * document at /docs; the server's own types live in src/read-models). The dashboard is a
 * separate browser program, so it names the wire contract here rather than importing
 * server code.
 */

export type JobStatus =
  'queued' | 'running' | 'completed' | 'error' | 'cancelled';

export const REPO_WIDE_ACTIONS = ['sync_repo', 'restack_repo'] as const;
export const BRANCH_ACTIONS = ['restack_subtree', 'rebase_branch'] as const;
export type ActionName =
  | (typeof REPO_WIDE_ACTIONS)[number]
  | (typeof BRANCH_ACTIONS)[number]
  | 'reparent_branch'
  | 'register_existing_branch';

export interface ActionRequest {
  action: ActionName;
  branchName?: string;
  parentBranch?: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface BranchChange {
  branch: string;
  fromSha: string;
  toSha: string;
}

export interface Job {
  jobId: string;
  repoId: string;
  action: string;
  branchName: string | null;
  parentBranch: string | null;
  taskId?: string | null;
  /** The job this `undo` job puts back. */
  undoOf?: string | null;
  /** Completed with a change that `POST /jobs/:jobId/undo` may put back. */
  undoable?: boolean;
  status: JobStatus;
  step: string | null;
  message: string | null;
  progress: { done: number; total: number } | null;
  attempt: number;
  cancelRequested?: boolean;
  requestedAt: string;
  startedAt?: string | null;
  updatedAt?: string;
  finishedAt: string | null;
  result?: {
    changed: BranchChange[];
    adopted?: Array<{ branch: string; parent: string }>;
    skipped?: Array<{ branch: string; reason: string }>;
  } | null;
  error: {
    code: string;
    message: string;
    conflict?: { branch: string; files: string[] };
  } | null;
}

export interface Branch {
  name: string;
  parent: string;
  sha: string | null;
  needsRestack: boolean;
  taskId: string | null;
  lastJobId: string | null;
}

export interface Repo {
  repoId: string;
  name: string;
  remoteUrl: string;
  trunk: string;
  trunkSha: string | null;
  lastJobId?: string | null;
  branches: Branch[];
  untrackedBranches?: Array<{ name: string; sha: string }>;
  webhookSecretSet?: boolean;
  autoRestack?: boolean;
  lastWebhook?: RepoWebhook | null;
}

/** The last forge delivery a repo received. */
export interface RepoWebhook {
  deliveryId: string;
  event: string;
  receivedAt: string;
  outcome: string;
}

export type TaskStatus = 'pending_branch_attach' | 'ready' | 'attach_failed';

export interface Task {
  taskId: string;
  repoId: string;
  title: string;
  branchName: string;
  status: TaskStatus;
  jobId: string | null;
  headSha: string | null;
  parent: string | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryItem {
  position: number;
  type: string;
  at: string;
  jobId: string | null;
  /** Who caused it (`org:…`, `worker:…`, `system:…`); not on live events. */
  actor?: string | null;
  data: Record<string, unknown>;
}

/** A page of `GET /jobs/:jobId/events`, oldest first. */
export interface JobEventsPage {
  items: HistoryItem[];
  nextAfter: number | null;
  position: number;
}

/** One SSE message's `data` (src/read-models/events/sse.filter.ts). */
export interface LiveEvent extends HistoryItem {
  repoId: string | null;
}
