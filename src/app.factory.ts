import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import {
  AccessLog,
  addAbortedAccessLines,
  requestSerializer,
} from './infrastructure/http/access-log';
import {
  clientErrorHandler,
  connectHandler,
  expectationHandler,
  frameworkErrors,
} from './infrastructure/http/http-edge';
import { refuseHookBodiesEarly } from './infrastructure/http/hook-body-gate';
import { parseJsonKeepingRawHookBodies } from './infrastructure/http/raw-body';
import { RepoDirectory } from './infrastructure/repo-directory/repo-directory';
import { addRequestIds, requestIdOf } from './infrastructure/http/request-id';
import { createLogger, PinoNestLogger } from './infrastructure/logging/logger';
import { MetricsService } from './infrastructure/metrics/metrics.service';
import type { AppConfig } from './infrastructure/config/app-config';
import type { Storage } from './infrastructure/storage/storage';

/** Request bodies above this are refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * A request must have arrived whole (headers and body) this long after it began, or Node
 * answers 408 `HTTP.REQUEST_TIMEOUT` (see http-edge) and closes the connection. Fastify
 * turns Node's own limit off, and then a client that stopped midway through a body held its
 * connection for ever. Generous, for a body of at most 64 KiB; a response (an event stream)
 * may last as long as it likes.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Builds and initialises the app on opened storage; the caller listens and closes it. Logs
 * are JSON lines on stdout (see `infrastructure/logging/logger.ts`), or wherever
 * `logDestination` takes them.
 */
export async function createApp(
  config: AppConfig,
  storage: Storage,
  options: { logDestination?: DestinationStream } = {},
): Promise<NestFastifyApplication> {
  const logger = createLogger({
    level: config.logLevel,
    instanceId: config.instanceId,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  // Fastify's lines (the access log among them) under the context `Http`; its `req`
  // serializer would quote the URL with its query, so ours leaves the values out.
  const httpLogger = logger.child(
    { context: 'Http' },
    { serializers: { req: requestSerializer } },
  );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, storage),
    // On close, drop keep-alive sockets at once: SSE clients reconnect by themselves.
    new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      requestTimeout: REQUEST_TIMEOUT_MS,
      forceCloseConnections: true,
      loggerInstance: httpLogger,
      // One access line per request, bound to the request's id (X-Request-Id if sane).
      logController: new AccessLog(),
      genReqId: requestIdOf,
      // What Node's parser and Fastify's router refuse before any route runs gets the
      // API's coded error body too.
      clientErrorHandler: (error, socket) =>
        clientErrorHandler(error, socket, httpLogger),
      frameworkErrors,
    }),
    // Every `new Logger('Name')` of Nest's writes through the same pino logger.
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );
  // Two requests Node answers itself, before Fastify sees them, unless the server listens:
  // CONNECT (dropped without an answer) and an `Expect` other than 100-continue (a 417
  // without a body). Both get the coded error body.
  const server = app.getHttpServer();
  server.on('connect', (request, socket) =>
    connectHandler(request, socket, httpLogger),
  );
  server.on('checkExpectation', (request, response) =>
    expectationHandler(request, response, httpLogger),
  );
  // Forge hooks are signed over their raw bytes: their routes get them unparsed.
  parseJsonKeepingRawHookBodies(app, BODY_LIMIT_BYTES);
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  addRequestIds(fastify);
  addAbortedAccessLines(fastify);
  // After the request ids: a hook refused before its body is read is answered with one.
  const repos = app.get(RepoDirectory);
  refuseHookBodiesEarly(fastify, BODY_LIMIT_BYTES, (repoId) =>
    repos.takesHooks(repoId),
  );
  // Every response's latency by route pattern: the accept latency of the actions route,
  // among others. Fastify measures from the request's arrival.
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route && route !== '/events') {
      metrics.httpDuration.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    }
    done();
  });
  await app.init();
  return app;
}
