import { z } from 'zod';

/** The body of every error answer: a stable code, a message, and details for some codes. */
export const ErrorResource = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({
        description:
          'Stable and machine-readable (e.g. `REPO.NOT_FOUND`); never renamed.',
      }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });
/** The body of an error answer. */
export type ErrorResource = z.infer<typeof ErrorResource>;
