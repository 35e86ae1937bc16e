import { v5 as uuidv5 } from 'uuid';
import { DomainError } from '../../domain/domain-error';
import type { WebhookJobQueued } from '../../domain/events/hook.events';
import { HOOK_EVENTS, narrowAll } from '../../domain/events/stackyard-event';
import {
  decideHookJob,
  evolveHookQueue,
  hookJobKey,
  hookJobRequest,
  type HookJobRequest,
  type HookQueueState,
  initialHookQueueState,
} from '../../domain/hooks/hook-queue';
import { foldEvents } from '../../domain/decider';
import { jobModel } from '../../domain/job/job.decider';
import type { MessageMetadata } from '../../domain/message';
import { hookQueueStream, jobStream } from '../../domain/streams';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import type { EventStore } from '../../infrastructure/event-store/event-store.port';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import { StreamFoldCache } from '../../infrastructure/event-store/stream-fold.cache';

/** Decisions retried after losing a race to another hook of the same key of a repo. */
const MAX_TRIES = 10;

/** The namespace of hook job ids and queue key ids (UUIDv5); never change it. */
const HOOK_IDS = '7a0f3c52-5d5e-4a51-9a8e-2f7c1b6f4e13';

/**
 * The job a delivery's `round`-th decision queues (0 for the first; a redelivery decided
 * again is the next round): derived from the delivery, so that copies of one delivery racing
 * each other reserve the same job.
 */
export const hookJobId = (
  repoId: string,
  deliveryId: string,
  round: number,
): string => uuidv5(`${repoId}\n${deliveryId}\n${round}`, HOOK_IDS);

/**
 * A key as the queue's stream id names it: the sync as it is, a branch's restack by a hash
 * of the branch name (of any length and of any character git allows in a ref).
 */
export const hookQueueKeyId = (request: HookJobRequest): string =>
  request.action === 'sync_repo'
    ? 'sync'
    : `restack-${uuidv5(hookJobKey(request.action, request.branchName), HOOK_IDS)}`;

/**
 * Queues the jobs hooks ask for, coalesced: per repo and key (the repo's sync, a branch's
 * restack), the `hook-queue-<repoId>-<keyId>` stream names the last job queued for the key,
 * and a hook queues a new one only when that job has started (or ended). The reservation is
 * appended with the stream's version, so two hooks for one key at once (on two instances too)
 * cannot both queue: the loser decides again and finds the winner's job still queued. Hooks
 * for different keys (a sync and the restacks of a pushed stack's branches) use different
 * streams and never conflict.
 *
 * The job's own request is recorded after its reservation. A stop or a store error in
 * between leaves a reservation without its request: the next hook for the key records it
 * (and rides on it), and `HookReservationsService` records it at once or at the next start.
 */
export class HookJobQueue {
  private readonly queues: StreamFoldCache<HookQueueState>;

  constructor(private readonly store: EventStore) {
    this.queues = new StreamFoldCache(
      store,
      initialHookQueueState,
      (state, events) =>
        narrowAll(events, HOOK_EVENTS).reduce(
          (s, e) => (e.type === 'WebhookJobQueued' ? evolveHookQueue(s, e) : s),
          state,
        ),
    );
  }

  /**
   * Queues `jobId` (derived from the delivery with `hookJobId`) for the request, or rides on
   * the key's job not started yet.
   */
  async enqueue(
    ids: { orgId: string; repoId: string },
    request: HookJobRequest,
    metadata: (jobId: string) => MessageMetadata,
    jobId: string,
  ): Promise<{ jobId: string; coalesced: boolean }> {
    const streamId = hookQueueStream(ids.repoId, hookQueueKeyId(request));
    for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
      const { state, version } = await this.queues.read(streamId);
      const last = state.last.get(
        hookJobKey(request.action, request.branchName),
      );
      const phase = last
        ? foldEvents(
            jobModel.decider,
            narrowAll(
              await this.store.readStream(jobStream(last.jobId)),
              jobModel.kind,
            ),
          ).phase
        : undefined;
      const decision = decideHookJob(state, request, phase, jobId);
      if (decision.kind === 'own') {
        await this.requestJob(ids, decision.job, metadata);
        return { jobId: decision.job.jobId, coalesced: false };
      }
      if (decision.kind === 'coalesce') {
        if (decision.phase === 'absent')
          await this.requestJob(ids, decision.job, metadata);
        return { jobId: decision.job.jobId, coalesced: true };
      }
      const reserved = decision.event.data;
      try {
        await this.store.appendToStream(
          streamId,
          [{ ...decision.event, metadata: metadata(reserved.jobId) }],
          { expectedVersion: version < 0 ? 'no_stream' : version },
        );
      } catch (error) {
        if (error instanceof ConcurrencyError) continue;
        throw error;
      }
      await this.requestJob(ids, reserved, metadata);
      return { jobId: reserved.jobId, coalesced: false };
    }
    throw new DomainError(
      'HOOK.BUSY',
      'unavailable',
      'Too many deliveries for this branch of the repo at once; redeliver it',
    );
  }

  /** Records the reserved job's request; a request recorded already decides nothing. */
  private async requestJob(
    ids: { orgId: string; repoId: string },
    job: WebhookJobQueued['data'],
    metadata: (jobId: string) => MessageMetadata,
  ): Promise<void> {
    await handleCommand(
      this.store,
      jobStream(job.jobId),
      jobModel,
      hookJobRequest(ids, job),
      { metadata: metadata(job.jobId), expectNew: true },
    );
  }
}
