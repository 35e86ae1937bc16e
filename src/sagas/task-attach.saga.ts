import type { FinalJobEvent } from '../domain/events/job.events';
import type {
  RecordTaskBranchAttached,
  RecordTaskBranchAttachFailed,
} from '../domain/task/task.decider';

/** What the stack says about the task's branch once its attach job has ended. */
export interface AttachedBranchFacts {
  /** The branch's parent, when the stack tracks it. */
  parent?: string;
  /** The branch head at the last observation of the remote. */
  headSha?: string;
}

/**
 * The job found the branch tracked already, on another parent than the task named (or, in
 * jobs recorded before a register of a tracked branch became a no-op, on any parent):
 * attached all the same, with the parent the stack records.
 */
const ALREADY_TRACKED = 'STACK.ALREADY_TRACKED';

/**
 * The task command that an attach job's end calls for. A job that tracked the branch (or
 * found it tracked) attaches it with the head and parent the stack now records; a failed
 * job passes its code and message on; a cancelled job fails the attach too, so that no
 * task is left pending.
 */
export function attachOutcome(
  end: FinalJobEvent,
  branch: string,
  facts: AttachedBranchFacts,
): RecordTaskBranchAttached | RecordTaskBranchAttachFailed {
  const attached = ():
    RecordTaskBranchAttached | RecordTaskBranchAttachFailed =>
    facts.parent !== undefined && facts.headSha !== undefined
      ? {
          type: 'RecordTaskBranchAttached',
          data: { headSha: facts.headSha, parent: facts.parent },
        }
      : failed(
          'TASK.BRANCH_NOT_TRACKED',
          `The attach job ended but ${branch} is not tracked with a known head`,
        );
  switch (end.type) {
    case 'RepoActionCompleted':
      return attached();
    case 'RepoActionFailed':
      return end.data.code === ALREADY_TRACKED
        ? attached()
        : failed(end.data.code, end.data.message);
    case 'RepoActionCancelled':
      return failed('JOB.CANCELLED', 'The attach job was cancelled');
  }
}

const failed = (
  code: string,
  message: string,
): RecordTaskBranchAttachFailed => ({
  type: 'RecordTaskBranchAttachFailed',
  data: { code, message },
});
