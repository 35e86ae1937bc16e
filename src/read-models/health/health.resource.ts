import { z } from 'zod';

/** The answer of `GET /health`, ready (200) or not (503). */
export const HealthResource = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    eventStore: z.literal('open'),
    projections: z.strictObject({
      position: z.number().int().meta({
        description: 'The global position every read model has reached.',
      }),
      head: z
        .number()
        .int()
        .meta({ description: 'The newest position in the store.' }),
      lag: z.number().int(),
      error: z.string().optional().meta({
        description: 'Why the projector stopped, when it did.',
      }),
    }),
  })
  .meta({ id: 'Health' });
/** The answer to `GET /health`. */
export type HealthResource = z.infer<typeof HealthResource>;
