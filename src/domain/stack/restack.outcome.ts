import type {
  BranchChange,
  ExecutionPlan,
  RefMove,
} from '../events/job.events';
import type { BranchRestacked, RepoEvent } from '../events/repo.events';
import type { RestackStep, SettledBranch } from './restack-planner';

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
 *
 * A `settled` branch (found on its parent's head already) is recorded the same way, as a
 * `BranchRestacked` whose `fromSha` and `toSha` are its unchanged head: the repo stream says
 * "base recorded, head kept" with exactly that shape whenever a replay leaves a head as it
 * was, and every reader (the stack fold, the overview, the history) already takes it so. A
 * new event type would be a second way to say the same thing. It moves no ref, is not a
 * changed branch and is not counted as restacked.
 */
export function restackPlan(
  replayed: readonly ReplayedStep[],
  jobId: string,
  before: readonly RepoEvent[] = [],
  settled: readonly SettledBranch[] = [],
): ExecutionPlan {
  const events: RepoEvent[] = [...before];
  const moves: RefMove[] = [];
  const changed: BranchChange[] = [];
  const restacked = (
    branch: string,
    baseSha: string,
    fromSha: string,
    toSha: string,
  ): BranchRestacked => ({
    type: 'BranchRestacked',
    data: { branch, baseSha, fromSha, toSha, jobId },
  });
  for (const { step, onto, head } of replayed) {
    events.push(restacked(step.branch, onto, step.oldHead, head));
    if (head === step.oldHead) continue;
    moves.push({ branch: step.branch, from: step.oldHead, to: head });
    changed.push({ branch: step.branch, fromSha: step.oldHead, toSha: head });
  }
  for (const { branch, base, head } of settled)
    events.push(restacked(branch, base, head, head));
  return { moves, events, changed, summary: restackSummary(replayed.length) };
}

/** How a restack of `count` branches reads in the job's summary. */
export function restackSummary(count: number): string {
  return count === 0 ? 'nothing to restack' : `restacked ${count} branch(es)`;
}
