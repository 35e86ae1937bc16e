import { ConflictError, DomainError } from '../../domain/domain-error';
import type { ExpectedVersion } from './event-store.port';
import type { StorageFailure } from './storage-failure';

/** The stream was not at the expected version: somebody else appended first. */
export class ConcurrencyError extends ConflictError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | 'no_stream',
  ) {
    super(
      'EVENT_STORE.CONCURRENCY',
      `Stream ${streamId} was expected at ${String(expected)} but is at ${String(actual)}`,
      { streamId, expected, actual },
    );
  }
}

/** Some but not all events of an append were stored before under the same ids. */
export class DuplicateEventIdError extends ConflictError {
  constructor(readonly streamId: string) {
    super(
      'EVENT_STORE.PARTIAL_DUPLICATE',
      `Append to ${streamId} repeats some event ids of an earlier append but not all`,
      { streamId },
    );
  }
}

export class EventStoreClosedError extends DomainError {
  constructor() {
    super('EVENT_STORE.CLOSED', 'unavailable', 'The event store is closed');
  }
}

/**
 * The store's storage cannot take writes (disk full, read-only, failing): nothing of the
 * append was recorded. It passes by itself once the storage takes writes again, so callers
 * answer 503 and clients retry.
 */
export class EventStoreUnavailableError extends DomainError {
  constructor(readonly failure: StorageFailure) {
    super(
      'STORE.UNAVAILABLE',
      'unavailable',
      `The event store cannot record events now (${failure.reason}); nothing was recorded, retry later`,
    );
  }
}
