import { setMaxListeners } from 'node:events';
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
  private readonly stepAborts = new Map<
    string,
    { step: JobStep; abort: AbortController }
  >();
  /** Active jobs whose repo another instance holds now: they end here without a record. */
  private readonly released = new Set<string>();
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
   * Another instance holds the repo now (this one's lease expired while it was away): its
   * jobs that have not begun to publish here stop without recording anything more, their
   * running step aborted; the new holder resumes them. A job publishing already is let
   * finish (a push cut off midway is worse than one let finish, and the remote refuses it
   * anyway if the new holder pushed first); what it records after is fenced by the job
   * stream's version once the new holder has claimed the job.
   */
  repoLost(repoId: string): void {
    for (const [jobId, job] of this.active) {
      if (job.request.repoId !== repoId) continue;
      const running = this.stepAborts.get(jobId);
      if (running?.step === 'publish' || running?.step === 'post_sync')
        continue;
      this.released.add(jobId);
      running?.abort.abort(
        new JobReleasedError(`repo ${repoId} is another instance's now`),
      );
    }
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
    for (const { abort } of this.stepAborts.values())
      abort.abort(new JobReleasedError('the job was given up at shutdown'));
    // A job released to another instance is that instance's to record.
    await Promise.all(
      [...this.active.values()]
        .filter((job) => !this.released.has(job.jobId))
        .map((job) => this.outcomes.interrupted(job)),
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
      this.released.delete(jobId);
    }
  }

  private async runSteps(job: ClaimedJob): Promise<JobTurn> {
    try {
      for (const step of stepsToRun(job.state, job.takenOver)) {
        if (this.released.has(job.jobId))
          throw new JobReleasedError("the repo is another instance's now");
        if (job.writer.cancelRequested && cancellableBefore(step))
          return await this.outcomes.cancelledBefore(job, step);
        if (step === 'publish') await this.confirmRepo(job);
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
    // Every git process the step runs at a time listens to it (a restack's facts are asked
    // in parallel, one per branch): no bound, they are removed as each process ends.
    setMaxListeners(0, abort.signal);
    this.stepAborts.set(job.jobId, { step, abort });
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

  /**
   * The fence before a push: an instance whose repo lease went to another instance (it was
   * away longer than the lease) must not publish; the job is the new holder's to finish.
   */
  private async confirmRepo(job: ClaimedJob): Promise<void> {
    const { repoId } = job.request;
    let held: boolean;
    try {
      held = (await this.options.gate?.confirm?.(repoId)) ?? true;
    } catch (error) {
      // The lease store did not answer: this instance cannot know it still holds the repo,
      // so it does not publish. The job keeps its place; a later turn resumes it.
      this.released.add(job.jobId);
      this.options.logger?.warn(
        `job ${job.jobId} not published now: the lease of repo ${repoId} could not be confirmed (${String(error)})`,
      );
      throw new JobReleasedError(`repo ${repoId} could not be confirmed`);
    }
    if (this.released.has(job.jobId) || !held) {
      this.released.add(job.jobId);
      this.options.logger?.warn(
        `job ${job.jobId} left to another instance before publish: it holds repo ${repoId} now`,
      );
      throw new JobReleasedError(`repo ${repoId} is another instance's now`);
    }
  }

  /**
   * A job given up (by shutdown, or to another writer or instance) has nothing more to
   * record here.
   */
  private async failed(job: ClaimedJob, error: unknown): Promise<JobTurn> {
    // The job stays queued here: the lane waits for the repo's lease, and drops the job once
    // the new holder has ended it (or takes it over if that holder dies too).
    if (this.released.has(job.jobId))
      return this.stopping ? 'stopped' : { retryInMs: 0 };
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
