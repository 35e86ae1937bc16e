import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  APP_CONFIG,
  type AppConfig,
} from '../../infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import {
  DEFAULT_MAX_HELPER_REPOS,
  GitCliEngine,
} from '../../infrastructure/git/git-cli-engine';
import { GitRunner } from '../../infrastructure/git/git-runner';
import { StackOperations } from '../../infrastructure/git/operations/stack-operations';
import { MetricsService } from '../../infrastructure/metrics/metrics.service';
import { JobProcessManager } from './job.process-manager';
import { DEFAULT_RETRY_POLICY } from './job.saga';
import { GitJobSteps } from './steps/git-job.steps';

/**
 * Runs the job runner for the life of the app. It starts once the app is up and stops in
 * the shutdown phase before storage closes (see StorageModule), so no step ever meets a
 * closed store.
 */
@Injectable()
export class JobRunnerService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly jobs: JobProcessManager;
  private readonly git: GitCliEngine;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
    metrics: MetricsService,
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
    const steps = new GitJobSteps(
      store,
      this.git,
      new StackOperations(this.git),
      clock,
    );
    this.jobs = new JobProcessManager(store, steps, {
      worker: `${hostname()}:${process.pid}`,
      concurrency: config.concurrency,
      stepTimeoutMs: config.stepTimeoutMs,
      retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: config.retryBaseMs },
      graceMs: config.shutdownGraceMs,
      logger: new Logger('JobRunner'),
      metrics: metrics.jobMetrics(),
      clock,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.jobs.stop();
    await this.git.close();
  }
}
