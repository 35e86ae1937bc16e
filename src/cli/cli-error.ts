import { EXIT, type ExitCode } from './exit-codes';

/**
 * A failure the client reports as one line and an exit status, never as a stack trace:
 * `code` is the service's error code when the service answered one (`REPO.NOT_FOUND`), else
 * one of the client's own (`CLI.*`).
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    /** What the user may do about it, printed on a line of its own. */
    readonly hint?: string,
    /** The HTTP status of a coded answer of the service. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake in the command line itself. */
export const usageError = (message: string, hint?: string): CliError =>
  new CliError('CLI.USAGE', message, EXIT.usage, hint);
