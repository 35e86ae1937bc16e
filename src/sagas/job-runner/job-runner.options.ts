import type { JobAction, JobStep } from '../../domain/events/job.events';
import type { FollowerCheckpoints } from '../../infrastructure/checkpoints/follower-checkpoints.port';
import type { Clock } from '../../infrastructure/clock/clock';
import type { JobRunnerLogger } from './job.log';
import type { RetryPolicy } from './job.saga';
import type { LaneGate } from './job.scheduler';

/** How an attempt of a job ended, as the outcome metric counts it. */
export type JobOutcome = 'completed' | 'error' | 'cancelled' | 'retry';

/** The labels of an outcome besides itself. */
export interface JobOutcomeLabels {
  action: JobAction;
  /** The failure's code for `error` and `retry`; empty otherwise. */
  code: string;
}

/** What the runner reports for metrics; every method is optional work for the caller. */
export interface JobRunnerMetrics {
  queueWait(seconds: number): void;
  stepDuration(step: JobStep, seconds: number): void;
  outcome(outcome: JobOutcome, labels: JobOutcomeLabels): void;
  /** Jobs accepted and waiting for a turn (not started, or waiting for a retry), now. */
  jobsQueued(count: number): void;
  /** Jobs this runner is running, now. */
  jobsRunning(count: number): void;
  /** A claim lost to another writer of the job's stream (its append met a newer version). */
  claimConflict(): void;
  /** A job found running under another instance (it died, or lost its lease) and resumed here. */
  leaseTakeover(): void;
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
  /** Which repos' lanes may run here; unset, all (a service running alone). */
  gate?: LaneGate;
  /**
   * Where the runner keeps its checkpoint (the jobs unfinished at a position), so that a
   * start reads only what happened since; unset, every start folds every job stream.
   */
  checkpoints?: FollowerCheckpoints;
}
