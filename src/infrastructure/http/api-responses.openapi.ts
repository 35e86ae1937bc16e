import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ErrorResource } from './error.resource';

/** A JSON answer of `schema`; `location` describes the `Location` header when it is set. */
export const jsonResponse = (
  description: string,
  schema: z.ZodType,
  location?: string,
): ResponseConfig => ({
  description,
  ...(location !== undefined
    ? {
        headers: z.object({
          Location: z.string().meta({ description: location }),
        }),
      }
    : {}),
  content: { 'application/json': { schema } },
});

/** An error answer: the coded error body, with when it happens and which codes it carries. */
export const errorResponse = (description: string): ResponseConfig =>
  jsonResponse(description, ErrorResource);

/** The 401 of every route that needs a token. */
export const UNAUTHORIZED = errorResponse(
  '`AUTH.UNAUTHORIZED`: no bearer token, or one the service does not know (only when the service has tokens).',
);

/** The 500 any route may answer. */
export const INTERNAL_ERROR = errorResponse(
  '`INTERNAL`: an unexpected failure; the message names no internals.',
);

/** The 503 of every command: the service shuts down, or its store takes no writes. */
export const COMMAND_UNAVAILABLE = errorResponse(
  'Nothing was recorded; retry later. `SERVICE.DRAINING`: the service is shutting down and accepts no new commands. `STORE.UNAVAILABLE`: the event store cannot record events now (disk full, read-only or failing storage; `GET /health` says why); it passes by itself once the storage takes writes again.',
);

/** The 413 of a body over the service's limit (a spec checks the figure against the app's). */
export const BODY_TOO_LARGE = errorResponse(
  '`HTTP.PAYLOAD_TOO_LARGE`: the body is larger than the service accepts (64 KiB).',
);

/** The 415 of a body in a media type the service does not parse. */
export const UNSUPPORTED_MEDIA_TYPE = errorResponse(
  '`HTTP.UNSUPPORTED_MEDIA_TYPE`: the body is neither JSON nor plain text.',
);

/** The 400 of a bad query, the one a read route answers for bad input. */
export const INVALID_QUERY = errorResponse(
  '`REQUEST.INVALID`: a query parameter fails its schema; `details.issues` names each.',
);
