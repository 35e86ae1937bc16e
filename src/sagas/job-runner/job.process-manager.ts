import { JOB_EVENTS, narrow } from '../../domain/events/stackyard-event';
import {
  evolveJob,
  initialJobState,
  isFinished,
  type JobState,
} from '../../domain/job/job.state';
import { JOB_STREAM_PREFIX, jobIdOfStream } from '../../domain/streams';
import type {
  EventStore,
  RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import {
  type Follower,
  foldThenFollow,
} from '../../infrastructure/event-store/fold-then-follow';
import type { JobRunnerOptions } from './job-runner.options';
import { JobRunner } from './job.runner';
import { JobScheduler } from './job.scheduler';
import type { JobSteps } from './job-steps.port';

/**
 * The job runner as a whole: follows every `repo-action-*` stream through the store's
 * subscription, queues each requested job with the scheduler (one repo's jobs in request
 * order, repos in parallel), and has the runner give each its turns. Cancels asked for a
 * running job and jobs ended by someone else reach the runner and the scheduler from here.
 */
export class JobProcessManager {
  private readonly runner: JobRunner;
  private readonly scheduler: JobScheduler;
  private follower: Follower | undefined;
  private stopping = false;

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

  /**
   * Reads every job stream once, queues the jobs not yet finished in request order (those
   * found `running` resume from their first incomplete step), then follows new requests.
   */
  async start(): Promise<void> {
    const states = new Map<string, JobState>();
    this.follower = await foldThenFollow(this.store, {
      filter: { streamPrefix: JOB_STREAM_PREFIX },
      fold: (event) => {
        const jobId = jobIdOfStream(event.streamId)!;
        const known = narrow(event, JOB_EVENTS);
        if (!known) return;
        const next = evolveJob(states.get(jobId) ?? initialJobState(), known);
        if (isFinished(next)) states.delete(jobId);
        else states.set(jobId, next);
      },
      caughtUp: () => {
        // Map order is first-request order, which is request order.
        for (const [jobId, state] of states)
          this.scheduler.enqueue(jobId, state.request!.repoId);
      },
      follow: (batch) => this.observe(batch),
      name: 'job runner subscription',
      logger: this.options.logger ?? console,
    });
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
