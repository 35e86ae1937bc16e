import type { JobAction } from '../../domain/events/job.events';

/** A job this instance's runner holds: claimed by it, its attempt not ended yet. */
export interface JobLeaseView {
  jobId: string;
  action: JobAction;
  attempt: number;
  /** When the runner claimed it (ISO-8601). */
  since: string;
}

/**
 * What the read side learns of this instance's job runner: the jobs it holds. The runner
 * implements it; the composition root binds the two, so the read side never imports the
 * runner.
 */
export interface InstanceJobs {
  leases(): readonly JobLeaseView[];
  /**
   * The repos whose lease this instance holds (their jobs run here, their clones are here),
   * when instances share a database; undefined on SQLite, where one instance runs them all.
   */
  repoLeases(): readonly string[] | undefined;
}

export const INSTANCE_JOBS = Symbol('InstanceJobs');
