import { JOB_EVENTS, narrow } from '../../domain/events/stackyard-event';
import {
  JOB_STREAM_PREFIX,
  jobIdOfStream,
  jobStream,
} from '../../domain/streams';
import type {
  EventStore,
  RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import {
  type Follower,
  foldThenFollow,
} from '../../infrastructure/event-store/fold-then-follow';
import { JobBoard } from './job.board';
import type { JobRunnerOptions } from './job-runner.options';
import { JobRunner } from './job.runner';
import { JobScheduler } from './job.scheduler';
import type { JobSteps } from './job-steps.port';

/** The job runner's checkpoint: the jobs unfinished at its position, in request order. */
interface JobRunnerCheckpoint {
  unfinished: string[];
}

/** Names the job runner's checkpoint; bump the version when its state changes shape. */
const CHECKPOINT = { name: 'job-runner', version: 1 } as const;

/** Streams of unfinished jobs read at once while restoring a checkpoint. */
const RESTORE_READS = 32;

/**
 * The job runner as a whole: follows every `repo-action-*` stream through the store's
 * subscription, queues each requested job with the scheduler (one repo's jobs in request
 * order, repos in parallel), and has the runner give each its turns. Cancels asked for a
 * running job and jobs ended by someone else reach the runner and the scheduler from here.
 *
 * Its state is the board of unfinished jobs, which it checkpoints (with `checkpoints` in
 * the options) as the list of their ids at a position: a start restores that list, reads
 * those few jobs' streams up to the position, and folds only the job events after it, so
 * it costs the work in hand and what happened since the checkpoint, never the number of
 * jobs that ever ended. Without a checkpoint (the first start, or after a rebuild of the
 * read-model database that holds it), it folds every job stream once, as before.
 */
export class JobProcessManager {
  private readonly runner: JobRunner;
  private readonly scheduler: JobScheduler;
  private follower: Follower | undefined;
  private stopping = false;
  private jobBoard: JobBoard | undefined;

  constructor(
    private readonly store: EventStore,
    steps: JobSteps,
    private readonly options: JobRunnerOptions,
  ) {
    this.runner = new JobRunner(store, steps, options);
    this.scheduler = new JobScheduler(
      (jobId) => this.runner.run(jobId),
      options.concurrency,
      options.logger ?? console,
      options.gate,
    );
  }

  /** The unfinished jobs and this instance's leases; set once `start` has begun. */
  get board(): JobBoard | undefined {
    return this.jobBoard;
  }

  /** How the start read the history: where from, and how many job events it folded. */
  get started(): { foldedFrom: number; folded: number } | undefined {
    return this.follower;
  }

  /**
   * Restores the checkpoint (or reads every job stream once), queues the jobs not yet
   * finished in request order (those found `running` resume from their first incomplete
   * step), then follows new requests.
   */
  async start(): Promise<void> {
    // Everything this process's runner appends comes after the head as it is now.
    const board = new JobBoard(
      this.options.worker,
      (await this.store.headPosition()) + 1,
    );
    this.jobBoard = board;
    const { checkpoints } = this.options;
    const logger = this.options.logger ?? console;
    this.follower = await foldThenFollow(this.store, {
      filter: { streamPrefix: JOB_STREAM_PREFIX },
      fold: (event) => board.apply(event),
      caughtUp: () => {
        // Board order is first-request order, which is request order.
        for (const [jobId, state] of board.unfinished())
          this.scheduler.enqueue(jobId, state.request!.repoId);
        this.report(board);
      },
      follow: (batch) => {
        for (const event of batch) board.apply(event);
        this.observe(batch);
        this.report(board);
      },
      name: 'job runner subscription',
      logger,
      ...(checkpoints
        ? {
            checkpoint: {
              checkpoints,
              ...CHECKPOINT,
              logger,
              snapshot: (): JobRunnerCheckpoint => ({
                unfinished: board.unfinished().map(([jobId]) => jobId),
              }),
              restore: (state: JobRunnerCheckpoint, position: number) =>
                this.restore(board, state, position),
            },
          }
        : {}),
    });
  }

  /**
   * Folds each job the checkpoint names as unfinished from its own stream, up to the
   * checkpoint's position (the rest comes with the events after it), in the checkpoint's
   * order, which is request order.
   */
  private async restore(
    board: JobBoard,
    state: JobRunnerCheckpoint,
    position: number,
  ): Promise<void> {
    const ids = state.unfinished;
    for (let i = 0; i < ids.length; i += RESTORE_READS) {
      const chunk = ids.slice(i, i + RESTORE_READS);
      const streams = await Promise.all(
        chunk.map((jobId) => this.store.readStream(jobStream(jobId))),
      );
      for (const events of streams)
        for (const event of events)
          if (event.globalPosition <= position) board.apply(event);
    }
  }

  private report(board: JobBoard): void {
    this.options.metrics?.jobsQueued?.(board.queued());
    this.options.metrics?.jobsRunning?.(board.running());
  }

  /** Another instance holds the repo now: its jobs running here stop (see JobRunner). */
  repoLost(repoId: string): void {
    this.runner.repoLost(repoId);
  }

  /**
   * Stops claiming jobs, lets running steps finish for up to `graceMs`, then records the
   * jobs still running as interrupted (they resume at the next start). When it returns,
   * the runner will not touch the store again.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.scheduler.stop();
    await this.follower?.close();
    await this.runner.stop();
  }

  private observe(batch: readonly RecordedEvent[]): void {
    for (const event of batch) {
      const jobId = jobIdOfStream(event.streamId)!;
      const known = narrow(event, JOB_EVENTS);
      switch (known?.type) {
        case 'RepoActionRequested':
          this.scheduler.enqueue(jobId, known.data.repoId);
          break;
        case 'RepoActionCancelRequested':
          this.runner.cancelRequested(jobId);
          break;
        case 'RepoActionCancelled':
        case 'RepoActionCompleted':
        case 'RepoActionFailed':
          // A job ended by someone else (a cancel while it waited, another instance) leaves
          // its lane without another turn here.
          this.scheduler.ended(jobId);
          break;
        case 'RepoActionStarted':
        case 'RepoActionStepStarted':
        case 'RepoActionProgressed':
        case 'RepoActionStepCompleted':
        case 'RepoActionRetryScheduled':
        case 'RepoActionInterrupted':
        case undefined:
          // The runner's own progress: it knows already.
          break;
      }
    }
  }
}
