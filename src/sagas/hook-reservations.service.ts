import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import type { WebhookJobQueued } from '../domain/events/hook.events';
import { eventKind, narrow } from '../domain/events/stackyard-event';
import { hookJobRequest } from '../domain/hooks/hook-queue';
import { jobModel } from '../domain/job/job.decider';
import type { MessageMetadata } from '../domain/message';
import { jobIdOfStream, jobStream } from '../domain/streams';
import {
  FOLLOWER_CHECKPOINTS,
  type FollowerCheckpoints,
} from '../infrastructure/checkpoints/follower-checkpoints.port';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../infrastructure/event-store/event-store.port';
import {
  type Follower,
  foldThenFollow,
} from '../infrastructure/event-store/fold-then-follow';
import { handleCommand } from '../infrastructure/event-store/handle-command';

/** A hook's reservation whose job request has not been seen yet. */
interface Reservation {
  job: WebhookJobQueued['data'];
  eventId: string;
  metadata: MessageMetadata;
}

/** Names the follower's checkpoint; bump the version when its state changes shape. */
const CHECKPOINT = { name: 'hook-reservations', version: 1 } as const;

/** Reservations, and the job requests that complete them. */
const RESERVATION_EVENTS = eventKind([
  'WebhookJobQueued',
  'RepoActionRequested',
]);

/**
 * Completes the jobs hooks reserved. A hook appends `WebhookJobQueued` and then the job's
 * `RepoActionRequested`; a store error or a stop in between leaves a reservation without its
 * job, which would hold its key (the next pushes ride on a job that never runs) and lose the
 * push's sync until another hook for the same key came. This follower records the missing
 * request: live, for a reservation whose request is not in the store when it is seen (almost
 * always there already: the hook records it right away), and at start for every reservation
 * the history left without one. The request is the reservation's (same job id, same
 * command), appended expecting a new stream, so the hook and this follower (on any number
 * of instances) record it once. A request that fails is tried again with the next batch, and
 * at the next start.
 */
@Injectable()
export class HookReservationsService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  /** Job id → its reservation, until its request is seen. */
  private readonly pending = new Map<string, Reservation>();
  private follower: Follower | undefined;
  private readonly logger = new Logger('HookReservations');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional()
    @Inject(FOLLOWER_CHECKPOINTS)
    private readonly checkpoints: FollowerCheckpoints | null = null,
  ) {}

  /** Reservations whose request has not been seen. */
  get pendingCount(): number {
    return this.pending.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    const checkpoints = this.checkpoints;
    this.follower = await foldThenFollow(this.store, {
      filter: { types: RESERVATION_EVENTS.types },
      fold: (e) => this.fold(e),
      caughtUp: () => this.completeAll(),
      follow: async (batch) => {
        batch.forEach((e) => this.fold(e));
        await this.completeAll();
      },
      name: 'hook reservations',
      logger: this.logger,
      ...(checkpoints
        ? {
            checkpoint: {
              checkpoints,
              ...CHECKPOINT,
              logger: this.logger,
              snapshot: (): Reservation[] => [...this.pending.values()],
              restore: (state: Reservation[]) =>
                state.forEach((r) => this.pending.set(r.job.jobId, r)),
            },
          }
        : {}),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }

  private fold(e: RecordedEvent): void {
    const event = narrow(e, RESERVATION_EVENTS);
    switch (event?.type) {
      case 'WebhookJobQueued':
        this.pending.set(event.data.jobId, {
          job: event.data,
          eventId: e.eventId,
          metadata: e.metadata,
        });
        return;
      case 'RepoActionRequested': {
        const jobId = jobIdOfStream(e.streamId);
        if (jobId !== undefined) this.pending.delete(jobId);
        return;
      }
      case undefined:
        return;
    }
  }

  /** Records the request of every reservation still without one; one failure stops none. */
  private async completeAll(): Promise<void> {
    for (const reservation of [...this.pending.values()]) {
      try {
        await this.complete(reservation);
      } catch (error) {
        this.logger.error(
          `job ${reservation.job.jobId}: its reservation's request failed, tried again later: ${String(error)}`,
        );
      }
    }
  }

  private async complete({
    job,
    eventId,
    metadata,
  }: Reservation): Promise<void> {
    const { orgId, repoId } = metadata;
    // Every hook's reservation names both; one without them would be a job nobody may see.
    if (orgId === undefined || repoId === undefined) {
      this.logger.error(
        `job ${job.jobId}: its reservation names no org or repo`,
      );
      this.pending.delete(job.jobId);
      return;
    }
    const stream = await this.store.readStream(jobStream(job.jobId), {
      maxCount: 1,
    });
    if (stream.length > 0) {
      this.pending.delete(job.jobId);
      return;
    }
    const { appended } = await handleCommand(
      this.store,
      jobStream(job.jobId),
      jobModel,
      hookJobRequest({ orgId, repoId }, job),
      {
        metadata: { ...metadata, jobId: job.jobId, causationId: eventId },
        expectNew: true,
      },
    );
    // Most often the hook's own request got there first, and this recorded nothing.
    if (appended.length > 0)
      this.logger.warn(
        `job ${job.jobId}: a hook reserved it without recording its request; recorded it`,
      );
    this.pending.delete(job.jobId);
  }
}
