import type { JobStep } from '../../domain/events/job.events';
import type { Clock } from '../../infrastructure/clock/clock';
import type { ClaimedJob } from './job.claim';
import { logJob, type JobRunnerLogger } from './job.log';
import type { JobRunnerMetrics } from './job-runner.options';
import {
  failureOf,
  retryDelayMs,
  type RetryPolicy,
  shouldRetry,
} from './job.saga';
import type { JobTurn } from './job.scheduler';

/**
 * Records how an attempt of a claimed job ended, with its metric and log line: completed,
 * cancelled at a step boundary, failed (a retry with backoff while the failure is
 * transient and attempts remain, else the job's end with the failure's code), or
 * interrupted by shutdown. A `JobReleasedError` from the writer is the caller's to handle.
 */
export class JobOutcomes {
  constructor(
    private readonly retry: RetryPolicy,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly logger: JobRunnerLogger,
    private readonly metrics: Partial<JobRunnerMetrics> | undefined,
  ) {}

  async completed(job: ClaimedJob): Promise<JobTurn> {
    const plan = job.plan;
    await job.writer.close({
      type: 'RepoActionCompleted',
      data: {
        summary: plan?.summary ?? 'done',
        changed: plan?.changed ?? [],
        ...(plan?.adopted ? { adopted: plan.adopted } : {}),
        ...(plan?.skipped ? { skipped: plan.skipped } : {}),
      },
    });
    this.metrics?.outcome?.('completed', {
      action: job.request.action,
      code: '',
    });
    logJob(this.logger, 'log', job, `completed: ${plan?.summary ?? 'done'}`);
    return 'done';
  }

  async cancelledBefore(job: ClaimedJob, step: JobStep): Promise<JobTurn> {
    await job.writer.append({ type: 'RepoActionCancelled', data: {} });
    this.metrics?.outcome?.('cancelled', {
      action: job.request.action,
      code: '',
    });
    logJob(this.logger, 'log', job, `cancelled before ${step}`);
    return 'done';
  }

  async failed(job: ClaimedJob, error: unknown): Promise<JobTurn> {
    const failure = failureOf(error);
    if (failure.code === 'JOB.INTERNAL') {
      logJob(
        this.logger,
        'error',
        job,
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      );
    }
    const { attempt } = job.state;
    if (shouldRetry(failure, attempt, this.retry)) {
      const delay = retryDelayMs(this.retry, attempt, this.random());
      const retryAt = new Date(
        this.clock.now().getTime() + delay,
      ).toISOString();
      await job.writer.append({
        type: 'RepoActionRetryScheduled',
        data: { attempt, reason: failure.message, retryAt },
      });
      this.metrics?.outcome?.('retry', {
        action: job.request.action,
        code: failure.code,
      });
      logJob(
        this.logger,
        'warn',
        job,
        `attempt ${attempt} failed (${failure.code}); retry at ${retryAt}`,
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
    this.metrics?.outcome?.('error', {
      action: job.request.action,
      code: failure.code,
    });
    logJob(
      this.logger,
      'warn',
      job,
      `failed: ${failure.code}: ${failure.message}`,
    );
    return 'done';
  }

  /** The job stays unfinished: the next start finds it waiting and runs it again. */
  async interrupted(job: ClaimedJob): Promise<void> {
    try {
      await job.writer.close({
        type: 'RepoActionInterrupted',
        data: { attempt: job.state.attempt },
      });
      logJob(
        this.logger,
        'warn',
        job,
        'interrupted by shutdown; resumes at next start',
      );
    } catch (error) {
      logJob(
        this.logger,
        'error',
        job,
        `could not record interruption: ${String(error)}`,
      );
    }
  }
}
