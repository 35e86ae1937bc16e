import type { JobStep } from '../../domain/events/job.events';
import type { Clock } from '../../infrastructure/clock/clock';
import type { JobRunnerLogger } from './job.log';
import type { RetryPolicy } from './job.saga';

/** What the runner reports for metrics; every method is optional work for the caller. */
export interface JobRunnerMetrics {
  queueWait(seconds: number): void;
  stepDuration(step: JobStep, seconds: number): void;
  outcome(status: 'completed' | 'error' | 'cancelled' | 'retry'): void;
}

/** How the job runner is set up; everything but `worker` and `concurrency` has a default. */
export interface JobRunnerOptions {
  /** Names this process in the events it appends (`worker:<name>`). */
  worker: string;
  /** Repos worked on at once. */
  concurrency: number;
  retry?: RetryPolicy;
  /** A step taking longer fails with `JOB.STEP_TIMEOUT`; unset, steps may take any time. */
  stepTimeoutMs?: number;
  /** On stop, how long running steps may take to finish before they are recorded interrupted. */
  graceMs?: number;
  /** At most one progress event per job per this interval. */
  progressIntervalMs?: number;
  logger?: JobRunnerLogger;
  metrics?: Partial<JobRunnerMetrics>;
  clock?: Clock;
  /** In [0, 1); the jitter of retry delays. */
  random?: () => number;
}
