/**
 * What kind of failure an error is, independent of any transport. The HTTP edge maps a
 * kind to a status code; the domain never names one.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'unavailable'
  | 'internal';

/**
 * A failure the system expects and reports to its caller: a stable machine-readable `code`
 * (for example `REPO_ACTION.BRANCH_REQUIRED`), a human message and optional details.
 * Codes are part of the API contract: never rename one.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(
    code: string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ) {
    super(code, 'validation', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, message: string) {
    super(code, 'not_found', message);
  }
}

export class ConflictError extends DomainError {
  constructor(
    code: string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ) {
    super(code, 'conflict', message, details);
  }
}
