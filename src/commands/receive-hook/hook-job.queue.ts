import { DomainError } from '../../domain/domain-error';
import type { WebhookJobQueued } from '../../domain/events/hook.events';
import { HOOK_EVENTS, narrowAll } from '../../domain/events/stackyard-event';
import {
  decideHookJob,
  evolveHookQueue,
  hookJobKey,
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

/** Decisions retried after losing a race to another hook of the same repo. */
const MAX_TRIES = 10;

/**
 * Queues the jobs hooks ask for, coalesced: per repo, the `hook-queue-<repoId>` stream names
 * the last job queued for each key (the repo's sync, a branch's restack), and a hook queues a
 * new one only when that job has started (or ended). The reservation is appended with the
 * stream's version, so two hooks at once (on two instances too) cannot both queue: the loser
 * decides again and finds the winner's job still queued. The job's own request is recorded
 * after its reservation, by whoever finds it missing (idempotently, so a stop in between
 * leaves no reservation without its job).
 */
export class HookJobQueue {
  private readonly queues: StreamFoldCache<HookQueueState>;

  constructor(
    private readonly store: EventStore,
    private readonly newJobId: () => string,
  ) {
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

  async enqueue(
    ids: { orgId: string; repoId: string },
    request: HookJobRequest,
    metadata: (jobId: string) => MessageMetadata,
  ): Promise<{ jobId: string; coalesced: boolean }> {
    const streamId = hookQueueStream(ids.repoId);
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
      const decision = decideHookJob(state, request, phase, this.newJobId());
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
      'Too many deliveries for this repo at once; redeliver it',
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
      {
        type: 'RequestJob',
        data: {
          jobId: job.jobId,
          orgId: ids.orgId,
          repoId: ids.repoId,
          action: job.action,
          ...(job.branchName !== undefined
            ? { branchName: job.branchName }
            : {}),
        },
      },
      { metadata: metadata(job.jobId), expectNew: true },
    );
  }
}
