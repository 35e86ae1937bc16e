import { DomainError } from '../../domain/domain-error';
import {
  JOB_STEPS,
  type ConflictInfo,
  type JobStep,
} from '../../domain/events/job.events';
import {
  hasPublished,
  isFinished,
  type JobState,
} from '../../domain/job/job.state';

/**
 * The pure half of the job runner: given what a job's stream says, what happens next.
 * The runner (job.runner.ts) does the I/O these answers ask for.
 */
export type JobDirective =
  | { kind: 'none' }
  | { kind: 'cancel' }
  | { kind: 'wait'; until: string }
  | { kind: 'give_up'; failure: Failure }
  | { kind: 'settle' }
  | { kind: 'claim'; attempt: number; interrupted: boolean };

export function react(
  state: JobState,
  now: string,
  maxAttempts = DEFAULT_RETRY_POLICY.maxAttempts,
): JobDirective {
  if (state.phase === 'absent' || isFinished(state)) return { kind: 'none' };
  if (state.cancelRequested && !hasPublished(state)) return { kind: 'cancel' };
  if (state.phase === 'waiting' && state.retryAt && state.retryAt > now)
    return { kind: 'wait', until: state.retryAt };
  // A job still `running` when we come to it was cut off (the process stopped mid-step).
  const interrupted = state.phase === 'running';
  // Cut off in its last attempt, the job may be what stops the process (it exhausts memory,
  // say): run again, it would stop every start of the service.
  if (interrupted && state.attempt >= maxAttempts) {
    // Unless its push may have landed: the remote would then hold the job's result while its
    // stream says nothing of it. Settling finds out, without pushing, and finishes or fails
    // the job accordingly; once only (a settle cut off leaves the job waiting, and the one
    // attempt that follows, if cut off too, is given up here).
    if (state.attempt === maxAttempts && mayHavePublished(state))
      return { kind: 'settle' };
    return { kind: 'give_up', failure: interruptedFailure(state, maxAttempts) };
  }
  return { kind: 'claim', attempt: state.attempt + 1, interrupted };
}

/** The plan is recorded and not yet published: a cut-off `publish` may have pushed it. */
const mayHavePublished = (state: JobState): boolean =>
  state.plan !== undefined &&
  state.completedSteps.includes('execute') &&
  !hasPublished(state);

/** The end of a job cut off once too often: it could be what stops the service. */
export const interruptedFailure = (
  state: Pick<JobState, 'attempt'>,
  maxAttempts: number,
): Failure => ({
  code: 'JOB.INTERRUPTED',
  message: `The service stopped while attempt ${state.attempt} of ${maxAttempts} ran; the job is not tried again`,
  transient: false,
});

/** The steps still to run: every step after the last one recorded as completed. */
export const remainingSteps = (state: JobState): JobStep[] =>
  JOB_STEPS.filter((step) => !state.completedSteps.includes(step));

/**
 * The steps of a turn. A job resumed on another instance than the one that ran it (that
 * one died) finds no clone, or another clone, here: `pre_sync` runs again to make and fetch
 * this instance's, and until the job has published, `execute` runs again too, since the
 * commits its plan names were written into the other instance's clone (it keeps the
 * recorded plan when the remote already holds it: the other instance's push landed).
 */
export function stepsToRun(state: JobState, takenOver: boolean): JobStep[] {
  const remaining = remainingSteps(state);
  if (!takenOver) return remaining;
  const again: JobStep[] = hasPublished(state)
    ? ['pre_sync']
    : ['pre_sync', 'execute'];
  return JOB_STEPS.filter(
    (step) => again.includes(step) || remaining.includes(step),
  );
}

/** A step may stop for a cancel only while nothing has been published. */
export const cancellableBefore = (step: JobStep): boolean =>
  step === 'pre_sync' || step === 'execute' || step === 'publish';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

export interface Failure {
  code: string;
  message: string;
  conflict?: ConflictInfo;
  transient: boolean;
}

/** What an error means for a job: its stable code, and whether a retry may help. */
export function failureOf(error: unknown): Failure {
  if (error instanceof DomainError) {
    const conflict = error.details?.conflict as ConflictInfo | undefined;
    return {
      code: error.code,
      message: error.message,
      ...(conflict ? { conflict } : {}),
      transient: error.kind === 'unavailable',
    };
  }
  return {
    code: 'JOB.INTERNAL',
    message: 'The job failed unexpectedly; see the service log',
    transient: false,
  };
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so that
 * jobs failing together do not retry together. `random` is in [0, 1).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: number,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.max(0, attempt - 1),
  );
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** Whether a failure on `attempt` gets another attempt. */
export const shouldRetry = (
  failure: Failure,
  attempt: number,
  policy: RetryPolicy,
): boolean => failure.transient && attempt < policy.maxAttempts;
