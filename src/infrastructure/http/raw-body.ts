import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, RawServerDefault } from 'fastify';

/** Routes whose handler gets the body's raw bytes (a `Buffer`), unparsed: the forge hooks. */
export const RAW_BODY_ROUTE_PREFIX = '/hooks/';

const keepsRawBody = (request: FastifyRequest): boolean =>
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
