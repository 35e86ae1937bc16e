import type { JobAction } from '../../domain/events/job.events';
import { JOB_EVENTS, narrow } from '../../domain/events/stackyard-event';
import {
  evolveJob,
  initialJobState,
  isFinished,
  type JobState,
} from '../../domain/job/job.state';
import { jobIdOfStream } from '../../domain/streams';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** A job this instance's runner holds: claimed by it, and its attempt not ended yet. */
export interface JobLease {
  jobId: string;
  action: JobAction;
  attempt: number;
  /** When this runner claimed it (ISO-8601). */
  since: string;
}

/**
 * The jobs as their streams say, seen from one instance: those waiting for a turn (not
 * started, or waiting for a retry: status `queued`) and those this instance's runner holds.
 * A job is held from the runner's `RepoActionStarted` (or, when settling a cut-off attempt,
 * its first `RepoActionStepStarted`) until the attempt ends. Only events at or after
 * `from` count as this process's: a job its worker id started in an earlier life (the id
 * may be stable across restarts) is not running here until it is claimed again.
 *
 * It holds only unfinished jobs: its size is the work in hand, whatever the number of jobs
 * that ever ended. It is the job runner's checkpointed state (see JobProcessManager).
 */
export class JobBoard {
  private queuedCount = 0;
  private runningCount = 0;
  /** The unfinished jobs, in request order (a job leaves the map when it ends). */
  private readonly jobs = new Map<
    string,
    { state: JobState; lease: JobLease | undefined }
  >();

  constructor(
    private readonly worker: string,
    private readonly from: number,
  ) {}

  apply(event: RecordedEvent): void {
    const known = narrow(event, JOB_EVENTS);
    const jobId = jobIdOfStream(event.streamId);
    if (!known || jobId === undefined) return;
    const previous = this.jobs.get(jobId);
    const entry = previous ?? {
      state: initialJobState(),
      lease: undefined,
    };
    const state = evolveJob(entry.state, known);
    if (state.phase === 'absent' || isFinished(state)) {
      this.count(previous, -1);
      this.jobs.delete(jobId);
      return;
    }
    const mine = (worker: string | undefined) =>
      worker === this.worker && event.globalPosition >= this.from;
    const since = event.metadata.at ?? event.recordedAt;
    let lease = entry.lease;
    switch (known.type) {
      case 'RepoActionStarted':
        lease = mine(known.data.worker)
          ? {
              jobId,
              action: state.request!.action,
              attempt: known.data.attempt,
              since,
            }
          : undefined;
        break;
      case 'RepoActionStepStarted':
        // A settling attempt runs its steps without a `RepoActionStarted` of its own.
        if (!lease && mine(known.metadata.actor?.replace(/^worker:/, '')))
          lease = {
            jobId,
            action: state.request!.action,
            attempt: state.attempt,
            since,
          };
        break;
      case 'RepoActionRetryScheduled':
      case 'RepoActionInterrupted':
      case 'RepoActionCompleted':
      case 'RepoActionFailed':
      case 'RepoActionCancelled':
        lease = undefined;
        break;
      case 'RepoActionRequested':
      case 'RepoActionProgressed':
      case 'RepoActionStepCompleted':
      case 'RepoActionCancelRequested':
        break;
      default: {
        const unhandled: never = known;
        return unhandled;
      }
    }
    this.count(previous, -1);
    const next = { state, lease };
    this.jobs.set(jobId, next);
    this.count(next, 1);
  }

  /** Keeps the two gauges' counts as jobs come, change and go: no walk over the board. */
  private count(
    entry: { state: JobState; lease: JobLease | undefined } | undefined,
    sign: 1 | -1,
  ): void {
    if (!entry) return;
    if (entry.lease) this.runningCount += sign;
    else if (entry.state.phase === 'queued' || entry.state.phase === 'waiting')
      this.queuedCount += sign;
  }

  /** The jobs this instance's runner holds, oldest claim first. */
  leases(): JobLease[] {
    return [...this.jobs.values()]
      .flatMap(({ lease }) => (lease ? [lease] : []))
      .sort((a, b) => a.since.localeCompare(b.since));
  }

  /** Jobs waiting for a turn of some runner: status `queued`, held by none here. */
  queued(): number {
    return this.queuedCount;
  }

  running(): number {
    return this.runningCount;
  }

  /** The unfinished jobs with their state, in request order. */
  unfinished(): Array<[jobId: string, state: JobState]> {
    return [...this.jobs].map(([jobId, { state }]) => [jobId, state]);
  }

  /** How many unfinished jobs the board holds. */
  get size(): number {
    return this.jobs.size;
  }
}
