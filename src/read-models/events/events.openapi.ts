import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ALL_EVENTS } from '../../domain/events/stackyard-event';
import {
  errorResponse,
  INTERNAL_ERROR,
  UNAUTHORIZED,
} from '../../infrastructure/http/api-responses.openapi';
import { EventsQuery, LastEventIdHeader } from '../read-queries.dto';

const eventNames = ALL_EVENTS.types.map((type) => `\`${type}\``).join(', ');

const STREAM = [
  'Server-Sent Events. Every message is named after its event type (`event: RepoActionRequested`, …), so an `EventSource` client that only sets `onmessage` receives nothing: add a listener per type it wants (`addEventListener("RepoActionCompleted", …)`).',
  `The names: ${eventNames}.`,
  "Each message has `id:` (the event's global position), `event:` (its type) and one `data:` line, a JSON `StreamedEvent` (see the components): `position`, `type`, `at`, `repoId`, `jobId`, and `data`, the event's own payload. Lines starting with `:` are comments (the start position, a heartbeat every 15 s); `retry: 1000` sets the reconnection delay. The stream opens with an `id:` and no data (the position it resumes after): no message, but an `EventSource` whose connection drops before its first message resumes from there.",
].join('\n\n');

const EXAMPLE = `retry: 1000
id: 41
: from 42

id: 42
event: RepoActionStarted
data: {"position":42,"type":"RepoActionStarted","at":"2026-01-01T00:00:00.000Z","repoId":"7f3c…","jobId":"0193…","data":{"attempt":1,"worker":"w1"}}

`;

/** `GET /events`, as the API document describes it. */
export const eventsRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/events',
    operationId: 'streamEvents',
    tags: ['events'],
    summary: "Live events of the caller's org as Server-Sent Events",
    description: [
      "Only the caller's org's events, narrowed by `repoId` or `jobId`. A client that reconnects with `Last-Event-ID` (or `lastEventId`) gets every later event of its scope, none twice; without either the stream starts at the present. `access_token` in the query authenticates an `EventSource`, which cannot set headers. `HEAD` answers the headers `GET` would (or its error status) at once, with no body.",
      STREAM,
    ].join('\n\n'),
    request: {
      query: EventsQuery,
      headers: z.object({
        'Last-Event-ID': LastEventIdHeader.optional().meta({
          description:
            'Resume after this position; a reconnecting `EventSource` sends it by itself.',
        }),
      }),
    },
    responses: {
      200: {
        description:
          'Named messages, one per event, as the description says; each `data:` is a JSON `StreamedEvent`.',
        content: {
          'text/event-stream': {
            schema: {
              type: 'string',
              description: 'An unending stream of named messages.',
            },
            example: EXAMPLE,
          },
        },
      },
      400: errorResponse(
        '`REQUEST.INVALID`: a query parameter or the `Last-Event-ID` header fails its schema.',
      ),
      401: UNAUTHORIZED,
      404: errorResponse(
        "`REPO.NOT_FOUND` or `JOB.NOT_FOUND`: the scope names a repo or job that is not in the caller's org.",
      ),
      500: INTERNAL_ERROR,
    },
  },
];
