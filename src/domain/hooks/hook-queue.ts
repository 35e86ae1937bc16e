import type { HookJobAction, WebhookJobQueued } from '../events/hook.events';
import type { RequestJob } from '../job/job.decider';
import type { JobPhase } from '../job/job.state';

/**
 * The last job hooks queued for a repo, per kind of job (`sync_repo`, or a branch's restack).
 * Each key has a stream of its own, so a map of one entry in practice; keyed all the same so
 * that a fold of any reservations stays right.
 */
export interface HookQueueState {
  last: ReadonlyMap<string, WebhookJobQueued['data']>;
}

export const initialHookQueueState = (): HookQueueState => ({
  last: new Map(),
});

/** Jobs of one key coalesce: every sync of the repo, or every restack of one branch. */
export const hookJobKey = (
  action: HookJobAction,
  branchName?: string,
): string =>
  action === 'sync_repo' ? action : `${action}:${branchName ?? ''}`;

export function evolveHookQueue(
  state: HookQueueState,
  event: WebhookJobQueued,
): HookQueueState {
  const { action, branchName } = event.data;
  return {
    last: new Map(state.last).set(hookJobKey(action, branchName), event.data),
  };
}

export interface HookJobRequest {
  action: HookJobAction;
  branchName?: string;
  deliveryId: string;
}

export type HookJobDecision =
  /** The last job of the key has not started: this push rides on it. */
  | {
      kind: 'coalesce';
      job: WebhookJobQueued['data'];
      phase: 'queued' | 'absent';
    }
  /**
   * The last job of the key is the one this delivery queues (its id is derived from the
   * delivery): a copy of the same delivery reserved it first. It is this delivery's job,
   * whatever its phase, and nothing more is queued.
   */
  | { kind: 'own'; job: WebhookJobQueued['data'] }
  | { kind: 'queue'; event: WebhookJobQueued };

/**
 * Coalescing: a hook queues a job unless the last one hooks queued for the same key has not
 * started yet (`queued`), in which case the push rides on it. A reserved job whose stream is
 * still empty (`absent`: its request is being recorded, or its recorder stopped in between)
 * counts as not started; the caller records its request, which is idempotent. A job that
 * started, waits to retry or ended may have read the remote before this push: a new one,
 * `jobId`, which the caller derives from the delivery, so that two copies of one delivery
 * racing each other reserve the same job and the second finds it as its `own`.
 */
export function decideHookJob(
  state: HookQueueState,
  request: HookJobRequest,
  lastPhase: JobPhase | undefined,
  jobId: string,
): HookJobDecision {
  const last = state.last.get(hookJobKey(request.action, request.branchName));
  if (last?.jobId === jobId) return { kind: 'own', job: last };
  if (last && (lastPhase === 'queued' || lastPhase === 'absent'))
    return { kind: 'coalesce', job: last, phase: lastPhase };
  return {
    kind: 'queue',
    event: {
      type: 'WebhookJobQueued',
      data: {
        jobId,
        action: request.action,
        ...(request.branchName !== undefined
          ? { branchName: request.branchName }
          : {}),
        deliveryId: request.deliveryId,
      },
    },
  };
}

/**
 * The request of a job a hook reserved: recorded right after the reservation by the hook,
 * or by whoever finds the reservation without it (the next hook for the key, the
 * reservations follower). The same command every time, so the job decider takes it once.
 */
export const hookJobRequest = (
  ids: { orgId: string; repoId: string },
  job: WebhookJobQueued['data'],
): RequestJob => ({
  type: 'RequestJob',
  data: {
    jobId: job.jobId,
    orgId: ids.orgId,
    repoId: ids.repoId,
    action: job.action,
    ...(job.branchName !== undefined ? { branchName: job.branchName } : {}),
  },
});
