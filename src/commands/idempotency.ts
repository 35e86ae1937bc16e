import { z } from 'zod';
import { parseInput } from '../infrastructure/http/parse-body';

/** `Idempotency-Key`: printable ASCII, as in the IETF draft's examples. */
export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be 1 to 200 printable ASCII characters')
  .meta({
    description:
      'Makes a retry safe: the same request with the same key gets 200 and what the first one made, for at least 24 h; the key with a different request gets 422 `IDEMPOTENCY.KEY_REUSED`.',
  });

/** The checked `Idempotency-Key` header of a command request, if it has one. */
export const parseIdempotencyKey = (
  header: string | undefined,
): string | undefined =>
  header === undefined
    ? undefined
    : parseInput(IdempotencyKeyHeader, header, 'Idempotency-Key header');
