import {
  ALL_EVENTS,
  FINAL_JOB_EVENTS,
  JOB_EVENTS,
  REPO_EVENTS,
  TASK_EVENTS,
  TIMELINE_EVENTS,
} from './catalogue.js';

/**
 * The event types the service sends on SSE and what each one makes the dashboard refresh.
 * The server names every message (`event: <Type>`), so `onmessage` never fires: a listener
 * is registered for each type. The lists come from the service's own catalogue
 * (`catalogue.js`), never written here.
 */
export const EVENT_TYPES: readonly string[] = ALL_EVENTS.types;

/** The timeline keeps what the history projection keeps: not progress ticks nor observations. */
export const HISTORY_TYPES = TIMELINE_EVENTS;

/** Events after which the stack overview (tree, shas, markers) may differ. */
const STACK_TYPES = REPO_EVENTS;

/** A forge's delivery: the repo's last delivery, and maybe a branch's head. */
const HOOK_DELIVERY = 'WebhookDeliveryReceived';

export const isJobEvent = (type: string): boolean => JOB_EVENTS.has(type);

/**
 * What the side's repo list shows (names, tracked counts) changes with these: a repo
 * registered anywhere in the org, a branch tracked or untracked.
 */
const REPO_LIST_TYPES: ReadonlySet<string> = new Set([
  'RepoRegistered',
  'BranchTracked',
  'BranchUntracked',
]);

/** The types the org-wide stream listens to for the repo list (those the catalogue has). */
export const REPO_LIST_EVENTS: readonly string[] = EVENT_TYPES.filter((type) =>
  REPO_LIST_TYPES.has(type),
);

/** A job's own events that its timeline keeps (not its progress ticks). */
export const isJobTimelineEvent = (type: string): boolean =>
  JOB_EVENTS.has(type) && TIMELINE_EVENTS.has(type);

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
  if (TASK_EVENTS.has(event.type)) out.push({ kind: 'tasks' });
  if (
    STACK_TYPES.has(event.type) ||
    event.type === HOOK_DELIVERY ||
    FINAL_JOB_EVENTS.has(event.type) ||
    TASK_EVENTS.has(event.type)
  ) {
    out.push({ kind: 'repo' });
  }
  return out;
}
