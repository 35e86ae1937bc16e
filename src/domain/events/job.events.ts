import type { Event, EventOf } from '../message';
import type { RepoEvent } from './repo.events';

/** Events of the `repo-action-<jobId>` stream: one job. */

export const JOB_ACTIONS = [
  'sync_repo',
  'restack_repo',
  'restack_subtree',
  'rebase_branch',
  'reparent_branch',
  'register_existing_branch',
  'adopt_stack',
  'undo',
] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

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
    action: JobAction;
    branchName?: string;
    parentBranch?: string;
    idempotencyKey?: string;
    /** The task this job attaches a branch for (`register_existing_branch` of a task). */
    taskId?: string;
    /** The job an `undo` job puts back (`POST /jobs/:jobId/undo`). */
    undoOf?: string;
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

/**
 * One branch ref to move, as planned and as handed to git: `from` is the value the ref must
 * still have (null creates it), `to` its new value (null deletes it).
 */
export interface RefMove {
  branch: string;
  from: string | null;
  to: string | null;
}

/**
 * What the `execute` step decided, recorded with its completion so that `publish` can run
 * (or run again after a restart) without deciding twice. It is also what a stack operation
 * returns: refs to move (`from` is the remote's head it read), stack events and a summary.
 */
export interface ExecutionPlan {
  moves: RefMove[];
  events: RepoEvent[];
  changed: BranchChange[];
  summary: string;
  /** `adopt_stack`: the branches it tracks, each with the parent it inferred. */
  adopted?: AdoptedBranch[];
  /** `adopt_stack`: the remote branches it left untracked, and why. */
  skipped?: SkippedBranch[];
}

export interface AdoptedBranch {
  branch: string;
  parent: string;
}

/** Why `adopt_stack` leaves a remote branch untracked: its work is in trunk already. */
export type AdoptSkipReason = 'merged' | 'squash_merged';

export interface SkippedBranch {
  branch: string;
  reason: AdoptSkipReason;
}

export type RepoActionStepCompleted = Event<
  'RepoActionStepCompleted',
  { step: JobStep; summary: string; plan?: ExecutionPlan }
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
  {
    summary: string;
    changed: BranchChange[];
    adopted?: AdoptedBranch[];
    skipped?: SkippedBranch[];
  }
>;

export type RepoActionFailed = Event<
  'RepoActionFailed',
  { code: string; message: string; conflict?: ConflictInfo }
>;

export type RepoActionCancelled = Event<
  'RepoActionCancelled',
  Record<string, never>
>;

export type JobEvent =
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

/** Every type of the job stream, in the order a job usually writes them. */
export const JOB_EVENT_TYPES = [
  'RepoActionRequested',
  'RepoActionStarted',
  'RepoActionStepStarted',
  'RepoActionProgressed',
  'RepoActionStepCompleted',
  'RepoActionRetryScheduled',
  'RepoActionInterrupted',
  'RepoActionCancelRequested',
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
] as const satisfies readonly JobEvent['type'][];

/** The events that end a job; nothing follows them in its stream. */
export const FINAL_JOB_EVENT_TYPES = [
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
] as const satisfies readonly JobEvent['type'][];

export type FinalJobEvent = EventOf<
  JobEvent,
  (typeof FINAL_JOB_EVENT_TYPES)[number]
>;
