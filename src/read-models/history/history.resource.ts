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
