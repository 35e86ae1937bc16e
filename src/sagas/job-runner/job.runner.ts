import type { JobStep } from '../../domain/events/job.events';
import { repoStream } from '../../domain/streams';
import { type Clock, systemClock } from '../../infrastructure/clock/clock';
import type { EventStore } from '../../infrastructure/event-store/event-store.port';
import { type ClaimedJob, JobClaimer } from './job.claim';
import { jobMetadata } from './job.metadata';
import { JobOutcomes } from './job.outcomes';
import { JobReleasedError } from './job-released.error';
import type { JobRunnerOptions } from './job-runner.options';
import {
  cancellableBefore,
  DEFAULT_RETRY_POLICY,
  stepsToRun,
} from './job.saga';
import type { JobTurn } from './job.scheduler';
import type {
  JobStepContext,
  JobSteps,
  RepoEventToRecord,
} from './job-steps.port';
import { ProgressThrottle } from './progress.throttle';
import { withStepTimeout } from './step.timeout';

/**
 * Gives a job its turn: claims it (see `JobClaimer`), runs the steps its stream does not
 * record as completed, in order, through the steps port, and records each step, its
 * progress and how the attempt ended. A cancel stops the job at the next boundary up to
 * `publish`, never after: from then on refs may have moved and the job runs to its end.
 */
export class JobRunner {
  private readonly claimer: JobClaimer;
  private readonly outcomes: JobOutcomes;
  private readonly clock: Clock;
  private readonly active = new Map<string, ClaimedJob>();
  /** The running step of each active job, to stop its work when the job is given up. */
  private readonly stepAborts = new Map<string, AbortController>();
  private readonly turns = new Set<Promise<JobTurn>>();
  private stopping = false;

  constructor(
    private readonly store: EventStore,
    private readonly steps: JobSteps,
    private readonly options: Omit<JobRunnerOptions, 'concurrency'>,
  ) {
    this.clock = options.clock ?? systemClock;
    const retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.claimer = new JobClaimer(
      store,
      options.worker,
      this.clock,
      options.metrics,
      retry.maxAttempts,
    );
    this.outcomes = new JobOutcomes(
      retry,
      this.clock,
      options.random ?? Math.random,
      options.logger ?? console,
      options.metrics,
    );
  }

  /** One turn of the job: `done` when it needs nothing more, or when to try again. */
  run(jobId: string): Promise<JobTurn> {
    if (this.stopping) return Promise.resolve('stopped');
    const turn = this.claimAndRun(jobId);
    this.turns.add(turn);
    const forget = () => this.turns.delete(turn);
    turn.then(forget, forget);
    return turn;
  }

  /** A client asked to cancel: a job this runner is running stops at its next boundary. */
  cancelRequested(jobId: string): void {
    const job = this.active.get(jobId);
    if (job) job.writer.cancelRequested = true;
  }

  /**
   * Lets the running turns finish for up to `graceMs`, then records the jobs still running
   * as interrupted (they resume at the next start). When it returns, the runner will not
   * touch the store again.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.turns]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.graceMs ?? 10_000);
      }),
    ]);
    clearTimeout(timer);
    for (const abort of this.stepAborts.values())
      abort.abort(new JobReleasedError('the job was given up at shutdown'));
    await Promise.all(
      [...this.active.values()].map((job) => this.outcomes.interrupted(job)),
    );
  }

  private async claimAndRun(jobId: string): Promise<JobTurn> {
    const claim = await this.claimer.claim(jobId);
    if ('turn' in claim) return claim.turn;
    this.active.set(jobId, claim.job);
    try {
      return await this.runSteps(claim.job);
    } finally {
      this.active.delete(jobId);
    }
  }

  private async runSteps(job: ClaimedJob): Promise<JobTurn> {
    try {
      for (const step of stepsToRun(job.state, job.takenOver)) {
        if (job.writer.cancelRequested && cancellableBefore(step))
          return await this.outcomes.cancelledBefore(job, step);
        await job.writer.append({
          type: 'RepoActionStepStarted',
          data: { step },
        });
        const started = performance.now();
        const summary = await this.runStep(step, job);
        this.options.metrics?.stepDuration?.(
          step,
          (performance.now() - started) / 1000,
        );
        await job.writer.append({
          type: 'RepoActionStepCompleted',
          data: {
            step,
            summary,
            ...(step === 'execute' && job.plan ? { plan: job.plan } : {}),
          },
        });
      }
      return await this.outcomes.completed(job);
    } catch (error) {
      return await this.failed(job, error);
    }
  }

  /** Runs one step through the port, with throttled progress and the step time limit. */
  private async runStep(step: JobStep, job: ClaimedJob): Promise<string> {
    const progress = new ProgressThrottle((update) => {
      // Progress is best effort; the step's own events are not.
      job.writer
        .append({ type: 'RepoActionProgressed', data: { step, ...update } })
        .catch(() => undefined);
    }, this.options.progressIntervalMs ?? 250);
    const abort = new AbortController();
    this.stepAborts.set(job.jobId, abort);
    const context: JobStepContext = {
      jobId: job.jobId,
      request: job.request,
      plan: job.plan,
      settling: job.settling,
      progress: progress.report,
      signal: abort.signal,
      recordRepoEvents: (events) => this.recordRepoEvents(job, events),
    };
    try {
      const result = await withStepTimeout(
        step,
        this.steps.run(step, context),
        this.options.stepTimeoutMs,
        abort,
      );
      if (result.plan) job.plan = result.plan;
      return result.summary;
    } finally {
      this.stepAborts.delete(job.jobId);
      progress.close();
    }
  }

  /** A job given up (by shutdown, or to another writer) has nothing more to record here. */
  private async failed(job: ClaimedJob, error: unknown): Promise<JobTurn> {
    try {
      if (!(error instanceof JobReleasedError))
        return await this.outcomes.failed(job, error);
    } catch (writeError) {
      if (!(writeError instanceof JobReleasedError)) throw writeError;
    }
    return this.stopping ? 'stopped' : 'done';
  }

  private async recordRepoEvents(
    job: ClaimedJob,
    events: readonly RepoEventToRecord[],
  ): Promise<void> {
    if (job.writer.isClosed) throw new JobReleasedError('job was given up');
    const metadata = jobMetadata(
      job.request,
      job.correlationId,
      this.options.worker,
      this.clock.now(),
    );
    await this.store.appendToStream(
      repoStream(job.request.repoId),
      events.map((event) => ({ ...event, metadata })),
      { expectedVersion: 'any' },
    );
  }
}
