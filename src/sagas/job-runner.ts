import { v5 as uuidv5 } from 'uuid';
import { DomainError } from '../domain/domain-error';
import type {
  ExecutionPlan,
  JobStep,
  RepoActionRequested,
} from '../domain/events/job.events';
import type { RepoBranchesObserved } from '../domain/events/repo.events';
import {
  JOB_EVENTS,
  narrow,
  narrowAll,
} from '../domain/events/stackyard-event';
import {
  evolveJob,
  initialJobState,
  isFinished,
  jobStateFrom,
  type JobState,
} from '../domain/job/job.state';
import type { MessageMetadata } from '../domain/message';
import type { RepoState } from '../domain/repo/repo.decider';
import {
  JOB_STREAM_PREFIX,
  jobIdOfStream,
  jobStream,
  repoStream,
} from '../domain/streams';
import type {
  EventStore,
  EventSubscription,
  RecordedEvent,
} from '../infrastructure/event-store/event-store.port';
import type { GitEngine } from '../infrastructure/git/git-engine.port';
import { RemoteChangedError } from '../infrastructure/git/git.errors';
import type { StackOperations } from '../infrastructure/git/operations/stack-operations';
import { JobReleasedError, JobWriter } from './job-writer';
import {
  cancellableBefore,
  DEFAULT_RETRY_POLICY,
  failureOf,
  react,
  remainingSteps,
  retryDelayMs,
  type RetryPolicy,
  shouldRetry,
} from './job.saga';
import { RepoStateReader } from './repo-state.reader';
import { Semaphore } from './semaphore';

/** What the runner reports for metrics; every method is optional work for the caller. */
export interface JobRunnerMetrics {
  queueWait(seconds: number): void;
  stepDuration(step: JobStep, seconds: number): void;
  outcome(status: 'completed' | 'error' | 'cancelled' | 'retry'): void;
}

export interface JobRunnerLogger {
  log(message: string | object): void;
  warn(message: string | object): void;
  error(message: string | object): void;
}

export interface JobRunnerOptions {
  worker: string;
  /** Repos worked on at once. */
  concurrency: number;
  retry?: RetryPolicy;
  stepTimeoutMs?: number;
  /** On stop, how long running steps may take to finish before they are recorded interrupted. */
  graceMs?: number;
  /** At most one progress event per job per this interval. */
  progressIntervalMs?: number;
  logger?: JobRunnerLogger;
  metrics?: Partial<JobRunnerMetrics>;
  clock?: () => Date;
  random?: () => number;
}

/** Namespace of the ids of repo events a job appends: a re-run appends them only once. */
const JOB_EVENT_IDS = '9d7e5c3a-1b2f-4e6d-8a0c-5f4e3d2c1b0a';

interface Lane {
  queue: string[];
  active: boolean;
  /** Ends the lane's wait for a retry early (stop, cancel, or a finished job). */
  wake: (() => void) | undefined;
}

/** One job being worked on by this runner. */
interface ActiveJob {
  jobId: string;
  request: RepoActionRequested['data'];
  state: JobState;
  writer: JobWriter;
  plan: ExecutionPlan | undefined;
}

type LaneOutcome = 'done' | 'stopped' | { retryInMs: number };

/**
 * The job runner: follows every `repo-action-*` stream through a durable subscription of
 * the store, runs each repo's jobs one at a time in request order and different repos in
 * parallel (up to `concurrency`), and records each step, its progress and the outcome as
 * events of the job's stream. Its decisions come from `job.saga.ts`.
 */
export class JobRunner {
  private readonly lanes = new Map<string, Lane>();
  private readonly repoOfJob = new Map<string, string>();
  private readonly active = new Map<string, ActiveJob>();
  private readonly lanesRunning = new Set<Promise<void>>();
  private readonly slots: Semaphore;
  private readonly repos: RepoStateReader;
  private readonly retry: RetryPolicy;
  private readonly logger: JobRunnerLogger;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private subscription: EventSubscription | undefined;
  private following: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly store: EventStore,
    private readonly git: GitEngine,
    private readonly operations: StackOperations,
    private readonly options: JobRunnerOptions,
  ) {
    this.slots = new Semaphore(Math.max(1, options.concurrency));
    this.repos = new RepoStateReader(store);
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.logger = options.logger ?? console;
    this.clock = options.clock ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /**
   * Reads every job stream once, queues the jobs not yet finished in request order (those
   * found `running` resume from their first incomplete step), then follows new requests.
   */
  async start(): Promise<void> {
    const filter = { streamPrefix: JOB_STREAM_PREFIX };
    const states = new Map<string, JobState>();
    let from = 1;
    for (;;) {
      const page = await this.store.readAll({
        fromPosition: from,
        limit: 5000,
        filter,
      });
      for (const event of page.events) {
        const jobId = jobIdOfStream(event.streamId)!;
        const known = narrow(event, JOB_EVENTS);
        if (!known) continue;
        const next = evolveJob(states.get(jobId) ?? initialJobState(), known);
        if (isFinished(next)) states.delete(jobId);
        else states.set(jobId, next);
      }
      from = page.nextPosition;
      if (page.isEnd) break;
    }
    // Map order is first-request order, which is request order.
    for (const [jobId, state] of states) this.enqueue(jobId, state.request!);
    const subscription = this.store.subscribe({ fromPosition: from, filter });
    this.subscription = subscription;
    this.following = (async () => {
      try {
        for await (const batch of subscription) this.observe(batch);
      } catch (error) {
        if (!this.stopping)
          this.logger.error(`job runner subscription ended: ${String(error)}`);
      }
    })();
  }

  /**
   * Stops claiming jobs, lets running steps finish for up to `graceMs`, then records the
   * jobs still running as interrupted (they resume at the next start). When it returns,
   * the runner will not touch the store again.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.subscription?.close();
    await this.following;
    for (const lane of this.lanes.values()) lane.wake?.();
    const lanes = Promise.all([...this.lanesRunning]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      lanes,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.graceMs ?? 10_000);
      }),
    ]);
    clearTimeout(timer);
    await Promise.all(
      [...this.active.values()].map(async (job) => {
        try {
          await job.writer.close({
            type: 'RepoActionInterrupted',
            data: { attempt: job.state.attempt },
          });
          this.log(
            'warn',
            job,
            'interrupted by shutdown; resumes at next start',
          );
        } catch (error) {
          this.log(
            'error',
            job,
            `could not record interruption: ${String(error)}`,
          );
        }
      }),
    );
  }

  private observe(batch: readonly RecordedEvent[]): void {
    for (const event of batch) {
      const jobId = jobIdOfStream(event.streamId)!;
      switch (event.type) {
        case 'RepoActionRequested':
          this.enqueue(jobId, event.data as RepoActionRequested['data']);
          break;
        case 'RepoActionCancelRequested': {
          const job = this.active.get(jobId);
          if (job) job.writer.cancelRequested = true;
          break;
        }
        case 'RepoActionCancelled':
        case 'RepoActionCompleted':
        case 'RepoActionFailed': {
          // A job ended by someone else (a cancel while it waited) leaves its lane's wait.
          const repoId = this.repoOfJob.get(jobId);
          if (repoId) this.lanes.get(repoId)?.wake?.();
          break;
        }
        default:
          break;
      }
    }
  }

  private enqueue(jobId: string, request: RepoActionRequested['data']): void {
    if (this.repoOfJob.has(jobId)) return;
    this.repoOfJob.set(jobId, request.repoId);
    let lane = this.lanes.get(request.repoId);
    if (!lane) {
      lane = { queue: [], active: false, wake: undefined };
      this.lanes.set(request.repoId, lane);
    }
    lane.queue.push(jobId);
    if (!lane.active && !this.stopping) this.startLane(request.repoId, lane);
  }

  private startLane(repoId: string, lane: Lane): void {
    lane.active = true;
    const running: Promise<void> = this.runLane(lane)
      .catch((error: unknown) =>
        this.logger.error(`lane of repo ${repoId} failed: ${String(error)}`),
      )
      .finally(() => {
        lane.active = false;
        this.lanesRunning.delete(running);
        if (lane.queue.length === 0) this.lanes.delete(repoId);
        else if (!this.stopping) this.startLane(repoId, lane);
      });
    this.lanesRunning.add(running);
  }

  private async runLane(lane: Lane): Promise<void> {
    while (!this.stopping && lane.queue.length > 0) {
      const jobId = lane.queue[0]!;
      const outcome = await this.runJob(jobId);
      if (outcome === 'stopped') return;
      if (outcome === 'done') {
        lane.queue.shift();
        this.repoOfJob.delete(jobId);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, outcome.retryInMs);
        lane.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      lane.wake = undefined;
    }
  }

  private async runJob(jobId: string): Promise<LaneOutcome> {
    await this.slots.acquire();
    try {
      if (this.stopping) return 'stopped';
      return await this.claimAndRun(jobId);
    } finally {
      this.slots.release();
    }
  }

  private async claimAndRun(jobId: string): Promise<LaneOutcome> {
    const stream = jobStream(jobId);
    const recorded = await this.store.readStream(stream);
    const state = jobStateFrom(narrowAll(recorded, JOB_EVENTS));
    const now = this.clock();
    const directive = react(state, now.toISOString());
    if (directive.kind === 'none') return 'done';
    if (directive.kind === 'wait') {
      return { retryInMs: Date.parse(directive.until) - now.getTime() };
    }
    const request = state.request!;
    const job: ActiveJob = {
      jobId,
      request,
      state,
      plan: state.plan,
      writer: new JobWriter(this.store, stream, recorded.length - 1, () =>
        this.metadata(request),
      ),
    };
    try {
      if (directive.kind === 'cancel') {
        await job.writer.append({ type: 'RepoActionCancelled', data: {} });
        this.options.metrics?.outcome?.('cancelled');
        return 'done';
      }
      if (directive.interrupted) {
        await job.writer.append({
          type: 'RepoActionInterrupted',
          data: { attempt: state.attempt },
        });
      }
      await job.writer.append({
        type: 'RepoActionStarted',
        data: { attempt: directive.attempt, worker: this.options.worker },
      });
    } catch (error) {
      if (error instanceof JobReleasedError) return 'done';
      throw error;
    }
    job.state = { ...state, phase: 'running', attempt: directive.attempt };
    if (directive.attempt === 1) {
      const requestedAt = Date.parse(
        recorded[0]!.metadata.at ?? recorded[0]!.recordedAt,
      );
      this.options.metrics?.queueWait?.((now.getTime() - requestedAt) / 1000);
    }
    this.active.set(jobId, job);
    try {
      return await this.runSteps(job);
    } finally {
      this.active.delete(jobId);
    }
  }

  private async runSteps(job: ActiveJob): Promise<LaneOutcome> {
    try {
      for (const step of remainingSteps(job.state)) {
        if (job.writer.cancelRequested && cancellableBefore(step)) {
          await job.writer.append({ type: 'RepoActionCancelled', data: {} });
          this.options.metrics?.outcome?.('cancelled');
          this.log('log', job, `cancelled before ${step}`);
          return 'done';
        }
        await job.writer.append({
          type: 'RepoActionStepStarted',
          data: { step },
        });
        const started = performance.now();
        const summary = await this.withTimeout(step, this.runStep(step, job));
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
      const plan = job.plan;
      await job.writer.close({
        type: 'RepoActionCompleted',
        data: {
          summary: plan?.summary ?? 'done',
          changed: plan?.changed ?? [],
        },
      });
      this.options.metrics?.outcome?.('completed');
      this.log('log', job, `completed: ${plan?.summary ?? 'done'}`);
      return 'done';
    } catch (error) {
      return this.fail(job, error);
    }
  }

  private async fail(job: ActiveJob, error: unknown): Promise<LaneOutcome> {
    if (error instanceof JobReleasedError) {
      return this.stopping ? 'stopped' : 'done';
    }
    const failure = failureOf(error);
    if (failure.code === 'JOB.INTERNAL') {
      this.log(
        'error',
        job,
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      );
    }
    try {
      if (shouldRetry(failure, job.state.attempt, this.retry)) {
        const delay = retryDelayMs(
          this.retry,
          job.state.attempt,
          this.random(),
        );
        const retryAt = new Date(this.clock().getTime() + delay).toISOString();
        await job.writer.append({
          type: 'RepoActionRetryScheduled',
          data: {
            attempt: job.state.attempt,
            reason: failure.message,
            retryAt,
          },
        });
        this.options.metrics?.outcome?.('retry');
        this.log(
          'warn',
          job,
          `attempt ${job.state.attempt} failed (${failure.code}); retry at ${retryAt}`,
        );
        return { retryInMs: delay };
      }
      await job.writer.close({
        type: 'RepoActionFailed',
        data: {
          code: failure.code,
          message: failure.message,
          ...(failure.conflict ? { conflict: failure.conflict } : {}),
        },
      });
      this.options.metrics?.outcome?.('error');
      this.log('warn', job, `failed: ${failure.code}: ${failure.message}`);
      return 'done';
    } catch (writeError) {
      if (writeError instanceof JobReleasedError)
        return this.stopping ? 'stopped' : 'done';
      throw writeError;
    }
  }

  private async runStep(step: JobStep, job: ActiveJob): Promise<string> {
    const { repoId } = job.request;
    switch (step) {
      case 'pre_sync': {
        const repo = await this.repo(repoId);
        await this.git.ensureClone(repoId, repo.registered!.remoteUrl);
        return 'fetched the remote';
      }
      case 'execute': {
        const repo = await this.repo(repoId);
        const progress = this.progressReporter(job, step);
        const outcome = await this.operations.run(
          {
            repoId,
            jobId: job.jobId,
            action: job.request.action,
            ...(job.request.branchName !== undefined
              ? { branchName: job.request.branchName }
              : {}),
            ...(job.request.parentBranch !== undefined
              ? { parentBranch: job.request.parentBranch }
              : {}),
          },
          repo.stack,
          progress.report,
        );
        progress.flush();
        job.plan = {
          moves: outcome.moves,
          events: outcome.events,
          changed: outcome.changed,
          summary: outcome.summary,
        };
        return outcome.summary;
      }
      case 'publish':
        return this.publish(job);
      case 'post_sync':
        return this.observeBranches(job);
    }
  }

  /**
   * Moves the planned refs (one local transaction, one leased atomic push), then records
   * the stack events. Run again after a restart, a push that already happened is seen in
   * the remote-tracking refs and not repeated, and the events keep their ids.
   */
  private async publish(job: ActiveJob): Promise<string> {
    const plan = job.plan;
    if (!plan)
      throw new Error(`job ${job.jobId} reached publish without a plan`);
    const { repoId } = job.request;
    if (plan.moves.length > 0 && !(await this.published(repoId, plan))) {
      try {
        await this.operations.applyAndPublish(repoId, plan.moves);
      } catch (error) {
        // A push of an earlier attempt may have landed after all (its process outlived
        // the one that started it): the remote then holds exactly our plan.
        if (!(error instanceof RemoteChangedError)) throw error;
        await this.git.fetch(repoId);
        if (!(await this.published(repoId, plan))) throw error;
      }
    }
    if (plan.events.length > 0) {
      this.assertOpen(job);
      const metadata = this.metadata(job.request);
      await this.store.appendToStream(
        repoStream(repoId),
        plan.events.map((event, i) => ({
          ...event,
          eventId: uuidv5(`${job.jobId}:${i}`, JOB_EVENT_IDS),
          metadata,
        })),
        { expectedVersion: 'any' },
      );
    }
    return plan.moves.length > 0
      ? `published ${plan.moves.length} branch(es)`
      : 'nothing to publish';
  }

  /** Whether the remote-tracking refs already hold every planned move. */
  private async published(
    repoId: string,
    plan: ExecutionPlan,
  ): Promise<boolean> {
    const remote = await this.git.remoteHeads(repoId);
    return plan.moves.every((m) => (remote.get(m.branch) ?? null) === m.to);
  }

  /** Fetches again and records every remote branch head, for the stack overview. */
  private async observeBranches(job: ActiveJob): Promise<string> {
    const { repoId } = job.request;
    const repo = await this.repo(repoId);
    await this.git.fetch(repoId);
    const remote = await this.git.remoteHeads(repoId);
    const local = await this.git.localHeads(repoId);
    const trunk = repo.stack.trunk;
    const observed: RepoBranchesObserved = {
      type: 'RepoBranchesObserved',
      data: {
        trunk,
        trunkSha: remote.get(trunk) ?? '',
        branches: [...remote]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, remoteSha]) => ({
            name,
            sha: local.get(name) ?? remoteSha,
            remoteSha,
          })),
        observedAt: this.clock().toISOString(),
      },
    };
    this.assertOpen(job);
    await this.store.appendToStream(
      repoStream(repoId),
      [{ ...observed, metadata: this.metadata(job.request) }],
      { expectedVersion: 'any' },
    );
    return `observed ${remote.size} remote branch(es)`;
  }

  private async repo(repoId: string): Promise<RepoState> {
    const repo = await this.repos.read(repoId);
    if (!repo.registered) {
      throw new DomainError(
        'REPO.NOT_FOUND',
        'not_found',
        `No repository ${repoId}`,
      );
    }
    return repo;
  }

  /** Progress events for one step, at most one per interval; the latest message wins. */
  private progressReporter(job: ActiveJob, step: JobStep) {
    const interval = this.options.progressIntervalMs ?? 250;
    let last = 0;
    let pending: { message: string; done?: number; total?: number } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const send = () => {
      timer = undefined;
      if (!pending) return;
      const { message, done, total } = pending;
      pending = undefined;
      last = performance.now();
      job.writer
        .append({
          type: 'RepoActionProgressed',
          data: {
            step,
            message,
            ...(done !== undefined ? { done } : {}),
            ...(total !== undefined ? { total } : {}),
          },
        })
        .catch(() => undefined); // progress is best effort; the step's own events are not
    };
    return {
      report: (message: string, done?: number, total?: number) => {
        pending = {
          message,
          ...(done !== undefined ? { done } : {}),
          ...(total !== undefined ? { total } : {}),
        };
        const wait = last + interval - performance.now();
        if (wait <= 0) send();
        else timer ??= setTimeout(send, wait);
      },
      flush: () => {
        clearTimeout(timer);
        timer = undefined;
        pending = undefined;
      },
    };
  }

  private async withTimeout<T>(step: JobStep, work: Promise<T>): Promise<T> {
    const limit = this.options.stepTimeoutMs;
    if (!limit) return work;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new DomainError(
                  'JOB.STEP_TIMEOUT',
                  'internal',
                  `Step ${step} took longer than ${limit} ms`,
                ),
              ),
            limit,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Once shutdown has given a job up, its late steps must not write. */
  private assertOpen(job: ActiveJob): void {
    if (job.writer.isClosed) throw new JobReleasedError('job was given up');
  }

  private metadata(request: RepoActionRequested['data']): MessageMetadata {
    return {
      correlationId: request.jobId,
      jobId: request.jobId,
      actor: `worker:${this.options.worker}`,
      orgId: request.orgId,
      repoId: request.repoId,
      at: this.clock().toISOString(),
    };
  }

  private log(
    level: 'log' | 'warn' | 'error',
    job: ActiveJob,
    message: string,
  ): void {
    this.logger[level]({
      message,
      jobId: job.jobId,
      correlationId: job.jobId,
      repoId: job.request.repoId,
      action: job.request.action,
    });
  }
}
