import { z } from 'zod';

/** Body of `POST /repos/:repoId/actions`. The action is checked by the domain's own list. */
export const RequestRepoActionBody = z.object({
  action: z.string().max(100),
  branchName: z.string().max(1000).optional(),
  parentBranch: z.string().max(1000).optional(),
});

/** `Idempotency-Key`: printable ASCII, as in the IETF draft's examples. */
export const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be 1 to 200 printable ASCII characters');
