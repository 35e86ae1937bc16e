import { v5 as uuidv5 } from 'uuid';
import type { ExecutionPlan } from '../events/job.events';
import type { RepoEvent } from '../events/repo.events';
import { emptyStack, evolveStack } from '../stack/stack.evolve';
import { ConflictError, NotFoundError } from '../domain-error';
import { type JobEffect, jobChangedSomething } from '../stack/undo.decision';
import type { JobState } from './job.state';

/** Namespace of the ids of repo events a job appends: a re-run appends them only once. */
const JOB_REPO_EVENT_IDS = '9d7e5c3a-1b2f-4e6d-8a0c-5f4e3d2c1b0a';

/** The id of the `index`-th stack event a job records in its repo's stream. */
export const jobRepoEventId = (jobId: string, index: number): string =>
  uuidv5(`${jobId}:${index}`, JOB_REPO_EVENT_IDS);

/**
 * What a completed job changed, from its plan and its repo's stream: the stack before it is
 * the fold of the repo events recorded before the job's first stack event (found by its id).
 */
export function jobEffectOf(
  jobId: string,
  plan: Pick<ExecutionPlan, 'moves' | 'events'>,
  repoEvents: Iterable<RepoEvent & { eventId: string }>,
): JobEffect {
  const first = plan.events.length > 0 ? jobRepoEventId(jobId, 0) : undefined;
  let before = emptyStack();
  for (const event of repoEvents) {
    if (event.eventId === first) break;
    before = evolveStack(before, event);
  }
  return { jobId, plan, before };
}

/**
 * The plan of a job that may be undone: it exists for `orgId` (else `JOB.NOT_FOUND`, as for
 * another org's job) and completed (else `UNDO.JOB_NOT_COMPLETED`).
 */
export function undoablePlan(
  jobId: string,
  orgId: string,
  state: JobState,
): Pick<ExecutionPlan, 'moves' | 'events'> & { repoId: string } {
  if (state.request?.orgId !== orgId) {
    throw new NotFoundError('JOB.NOT_FOUND', `No job ${jobId}`);
  }
  if (state.phase !== 'completed') {
    throw new ConflictError(
      'UNDO.JOB_NOT_COMPLETED',
      `Job ${jobId} has not completed (${state.phase === 'waiting' ? 'queued' : state.phase}); only a completed job can be undone`,
      { jobId, status: state.phase === 'waiting' ? 'queued' : state.phase },
    );
  }
  return {
    repoId: state.request.repoId,
    moves: state.plan?.moves ?? [],
    events: state.plan?.events ?? [],
  };
}

/** `UNDO.NOTHING_TO_UNDO` unless undoing the job would change something. */
export function assertChangedSomething(effect: JobEffect): void {
  if (!jobChangedSomething(effect)) {
    throw new ConflictError(
      'UNDO.NOTHING_TO_UNDO',
      `Job ${effect.jobId} changed no branch and no stack metadata; there is nothing to undo`,
      { jobId: effect.jobId },
    );
  }
}
