import {
  JOB_EVENTS,
  narrowAll,
  REPO_EVENTS,
} from '../../domain/events/stackyard-event';
import {
  assertChangedSomething,
  jobEffectOf,
  undoablePlan,
} from '../../domain/job/job-effect';
import { jobStateFrom } from '../../domain/job/job.state';
import type { JobEffect } from '../../domain/stack/undo.decision';
import { jobStream, repoStream } from '../../domain/streams';
import type { EventStore } from './event-store.port';

/** A completed job of `orgId` that changed something, and what it changed. */
export interface UndoTarget {
  repoId: string;
  effect: JobEffect;
}

/**
 * Reads the job `jobId` and its repo's stream and checks that it can be undone: it is
 * `orgId`'s (`JOB.NOT_FOUND` otherwise), it completed (`UNDO.JOB_NOT_COMPLETED`) and it changed
 * something (`UNDO.NOTHING_TO_UNDO`). The undo request checks this before it records a job,
 * and the undo job again before it plans.
 */
export async function readUndoTarget(
  store: EventStore,
  jobId: string,
  orgId: string,
): Promise<UndoTarget> {
  const job = jobStateFrom(
    narrowAll(await store.readStream(jobStream(jobId)), JOB_EVENTS),
  );
  const plan = undoablePlan(jobId, orgId, job);
  const repoEvents = narrowAll(
    await store.readStream(repoStream(plan.repoId)),
    REPO_EVENTS,
  );
  const effect = jobEffectOf(jobId, plan, repoEvents);
  assertChangedSomething(effect);
  return { repoId: plan.repoId, effect };
}
