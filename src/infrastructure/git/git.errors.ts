import { DomainError } from '../../domain/domain-error';

/** A git command failed unexpectedly. Its text has credentials removed. */
export class GitCommandError extends DomainError {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(
      'GIT.COMMAND_FAILED',
      'internal',
      `git ${command} failed (${exitCode}): ${stderr}`,
    );
  }
}

/** Talking to the remote failed in a way a retry may fix (network, remote down). */
export class GitTransientError extends DomainError {
  constructor(operation: 'fetch' | 'push' | 'clone', detail: string) {
    super(
      'GIT.REMOTE_UNAVAILABLE',
      'unavailable',
      `git ${operation} failed: ${detail}`,
    );
  }
}

/** Replaying a commit conflicts; nothing has moved. */
export class ReplayConflictError extends DomainError {
  constructor(
    readonly branch: string,
    readonly files: readonly string[],
  ) {
    super(
      'GIT.CONFLICT',
      'conflict',
      `Restacking ${branch} conflicts in ${files.join(', ')}`,
      {
        conflict: { branch, files: [...files] },
      },
    );
  }
}

/** The remote moved after we read it: the atomic push changed nothing. */
export class RemoteChangedError extends DomainError {
  constructor(readonly refs: readonly string[]) {
    super(
      'GIT.REMOTE_CHANGED',
      'conflict',
      `The remote moved meanwhile: ${refs.join(', ')}`,
      {
        refs: [...refs],
      },
    );
  }
}

/** A ref moved under us between planning and the update-ref transaction. */
export class RefMovedError extends DomainError {
  constructor(detail: string) {
    super(
      'GIT.REF_MOVED',
      'conflict',
      `A branch moved during the operation: ${detail}`,
    );
  }
}

/** A branch the operation needs does not exist on the remote. */
export class UnknownBranchError extends DomainError {
  constructor(readonly branch: string) {
    super(
      'GIT.UNKNOWN_BRANCH',
      'not_found',
      `Branch ${branch} does not exist on the remote`,
      {
        branch,
      },
    );
  }
}

/**
 * A long-running git helper (`cat-file --batch`) stopped while a request was in flight:
 * killed, crashed or out of memory. The engine starts a new one on the next use, so the
 * job's retry succeeds.
 */
export class GitHelperDiedError extends DomainError {
  constructor(
    readonly helper: string,
    readonly reason: string,
  ) {
    super('GIT.HELPER_DIED', 'unavailable', `git ${helper} stopped: ${reason}`);
  }
}
