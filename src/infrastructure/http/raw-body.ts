import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, RawServerDefault } from 'fastify';

/** Routes whose handler gets the body's raw bytes (a `Buffer`), unparsed: the forge hooks. */
export const RAW_BODY_ROUTE_PREFIX = '/hooks/';

/**
 * The body limit of the hook routes: GitHub caps a delivery at 25 MB, and a push of many
 * commits (its payload lists up to 2,048) is far above the API's 64 KiB; refused, it would
 * be a push to trunk that syncs nothing. Every other route keeps the API's limit. Only JSON
 * is read under it: `hook-body-gate.ts` refuses any other media type before the body is read.
 */
export const HOOK_BODY_LIMIT_BYTES = 25 * 1024 * 1024;

/** Whether the request is to a forge hook's route (known once routed, before the body). */
export const keepsRawBody = (request: FastifyRequest): boolean =>
  request.routeOptions.url?.startsWith(RAW_BODY_ROUTE_PREFIX) ?? false;

/**
 * The JSON body parser of every route, but for the routes under `/hooks/` (matched before
 * the body is read) it hands the raw bytes on unparsed: a hook's signature is over those
 * bytes, and is checked before anything else, the JSON's form included. Same limit (413)
 * and the same parser as elsewhere for all other routes.
 */
export function parseJsonKeepingRawHookBodies(
  app: NestFastifyApplication,
  bodyLimit: number,
): void {
  const fastify = app.getHttpAdapter().getInstance();
  // A route's own limit comes before the parser's; routes are added at init, after this.
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith(RAW_BODY_ROUTE_PREFIX))
      route.bodyLimit = HOOK_BODY_LIMIT_BYTES;
  });
  const json = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>(
    'application/json',
    { bodyLimit },
    (request, body, done) => {
      if (keepsRawBody(request)) {
        done(null, body);
        return;
      }
      void json(request, body.toString('utf8'), done);
    },
  );
}
