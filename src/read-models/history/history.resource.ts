import { z } from 'zod';

/**
 * An event's own payload, as the domain recorded it: its shape depends on `type`. Typed
 * `object` because the read model keeps it as stored JSON.
 */
export const EventPayload = z
  .custom<object>((value) => typeof value === 'object' && value !== null)
  .meta({
    type: 'object',
    description: "The event's own payload; its fields depend on `type`.",
  });

/** One entry of a repo's timeline: an event a person would want to see. */
export const HistoryEntryResource = z
  .strictObject({
    position: z.number().int().min(1).meta({
      description: "The event's global position (as `id` on `GET /events`).",
    }),
    type: z.string().meta({
      description: 'The event type, one of those `GET /events` names.',
    }),
    at: z.iso.datetime(),
    jobId: z.string().nullable(),
    actor: z.string().nullable().meta({
      description:
        'Who caused it: `org:<id>` for a request, `worker:<id>` for a job step, `system:<saga>`; null when not recorded.',
    }),
    data: EventPayload,
  })
  .meta({ id: 'HistoryEntry' });
/** A timeline entry as the API answers it. */
export type HistoryEntryResource = z.infer<typeof HistoryEntryResource>;

/** A page of a repo's timeline, newest first. */
export const HistoryPageResource = z
  .strictObject({
    items: z.array(HistoryEntryResource),
    nextBefore: z.number().int().min(1).nullable().meta({
      description:
        'Pass as `before` for the next (older) page; null on the last.',
    }),
    position: z.number().int().min(0).meta({
      description:
        "The read models' position when the page was read: a live stream resumed after it misses nothing.",
    }),
  })
  .meta({ id: 'HistoryPage' });
/** A page of the timeline as the API answers it. */
export type HistoryPageResource = z.infer<typeof HistoryPageResource>;

/** A page of one job's events, oldest first. */
export const JobEventsPageResource = z
  .strictObject({
    items: z.array(HistoryEntryResource),
    nextAfter: z.number().int().min(1).nullable().meta({
      description:
        'Pass as `after` for the next (newer) page; null on the last.',
    }),
    position: z.number().int().min(0).meta({
      description:
        "The read models' position when the page was read: a stream of the job's events resumed after it misses nothing.",
    }),
  })
  .meta({
    id: 'JobEventsPage',
    description:
      "A job's events as its timeline shows them: every event of its stream but progress ticks (the job's `progress` has the latest).",
  });
/** A page of a job's events as the API answers it. */
export type JobEventsPageResource = z.infer<typeof JobEventsPageResource>;
