import type { RepoActionRequested } from '../../domain/events/job.events';

/** Where the runner writes its log; Nest's `Logger` and `console` both fit. */
export interface JobRunnerLogger {
  log(message: string | object): void;
  warn(message: string | object): void;
  error(message: string | object): void;
}

/** The job a log line is about. */
export interface LoggedJob {
  jobId: string;
  request: RepoActionRequested['data'];
}

/**
 * One structured line about a job, carrying the ids under which its events are stored, so
 * that a line in the log leads to the job's stream.
 */
export function logJob(
  logger: JobRunnerLogger,
  level: 'log' | 'warn' | 'error',
  job: LoggedJob,
  message: string,
): void {
  logger[level]({
    message,
    jobId: job.jobId,
    correlationId: job.jobId,
    repoId: job.request.repoId,
    action: job.request.action,
  });
}
