import type { Event } from '../message';

/** Events of the `repo-action-<jobId>` stream: one job. */

export const REPO_ACTIONS = [
  'sync_repo',
  'restack_repo',
  'restack_subtree',
  'rebase_branch',
  'reparent_branch',
  'register_existing_branch',
] as const;
export type RepoActionName = (typeof REPO_ACTIONS)[number];

export const JOB_STEPS = [
  'pre_sync',
  'execute',
  'publish',
  'post_sync',
] as const;
export type JobStep = (typeof JOB_STEPS)[number];

export interface BranchChange {
  branch: string;
  fromSha: string;
  toSha: string;
}

export interface ConflictInfo {
  branch: string;
  files: string[];
}

export type RepoActionRequested = Event<
  'RepoActionRequested',
  {
    jobId: string;
    orgId: string;
    repoId: string;
    action: RepoActionName;
    branchName?: string;
    parentBranch?: string;
    idempotencyKey?: string;
  }
>;

export type RepoActionStarted = Event<
  'RepoActionStarted',
  { attempt: number; worker: string }
>;

export type RepoActionStepStarted = Event<
  'RepoActionStepStarted',
  { step: JobStep }
>;

export type RepoActionProgressed = Event<
  'RepoActionProgressed',
  { step: JobStep; message: string; done?: number; total?: number }
>;

export type RepoActionStepCompleted = Event<
  'RepoActionStepCompleted',
  { step: JobStep; summary: string }
>;

export type RepoActionRetryScheduled = Event<
  'RepoActionRetryScheduled',
  { attempt: number; reason: string; retryAt: string }
>;

export type RepoActionInterrupted = Event<
  'RepoActionInterrupted',
  { attempt: number }
>;

export type RepoActionCancelRequested = Event<
  'RepoActionCancelRequested',
  Record<string, never>
>;

export type RepoActionCompleted = Event<
  'RepoActionCompleted',
  { summary: string; changed: BranchChange[] }
>;

export type RepoActionFailed = Event<
  'RepoActionFailed',
  { code: string; message: string; conflict?: ConflictInfo }
>;

export type RepoActionCancelled = Event<
  'RepoActionCancelled',
  Record<string, never>
>;

export type RepoActionEvent =
  | RepoActionRequested
  | RepoActionStarted
  | RepoActionStepStarted
  | RepoActionProgressed
  | RepoActionStepCompleted
  | RepoActionRetryScheduled
  | RepoActionInterrupted
  | RepoActionCancelRequested
  | RepoActionCompleted
  | RepoActionFailed
  | RepoActionCancelled;
