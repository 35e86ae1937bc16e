import type { JobEvent } from './job.events';
import type { RepoEvent } from './repo.events';
import type { TaskEvent } from './task.events';

/** Every event type Stackyard writes. */
export type StackyardEvent = RepoEvent | JobEvent | TaskEvent;
export type StackyardEventType = StackyardEvent['type'];

/**
 * The runtime list of known types. The `Record` makes the compiler fail when a type is
 * added to the union and forgotten here.
 */
const known: Record<StackyardEventType, true> = {
  RepoRegistered: true,
  BranchTracked: true,
  BranchReparented: true,
  BranchRestacked: true,
  BranchUntracked: true,
  RepoBranchesObserved: true,
  RepoActionRequested: true,
  RepoActionStarted: true,
  RepoActionStepStarted: true,
  RepoActionProgressed: true,
  RepoActionStepCompleted: true,
  RepoActionRetryScheduled: true,
  RepoActionInterrupted: true,
  RepoActionCancelRequested: true,
  RepoActionCompleted: true,
  RepoActionFailed: true,
  RepoActionCancelled: true,
  TaskCreated: true,
  TaskBranchAttachRequested: true,
  TaskBranchAttached: true,
  TaskBranchAttachFailed: true,
};

export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(
  Object.keys(known),
);

export function isKnownEventType(type: string): type is StackyardEventType {
  return KNOWN_EVENT_TYPES.has(type);
}
