import type {
  ExecutionPlan,
  JobStep,
  RepoActionRequested,
} from '../../domain/events/job.events';
import type { RepoEvent } from '../../domain/events/repo.events';
import type { ProgressReporter } from '../../infrastructure/git/operations/stack-operations';

/** A repo event a step records; a fixed `eventId` makes a re-run record it only once. */
export type RepoEventToRecord = RepoEvent & { eventId?: string };

/** What a step is given: the job it works for, and the runner's ways to report and record. */
export interface JobStepContext {
  readonly jobId: string;
  readonly request: RepoActionRequested['data'];
  /** What `execute` decided: from this attempt, or read back from the job's stream. */
  readonly plan: ExecutionPlan | undefined;
  /**
   * The job's last allowed attempt was cut off before `publish` completed, and this turn only
   * settles it: `publish` must not push, only find out whether the cut-off push landed (then
   * record what it did) or not (then fail the job with `JOB.INTERRUPTED`).
   */
  readonly settling: boolean;
  /** Progress of the step; throttled, and best effort. */
  readonly progress: ProgressReporter;
  /**
   * Aborted when the runner stops waiting for the step (it timed out, or shutdown gave the
   * job up): the step's work must stop then, its result is dropped.
   */
  readonly signal: AbortSignal;
  /**
   * Appends events to the job's repo stream with the job's metadata. Throws
   * `JobReleasedError` once shutdown has given the job up: a late step must not write.
   */
  recordRepoEvents(events: readonly RepoEventToRecord[]): Promise<void>;
}

/** What a step did: the summary its completion records, and `execute`'s plan. */
export interface StepResult {
  summary: string;
  plan?: ExecutionPlan;
}

/** One step of a job. */
export interface JobStepHandler {
  run(context: JobStepContext): Promise<StepResult>;
}

/**
 * The work behind a job's steps, the runner's only way to act on a repository: the runner
 * decides when a step runs and records it; this does it. A failure is thrown, and its
 * `DomainError` kind says whether a retry may help.
 */
export interface JobSteps {
  run(step: JobStep, context: JobStepContext): Promise<StepResult>;
}
