import type {
  BranchChange,
  ExecutionPlan,
  RefMove,
} from '../events/job.events';
import type { BranchRestacked, RepoEvent } from '../events/repo.events';
import type { RestackStep } from './restack-planner';

/** A planned step after git replayed it: the head it went onto and the head it produced. */
export interface ReplayedStep {
  step: RestackStep;
  /** The parent's head when the step ran: new if the parent was replayed just before. */
  onto: string;
  head: string;
}

/**
 * The plan of a restack, after the events of `before` (a sync's or a reparent's own). Every
 * replayed branch is recorded as restacked, so that its new base is kept even when replaying
 * changed nothing; only a branch whose head changed gets a ref move and counts as changed.
 */
export function restackPlan(
  replayed: readonly ReplayedStep[],
  jobId: string,
  before: readonly RepoEvent[] = [],
): ExecutionPlan {
  const events: RepoEvent[] = [...before];
  const moves: RefMove[] = [];
  const changed: BranchChange[] = [];
  for (const { step, onto, head } of replayed) {
    const restacked: BranchRestacked = {
      type: 'BranchRestacked',
      data: {
        branch: step.branch,
        baseSha: onto,
        fromSha: step.oldHead,
        toSha: head,
        jobId,
      },
    };
    events.push(restacked);
    if (head === step.oldHead) continue;
    moves.push({ branch: step.branch, from: step.oldHead, to: head });
    changed.push({ branch: step.branch, fromSha: step.oldHead, toSha: head });
  }
  return { moves, events, changed, summary: restackSummary(replayed.length) };
}

/** How a restack of `count` branches reads in the job's summary. */
export function restackSummary(count: number): string {
  return count === 0 ? 'nothing to restack' : `restacked ${count} branch(es)`;
}
