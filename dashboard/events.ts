/**
 * The event types the service sends on SSE (src/domain/events/stackyard-event.ts) and what
 * each one makes the dashboard refresh. The server names every message (`event: <Type>`),
 * so `onmessage` never fires: a listener is registered for each type below.
 * test/dashboard/events.spec.ts keeps these lists equal to the server's.
 */
export const EVENT_TYPES = [
  'RepoRegistered',
  'BranchTracked',
  'BranchReparented',
  'BranchRestacked',
  'BranchUntracked',
  'RepoBranchesObserved',
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
  'TaskCreated',
  'TaskBranchAttachRequested',
  'TaskBranchAttached',
  'TaskBranchAttachFailed',
] as const;

/** The timeline keeps what the history projection keeps: not progress ticks nor observations. */
export const HISTORY_TYPES: ReadonlySet<string> = new Set(
  EVENT_TYPES.filter(
    (t) => t !== 'RepoActionProgressed' && t !== 'RepoBranchesObserved',
  ),
);

/** Events after which the stack overview (tree, shas, markers) may differ. */
export const STACK_TYPES: ReadonlySet<string> = new Set([
  'RepoRegistered',
  'BranchTracked',
  'BranchRestacked',
  'BranchReparented',
  'BranchUntracked',
  'RepoBranchesObserved',
]);

export const FINAL_JOB_TYPES: ReadonlySet<string> = new Set([
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
]);

export const TASK_TYPES: ReadonlySet<string> = new Set([
  'TaskCreated',
  'TaskBranchAttachRequested',
  'TaskBranchAttached',
  'TaskBranchAttachFailed',
]);

export const isJobEvent = (type: string): boolean =>
  type.startsWith('RepoAction');

/** A resource an event may have changed. */
export type Refresh =
  { kind: 'repo' } | { kind: 'tasks' } | { kind: 'job'; jobId: string };

/**
 * What to read again after `event`: its job (every job event), the stack overview (branch
 * changes, observations, and a job's end, which sets the branches' last job), the tasks
 * (task events; the overview too, since it names each branch's task).
 */
export function refreshesOf(event: {
  type: string;
  jobId: string | null;
}): Refresh[] {
  const out: Refresh[] = [];
  if (isJobEvent(event.type) && event.jobId) {
    out.push({ kind: 'job', jobId: event.jobId });
  }
  if (TASK_TYPES.has(event.type)) out.push({ kind: 'tasks' });
  if (
    STACK_TYPES.has(event.type) ||
    FINAL_JOB_TYPES.has(event.type) ||
    TASK_TYPES.has(event.type)
  ) {
    out.push({ kind: 'repo' });
  }
  return out;
}
