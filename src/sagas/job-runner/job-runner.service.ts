import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { join } from 'node:path';
import {
  FOLLOWER_CHECKPOINTS,
  type FollowerCheckpoints,
} from '../../infrastructure/checkpoints/follower-checkpoints.port';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  APP_CONFIG,
  type AppConfig,
} from '../../infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { CloneCache } from '../../infrastructure/git/clone-cache';
import {
  DEFAULT_MAX_HELPER_REPOS,
  GitCliEngine,
} from '../../infrastructure/git/git-cli-engine';
import { GitRunner } from '../../infrastructure/git/git-runner';
import { MetricsService } from '../../infrastructure/metrics/metrics.service';
import {
  SHARED_LEASES,
  type SharedLeases,
} from '../../infrastructure/storage/storage';
import { CloneCacheGate, CloneCacheSteps } from './clone-cache.lanes';
import type { JobLease } from './job.board';
import type { JobRunnerMetrics } from './job-runner.options';
import { JobProcessManager } from './job.process-manager';
import { DEFAULT_RETRY_POLICY } from './job.saga';
import { OPEN_GATE } from './job.scheduler';
import { RepoLeaseGate } from './repo-lease.gate';
import { GitJobSteps } from './steps/git-job.steps';

export type { JobLease } from './job.board';

/**
 * Runs the job runner for the life of the app. It starts once the app is up and stops in
 * the shutdown phase before storage closes (see StorageModule), so no step ever meets a
 * closed store. Its board of unfinished jobs tells which jobs wait and which this instance
 * runs (`leases()`, and the queued and running gauges).
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
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
    metrics: MetricsService,
    @Inject(SHARED_LEASES) leases: SharedLeases | null,
    @Optional()
    @Inject(FOLLOWER_CHECKPOINTS)
    checkpoints: FollowerCheckpoints | null = null,
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
      new GitJobSteps(store, this.git, clock),
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
      ...(checkpoints ? { checkpoints } : {}),
    });
  }

  /**
   * Starts the runner once. Nest calls this hook on every provider whose value is this
   * object, and the read side's `INSTANCE_JOBS` is this object too (see AppModule): without
   * the guard the runner would start twice, folding the history twice and following the job
   * streams with two subscriptions.
   */
  onApplicationBootstrap(): Promise<void> {
    this.starting ??= (async () => {
      this.gate?.start();
      this.cloneCache.start();
      await this.jobs.start();
    })();
    return this.starting;
  }

  /** Stops the runner once, however many times Nest calls it (see onApplicationBootstrap). */
  beforeApplicationShutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.jobs.stop();
      await this.cloneCache.stop();
      // Given up at once, so that the other instances take this one's repos without waiting.
      await this.gate?.stop();
      await this.git.close();
    })();
    return this.stopping;
  }

  /** How the runner's start read the history (see JobProcessManager.started). */
  get started(): { foldedFrom: number; folded: number } | undefined {
    return this.jobs.started;
  }

  /** The jobs this instance's runner is running now, oldest claim first. */
  leases(): JobLease[] {
    return this.jobs.board?.leases() ?? [];
  }

  /** The repos whose lease this instance holds; undefined without a shared database. */
  repoLeases(): string[] | undefined {
    return this.gate?.repos();
  }
}
