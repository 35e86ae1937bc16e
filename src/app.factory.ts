import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import {
  clientErrorHandler,
  connectHandler,
  expectationHandler,
  frameworkErrors,
} from './infrastructure/http/http-edge';
import { MetricsService } from './infrastructure/metrics/metrics.service';
import type {
  AppConfig,
  LogLevelName,
} from './infrastructure/config/app-config';
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

const LEVELS: LogLevelName[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Structured JSON logs, one object per line. */
export function createLogger(level: LogLevelName): ConsoleLogger {
  return new ConsoleLogger('Stackyard', {
    json: true,
    logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1),
  });
}

/** Builds and initialises the app on opened storage; the caller listens and closes it. */
export async function createApp(
  config: AppConfig,
  storage: Storage,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, storage),
    // On close, drop keep-alive sockets at once: SSE clients reconnect by themselves.
    new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      requestTimeout: REQUEST_TIMEOUT_MS,
      forceCloseConnections: true,
      // What Node's parser and Fastify's router refuse before any route runs gets the
      // API's coded error body too.
      clientErrorHandler,
      frameworkErrors,
    }),
    { logger: createLogger(config.logLevel), abortOnError: false },
  );
  // Two requests Node answers itself, before Fastify sees them, unless the server listens:
  // CONNECT (dropped without an answer) and an `Expect` other than 100-continue (a 417
  // without a body). Both get the coded error body.
  const server = app.getHttpServer();
  server.on('connect', connectHandler);
  server.on('checkExpectation', expectationHandler);
  const metrics = app.get(MetricsService);
  // Every response's latency by route pattern: the accept latency of the actions route,
  // among others. Fastify measures from the request's arrival.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
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
