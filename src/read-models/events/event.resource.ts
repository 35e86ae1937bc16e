import { z } from 'zod';
import { ALL_EVENTS } from '../../domain/events/stackyard-event';
import { EventPayload } from '../history/history.resource';

/** The `data:` of one message of `GET /events`: a recorded event as JSON. */
export const StreamedEventResource = z
  .strictObject({
    position: z.number().int().min(1).meta({
      description: "The event's global position; also the message's `id:`.",
    }),
    type: z.enum(ALL_EVENTS.types).meta({
      description: "The event type; also the message's `event:` name.",
    }),
    at: z.iso.datetime(),
    repoId: z.string().nullable(),
    jobId: z.string().nullable(),
    data: EventPayload,
  })
  .meta({ id: 'StreamedEvent' });
/** The `data:` of one SSE message, parsed. */
export type StreamedEventResource = z.infer<typeof StreamedEventResource>;
