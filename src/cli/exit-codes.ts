/**
 * The exit statuses of `stackyard`, one per outcome a script may want to tell apart. They
 * are part of the command's contract: `--help` and the README print this table.
 */
export const EXIT = {
  /** The command did what it was asked; a watched job completed. */
  ok: 0,
  /** The job ended in error (a conflict, an unknown branch, …). */
  jobError: 1,
  /** Bad usage: an unknown command or option, a missing argument, no service URL. */
  usage: 2,
  /** The job was cancelled. */
  jobCancelled: 3,
  /** The service refused the request with a coded error (unknown repo or job, invalid input, a conflict). */
  refused: 4,
  /** The service could not be reached, answered 5xx, or was lost while watching and did not come back. */
  unreachable: 5,
  /** The service refused the token: 401 `AUTH.UNAUTHORIZED` (none given, or not known), or 403. */
  auth: 6,
  /** A failure of the client itself, never of the service or the job. */
  internal: 70,
  /** Ctrl-C while watching: the job goes on without the client. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as `--help` prints it. */
export const EXIT_CODE_HELP = [
  'Exit codes:',
  '  0   done; a watched job completed',
  '  1   the job ended in error (its code, and for a conflict the branch and files, are printed)',
  '  2   bad usage: unknown command or option, missing argument, no service URL',
  '  3   the job was cancelled',
  '  4   the service refused the request with a coded error (REPO.NOT_FOUND, REQUEST.INVALID, …)',
  '  5   the service could not be reached, answered 5xx, or was lost while watching',
  '  6   authentication failed: AUTH.UNAUTHORIZED (no token, or an unknown one), or 403',
  '  70  a failure of the client itself',
  '  130 Ctrl-C while watching (the job goes on)',
].join('\n');
