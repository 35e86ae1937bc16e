import type {
  ExecutionPlan,
  RepoActionRequested,
} from '../../domain/events/job.events';
import {
  JOB_EVENTS,
  narrow,
  narrowAll,
} from '../../domain/events/stackyard-event';
import { jobStateFrom, type JobState } from '../../domain/job/job.state';
import { jobStream } from '../../domain/streams';
import type { Clock } from '../../infrastructure/clock/clock';
import type {
  EventStore,
  RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import { jobCorrelationId, jobMetadata } from './job.metadata';
import { JobReleasedError } from './job-released.error';
import type { JobRunnerMetrics } from './job-runner.options';
import { react } from './job.saga';
import type { JobTurn } from './job.scheduler';
import { JobWriter } from './job.writer';

/** A job this runner has claimed: its attempt is started, and only its writer appends. */

/** After a lost claim, the job's next turn comes this much later. */
export const CLAIM_CONFLICT_RETRY_MS = 250;

export interface ClaimedJob {
  jobId: string;
  request: RepoActionRequested['data'];
  /** Its request's correlation id, which every event the runner appends for it carries. */
  correlationId: string;
  state: JobState;
  writer: JobWriter;
  /** What `execute` decided, once it has (in this attempt or an earlier one). */
  plan: ExecutionPlan | undefined;
  /** Settling a last attempt cut off mid-`publish` (see `react`): no new attempt, no push. */
  settling: boolean;
  /** Resumed from another instance's attempt (see `stepsToRun`). */
  takenOver: boolean;
}

/** What a claim came to: the job to run, or the turn's end without running it. */
export type Claim = { job: ClaimedJob } | { turn: JobTurn };

/**
 * Reads a job's stream and does what `react()` says before any step runs: nothing (it has
 * ended), wait for its retry, record the cancel asked while it was queued, end a job cut off
 * in its last attempt or settle one cut off mid-`publish`, or start a new attempt (recording first that one found running was
 * interrupted). Every append expects the version just read, so of two workers claiming one
 * job, one wins.
 */
export class JobClaimer {
  constructor(
    private readonly store: EventStore,
    private readonly worker: string,
    private readonly clock: Clock,
    private readonly metrics: Partial<JobRunnerMetrics> | undefined,
    private readonly maxAttempts: number,
  ) {}

  async claim(jobId: string): Promise<Claim> {
    const stream = jobStream(jobId);
    const recorded = await this.store.readStream(stream);
    const state = jobStateFrom(narrowAll(recorded, JOB_EVENTS));
    const now = this.clock.now();
    const directive = react(state, now.toISOString(), this.maxAttempts);
    if (directive.kind === 'none') return { turn: 'done' };
    if (directive.kind === 'wait') {
      return {
        turn: { retryInMs: Date.parse(directive.until) - now.getTime() },
      };
    }
    const request = state.request!;
    const correlationId = jobCorrelationId(
      request,
      recorded.find((e) => e.type === 'RepoActionRequested')?.metadata,
    );
    const writer = new JobWriter(this.store, stream, recorded.length - 1, () =>
      jobMetadata(request, correlationId, this.worker, this.clock.now()),
    );
    try {
      if (directive.kind === 'cancel') {
        await writer.append({ type: 'RepoActionCancelled', data: {} });
        this.metrics?.outcome?.('cancelled', {
          action: request.action,
          code: '',
        });
        return { turn: 'done' };
      }
      if (directive.kind === 'give_up') {
        const { code, message } = directive.failure;
        await writer.append({
          type: 'RepoActionInterrupted',
          data: { attempt: state.attempt },
        });
        await writer.close({
          type: 'RepoActionFailed',
          data: { code, message },
        });
        this.metrics?.outcome?.('error', { action: request.action, code });
        return { turn: 'done' };
      }
      if (directive.kind === 'settle') {
        await writer.append({
          type: 'RepoActionInterrupted',
          data: { attempt: state.attempt },
        });
        return {
          job: {
            jobId,
            request,
            correlationId,
            state: { ...state, phase: 'waiting' },
            writer,
            plan: state.plan,
            settling: true,
            takenOver: lastWorker(recorded) !== this.worker,
          },
        };
      }
      if (directive.interrupted) {
        await writer.append({
          type: 'RepoActionInterrupted',
          data: { attempt: state.attempt },
        });
        if (lastWorker(recorded) !== this.worker)
          this.metrics?.leaseTakeover?.();
      }
      await writer.append({
        type: 'RepoActionStarted',
        data: { attempt: directive.attempt, worker: this.worker },
      });
    } catch (error) {
      if (error instanceof JobReleasedError) {
        // Another writer appended to the job's stream after it was read: the claim is lost
        // for now. The job keeps its place and its next turn reads the stream again: it may
        // have ended, or been cancelled, or be running under an instance that lost the
        // repo's lease to this one (then this one takes it over; the other is fenced before
        // it publishes). Dropping it here could leave it to no one.
        this.metrics?.claimConflict?.();
        return { turn: { retryInMs: CLAIM_CONFLICT_RETRY_MS } };
      }
      throw error;
    }
    if (directive.attempt === 1) {
      // Measured from the request to its first claim; a retry's wait is not queueing.
      const requestedAt = Date.parse(
        recorded[0]!.metadata.at ?? recorded[0]!.recordedAt,
      );
      this.metrics?.queueWait?.((now.getTime() - requestedAt) / 1000);
    }
    return {
      job: {
        jobId,
        request,
        correlationId,
        state: { ...state, phase: 'running', attempt: directive.attempt },
        writer,
        plan: state.plan,
        settling: false,
        takenOver:
          directive.interrupted && lastWorker(recorded) !== this.worker,
      },
    };
  }
}

/** The worker of the job's latest attempt, as its `RepoActionStarted` names it. */
function lastWorker(recorded: readonly RecordedEvent[]): string | undefined {
  for (let i = recorded.length - 1; i >= 0; i--) {
    const event = narrow(recorded[i]!, JOB_EVENTS);
    if (event?.type === 'RepoActionStarted') return event.data.worker;
  }
  return undefined;
}
