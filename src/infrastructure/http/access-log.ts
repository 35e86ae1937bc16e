import {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';

/** The longest path an access line quotes; the rest is cut. */
const MAX_PATH = 1024;

/**
 * A request's path for the log: the path as sent, with the value of every query parameter
 * replaced by `…` (a query may carry a token, `?access_token=`, or anything else a client
 * puts there). Cut after 1,024 characters.
 */
export function loggedPath(url: string): string {
  const cut = url.indexOf('?');
  const path = cut < 0 ? url : url.slice(0, cut);
  const query = cut < 0 ? '' : url.slice(cut + 1);
  const names = query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => `${pair.split('=')[0]}=…`);
  const logged = names.length > 0 ? `${path}?${names.join('&')}` : path;
  return logged.length > MAX_PATH ? `${logged.slice(0, MAX_PATH)}…` : logged;
}

/** What an access line says of one answered request. */
export interface AccessLine {
  /** Absent for a request Node's parser refused: nothing of it is quoted. */
  method?: string;
  path?: string;
  /** The route's pattern (`/repos/:repoId/actions`); absent when no route matched. */
  route?: string;
  status: number;
  /** From the request's arrival to the answer's last byte; absent when Node timed none. */
  durationMs?: number;
  /** The code of Node's parser error, for a request it refused. */
  refused?: string;
  /** The connection closed before the answer was sent whole (an event stream left). */
  aborted?: true;
}

/**
 * One line per answered request, at `info` whatever the status (a failure of the service
 * has a line of its own, at `error`, from the error filter), through a logger bound to the
 * request's id: method, path (query values left out), route, status and how long the
 * answer took. Never a header or a body.
 */
export function logAccess(log: FastifyBaseLogger, line: AccessLine): void {
  log.info(
    line.durationMs === undefined
      ? line
      : { ...line, durationMs: Math.round(line.durationMs * 10) / 10 },
    'request completed',
  );
}

/** The access line of a request Fastify routed. */
export function accessLineOf(
  request: FastifyRequest,
  status: number,
  durationMs: number,
): AccessLine {
  const route = request.routeOptions.url;
  return {
    method: request.method,
    path: loggedPath(request.url),
    ...(route ? { route } : {}),
    status,
    durationMs,
  };
}

/**
 * Fastify's request logging, made an access log: no "incoming request" line, no line of
 * its own for a 404, and one line when the answer has been sent (for an event stream, when
 * it ends). Its child loggers bind the request's id as `requestId`.
 */
export class AccessLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(
    _error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    logAccess(
      request.log,
      accessLineOf(request, reply.statusCode, reply.elapsedTime),
    );
  }
}

/**
 * The access line of a request whose connection closed before its answer was sent whole:
 * Fastify writes none (it waits for the answer's end), and an event stream its client left
 * ends that way.
 */
export function addAbortedAccessLines(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      logAccess(request.log, {
        ...accessLineOf(request, reply.raw.statusCode, reply.elapsedTime),
        aborted: true,
      });
    });
    done();
  });
}

/**
 * What Fastify's own lines say of a request (its default error handler's, say): the
 * method and the path without query values, never Fastify's `url`, which has them.
 */
export const requestSerializer = (request: {
  method?: string;
  url?: string;
}): { method?: string; path?: string } => ({
  method: request.method,
  path: request.url === undefined ? undefined : loggedPath(request.url),
});
