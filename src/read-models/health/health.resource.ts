import { z } from 'zod';

/** The answer of `GET /health`, ready (200) or not (503). */
export const HealthResource = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    eventStore: z.enum(['open', 'unavailable']).meta({
      description:
        '`open` while the store takes writes; `unavailable` from a write its storage refused (disk full, read-only, I/O error) until a later write succeeds. While it is unavailable, each health check tries a small write of its own.',
    }),
    eventStoreError: z
      .strictObject({
        code: z.string().meta({
          description:
            'The storage error: a SQLite result code (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, `SQLITE_READONLY`, `SQLITE_CANTOPEN`) or an errno code (`ENOSPC`).',
        }),
        message: z.string(),
        since: z.iso
          .datetime()
          .meta({ description: 'When writes began to fail.' }),
      })
      .optional()
      .meta({
        description: 'Why the store takes no writes, when it does not.',
      }),
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
