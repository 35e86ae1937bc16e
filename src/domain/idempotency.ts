import { DomainError } from './domain-error';

/** 422: an `Idempotency-Key` that made one thing was sent again for a different request. */
export const idempotencyKeyReused = (
  details: Readonly<Record<string, unknown>>,
): DomainError =>
  new DomainError(
    'IDEMPOTENCY.KEY_REUSED',
    'unprocessable',
    'This Idempotency-Key was used for a different request',
    details,
  );
