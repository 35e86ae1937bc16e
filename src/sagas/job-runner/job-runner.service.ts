import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { join } from 'node:path';
import type { JobAction } from '../../domain/events/job.events';
import { JOB_EVENTS, narrow } from '../../domain/events/stackyard-event';
import {
  evolveJob,
  initialJobState,
  isFinished,
  type JobState,
} from '../../domain/job/job.state';
import { JOB_STREAM_PREFIX, jobIdOfStream } from '../../domain/streams';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  APP_CONFIG,
  type AppConfig,
} from '../../infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import {
  type Follower,
  foldThenFollow,
} from '../../infrastructure/event-store/fold-then-follow';
import { CloneCache } from '../../infrastructure/git/clone-cache';
import {
  DEFAULT_MAX_HELPER_REPOS,
  GitCliEngine,
} from '../../infrastructure/git/git-cli-engine';
import { GitRunner } from '../../infrastructure/git/git-runner';
import { StackOperations } from '../../infrastructure/git/operations/stack-operations';
import { MetricsService } from '../../infrastructure/metrics/metrics.service';
import {
  SHARED_LEASES,
  type SharedLeases,
} from '../../infrastructure/storage/storage';
import { CloneCacheGate, CloneCacheSteps } from './clone-cache.lanes';
import type { JobRunnerMetrics } from './job-runner.options';
import { JobProcessManager } from './job.process-manager';
import { DEFAULT_RETRY_POLICY } from './job.saga';
import { OPEN_GATE } from './job.scheduler';
import { RepoLeaseGate } from './repo-lease.gate';
import { GitJobSteps } from './steps/git-job.steps';

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
 */
export class JobBoard {
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
    const entry = this.jobs.get(jobId) ?? {
      state: initialJobState(),
      lease: undefined,
    };
    const state = evolveJob(entry.state, known);
    if (state.phase === 'absent' || isFinished(state)) {
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
    this.jobs.set(jobId, { state, lease });
  }

  /** The jobs this instance's runner holds, oldest claim first. */
  leases(): JobLease[] {
    return [...this.jobs.values()]
      .flatMap(({ lease }) => (lease ? [lease] : []))
      .sort((a, b) => a.since.localeCompare(b.since));
  }

  /** Jobs waiting for a turn of some runner: status `queued`, held by none here. */
  queued(): number {
    let count = 0;
    for (const { state, lease } of this.jobs.values())
      if (!lease && (state.phase === 'queued' || state.phase === 'waiting'))
        count++;
    return count;
  }

  running(): number {
    let count = 0;
    for (const { lease } of this.jobs.values()) if (lease) count++;
    return count;
  }
}

/**
 * Runs the job runner for the life of the app. It starts once the app is up and stops in
 * the shutdown phase before storage closes (see StorageModule), so no step ever meets a
 * closed store. It also follows the job streams to tell which jobs wait and which this
 * instance runs (`leases()`, and the queued and running gauges).
 */
@Injectable()
export class JobRunnerService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly jobs: JobProcessManager;
  private readonly git: GitCliEngine;
  private readonly metrics: Partial<JobRunnerMetrics>;
  private readonly worker: string;
  private readonly gate: RepoLeaseGate | undefined;
  /** This instance's clones under their disk budget. */
  readonly cloneCache: CloneCache;
  private board: JobBoard | undefined;
  private boardFollower: Follower | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
    metrics: MetricsService,
    @Inject(SHARED_LEASES) leases: SharedLeases | null,
  ) {
    this.git = new GitCliEngine(
      join(config.dataDir, 'repos'),
      new GitRunner(config.gitBin),
      {
        scratchDir: join(config.dataDir, 'tmp'),
        helperIdleMs: config.gitHelperIdleMs,
        // Every repo running a job at once keeps its helpers, with room for a few idle ones.
        maxHelperRepos: Math.max(DEFAULT_MAX_HELPER_REPOS, config.concurrency),
      },
    );
    this.metrics = metrics.jobMetrics();
    this.worker = config.instanceId;
    // Instances sharing a database run each repo's jobs where its lease is; alone, all here.
    const gate = leases
      ? new RepoLeaseGate(leases.store, {
          holder: this.worker,
          ttlMs: config.leaseMs,
          logger: new Logger('JobRunner'),
          onLost: (repoId) => this.jobs.repoLost(repoId),
        })
      : undefined;
    this.gate = gate;
    // A repo whose clone was evicted is given up, so that another instance may take it.
    this.cloneCache = new CloneCache(this.git, {
      budgetBytes: config.cloneCacheBytes,
      logger: new Logger('CloneCache'),
      metrics: metrics.cloneCacheMetrics(),
      ...(gate ? { evicted: (repoId: string) => gate.release(repoId) } : {}),
    });
    const steps = new CloneCacheSteps(
      new GitJobSteps(store, this.git, new StackOperations(this.git), clock),
      this.cloneCache,
    );
    this.jobs = new JobProcessManager(store, steps, {
      worker: this.worker,
      concurrency: config.concurrency,
      stepTimeoutMs: config.stepTimeoutMs,
      retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: config.retryBaseMs },
      graceMs: config.shutdownGraceMs,
      logger: new Logger('JobRunner'),
      metrics: this.metrics,
      clock,
      gate: new CloneCacheGate(gate ?? OPEN_GATE, this.cloneCache),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Everything this process's runner appends comes after the head as it is now.
    const board = new JobBoard(
      this.worker,
      (await this.store.headPosition()) + 1,
    );
    this.board = board;
    this.gate?.start();
    this.cloneCache.start();
    const [follower] = await Promise.all([
      foldThenFollow(this.store, {
        filter: { streamPrefix: JOB_STREAM_PREFIX },
        fold: (event) => board.apply(event),
        caughtUp: () => this.report(board),
        follow: (batch) => {
          for (const event of batch) board.apply(event);
          this.report(board);
        },
        name: 'job board subscription',
        logger: new Logger('JobRunner'),
      }),
      this.jobs.start(),
    ]);
    this.boardFollower = follower;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.jobs.stop();
    await this.cloneCache.stop();
    // Given up at once, so that the other instances take this one's repos without waiting.
    await this.gate?.stop();
    await this.boardFollower?.close();
    await this.git.close();
  }

  /** The jobs this instance's runner is running now, oldest claim first. */
  leases(): JobLease[] {
    return this.board?.leases() ?? [];
  }

  /** The repos whose lease this instance holds; undefined without a shared database. */
  repoLeases(): string[] | undefined {
    return this.gate?.repos();
  }

  private report(board: JobBoard): void {
    this.metrics.jobsQueued?.(board.queued());
    this.metrics.jobsRunning?.(board.running());
  }
}
