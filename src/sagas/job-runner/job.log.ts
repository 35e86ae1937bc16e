import type { RepoActionRequested } from '../../domain/events/job.events';

/**
 * Where the runner writes its log; Nest's `Logger` and `console` both fit. The app's logger
 * spreads an object's fields into the line and makes its `msg` the line's message.
 */
export interface JobRunnerLogger {
  log(message: string | object): void;
  warn(message: string | object): void;
  error(message: string | object): void;
}

/** The job a log line is about. */
export interface LoggedJob {
  jobId: string;
  /** Its request's correlation id (see `jobCorrelationId`); the job's id when unknown. */
  correlationId?: string;
  request: RepoActionRequested['data'];
}

/**
 * One structured line about a job, carrying the ids under which its events are stored
 * (`jobId`, and `correlationId`, which leads to the request that asked for it and every
 * event that request set off), so that a line in the log leads to the job's stream.
 */
export function logJob(
  logger: JobRunnerLogger,
  level: 'log' | 'warn' | 'error',
  job: LoggedJob,
  message: string,
): void {
  logger[level]({
    msg: message,
    jobId: job.jobId,
    correlationId: job.correlationId ?? job.jobId,
    repoId: job.request.repoId,
    action: job.request.action,
  });
}
