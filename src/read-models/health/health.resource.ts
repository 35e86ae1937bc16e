import { z } from 'zod';
import { JOB_ACTIONS } from '../../domain/events/job.events';

const StoreError = z
  .strictObject({
    code: z.string().meta({
      description:
        'The storage error: a SQLite result code (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, `SQLITE_READONLY`, `SQLITE_CANTOPEN`) or an errno code (`ENOSPC`).',
    }),
    message: z.string(),
    since: z.iso.datetime().meta({ description: 'When writes began to fail.' }),
  })
  .meta({ description: 'Why the store takes no writes, when it does not.' });

/** The answer of `GET /health`, ready (200) or not (503): the readiness check's first shape. */
export const HealthResource = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    eventStore: z.enum(['open', 'unavailable']).meta({
      description:
        '`open` while the store takes writes; `unavailable` from a write its storage refused (disk full, read-only, I/O error) until a later write succeeds. While it is unavailable, each health check tries a small write of its own.',
    }),
    eventStoreError: StoreError.optional(),
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

/** The answer of `GET /health/live`. */
export const LivenessResource = z
  .strictObject({
    status: z.literal('ok'),
    instanceId: z.string().meta({
      description:
        'This process: `STACKYARD_INSTANCE_ID`, or host name and pid. Its job runner signs its events `worker:<instanceId>`.',
    }),
  })
  .meta({ id: 'Liveness' });
export type LivenessResource = z.infer<typeof LivenessResource>;

/** Why an instance is not ready. */
export const NOT_READY_REASONS = [
  'store_unavailable',
  'projector_stopped',
  'projections_behind',
  'draining',
] as const;
export type NotReadyReason = (typeof NOT_READY_REASONS)[number];

/** The answer of `GET /health/ready`, ready (200) or not (503). */
export const ReadinessResource = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    instanceId: z.string().meta({
      description:
        'This process: `STACKYARD_INSTANCE_ID`, or host name and pid.',
    }),
    reasons: z.array(z.enum(NOT_READY_REASONS)).meta({
      description:
        'Why the instance is not ready; empty when it is. `store_unavailable`: the store cannot record events (see `store.error`). `projector_stopped`: the projector met an error (`projections.error`). `projections_behind`: the read models trail the store by more than `projections.maxLag` events. `draining`: the instance is shutting down.',
    }),
    store: z.strictObject({
      engine: z.string().meta({
        description: 'The event store the instance writes to: `sqlite`, …',
      }),
      writable: z.boolean().meta({
        description:
          'Whether the store takes writes now. While it does not, each readiness check tries a small write of its own, so it turns true by itself.',
      }),
      error: StoreError.optional(),
    }),
    projections: z.strictObject({
      position: z.number().int().meta({
        description:
          'The lowest position the read models have reached (the slowest checkpoint).',
      }),
      head: z
        .number()
        .int()
        .meta({ description: 'The newest position in the store.' }),
      lag: z
        .number()
        .int()
        .meta({ description: '`head − position`: events not yet projected.' }),
      maxLag: z.number().int().meta({
        description: 'The most `lag` a ready instance may have.',
      }),
      writer: z.boolean().meta({
        description:
          'Whether this instance writes the read models: always with SQLite; with a shared database only the holder of the `projections` lease, the others following its checkpoints.',
      }),
      error: z.string().optional().meta({
        description: 'Why the projector stopped, when it did.',
      }),
    }),
    leases: z
      .array(
        z.strictObject({
          jobId: z.string(),
          action: z.enum(JOB_ACTIONS),
          attempt: z.number().int().min(1),
          since: z.iso
            .datetime()
            .meta({ description: 'When this instance claimed the job.' }),
        }),
      )
      .meta({
        description:
          "The jobs this instance's runner is running, oldest claim first; empty when idle.",
      }),
    repoLeases: z.array(z.string()).optional().meta({
      description:
        "With a shared database: the repos whose lease this instance holds, in order (their jobs run here and their clones are in this instance's cache). Absent with SQLite, where one instance runs every repo.",
    }),
  })
  .meta({ id: 'Readiness' });
export type ReadinessResource = z.infer<typeof ReadinessResource>;
