import {
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { accessLineOf, logAccess, loggedPath } from './access-log';
import type { ErrorResource } from './error.resource';
import { codeOfStatus, toErrorResponse } from './http-error.filter';
import { REQUEST_ID_HEADER, requestIdFrom, requestIdOf } from './request-id';

/** Parser errors of Node's HTTP server that have a status of their own; the rest are 400. */
const STATUS_OF_PARSER_ERROR: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const MESSAGE_OF_STATUS: Record<number, string> = {
  400: 'The request is not valid HTTP',
  408: 'The request did not arrive in time',
  417: 'The service meets no expectation but 100-continue',
  431: 'The request headers are too large',
  501: 'The request method is not one the service implements',
};

// A request line in the form HTTP gives it (token, target, version): when Node refuses only
// its method, the method is well formed but unknown, which HTTP answers with 501.
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^\s]+ HTTP\/1\.[01]\r?$/;

/**
 * An error of Node's HTTP parser: its code, and the bytes it could not parse (a Buffer at run
 * time, whatever Fastify's type of it says).
 */
export type ParserError = Error & { code?: string; rawPacket?: unknown };

/** The status Node's parser error deserves: 400 unless HTTP names a better one. */
export function statusOfParserError(error: ParserError): number {
  const known = error.code && STATUS_OF_PARSER_ERROR[error.code];
  if (known) return known;
  if (error.code === 'HPE_INVALID_METHOD') {
    const packet = Buffer.isBuffer(error.rawPacket)
      ? error.rawPacket.toString('latin1')
      : '';
    const firstLine = packet.split('\n')[0] ?? '';
    if (REQUEST_LINE.test(firstLine)) return 501;
  }
  return 400;
}

/**
 * Answers a request Node's HTTP parser refused (control bytes in the URL or a header, an
 * unknown method, a broken length or chunk) with the API's coded error body instead of
 * Fastify's default one, then closes the connection: the parser cannot find where the next
 * request would start. The body names no part of the request, which may carry a token, and
 * neither does the access line (given `log`): no method, no path, only the parser's code.
 * The request's own `X-Request-Id` is not read from bytes that did not parse: the answer
 * carries a new one.
 */
export function clientErrorHandler(
  error: ParserError,
  socket: Socket,
  log?: FastifyBaseLogger,
): void {
  // A reset or closed connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = statusOfParserError(error);
  const requestId = requestIdFrom(undefined);
  if (log)
    logAccess(log.child({ requestId }), {
      status,
      refused: error.code ?? 'unknown',
    });
  answerAndClose(socket, status, requestId, isHead(error));
}

/**
 * Whether the refused request is a HEAD, as far as the bytes Node could not parse tell:
 * they start with its request line unless the same read carried an earlier request too.
 * Its answer then has no body: a client reads none after a HEAD and takes one for garbage.
 */
function isHead(error: ParserError): boolean {
  return (
    Buffer.isBuffer(error.rawPacket) &&
    error.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD '
  );
}

/**
 * Answers CONNECT. Node hands it to the server's `connect` listeners instead of the router,
 * and drops the connection without a word when there is none. The service is no proxy, so
 * it is a method the service does not implement: 501 with the coded body. The connection
 * closes, since Node no longer reads it as HTTP after a CONNECT.
 */
export function connectHandler(
  request: IncomingMessage,
  socket: Duplex,
  log?: FastifyBaseLogger,
): void {
  socket.on('error', () => socket.destroy());
  const requestId = requestIdOf(request);
  if (log) logEdge(log, requestId, request, 501);
  answerAndClose(socket, 501, requestId);
}

/**
 * Answers a request whose `Expect` asks for more than `100-continue`. Node refuses it before
 * any route runs, with a 417 and an empty body unless the server listens for it: here it gets
 * the coded body. The connection closes, as the body (if any) was never read.
 */
export function expectationHandler(
  request: IncomingMessage,
  response: ServerResponse,
  log?: FastifyBaseLogger,
): void {
  const requestId = requestIdOf(request);
  const json = JSON.stringify(errorBody(417));
  response.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    [REQUEST_ID_HEADER]: requestId,
    connection: 'close',
  });
  response.end(json);
  if (log) logEdge(log, requestId, request, 417);
}

/** The access line of a request answered before Fastify saw it. */
function logEdge(
  log: FastifyBaseLogger,
  requestId: string,
  request: IncomingMessage,
  status: number,
): void {
  logAccess(log.child({ requestId }), {
    method: request.method ?? '',
    path: loggedPath(request.url ?? ''),
    status,
  });
}

function errorBody(status: number): ErrorResource {
  return {
    error: {
      code: codeOfStatus(status),
      message: MESSAGE_OF_STATUS[status] ?? STATUS_CODES[status] ?? 'Error',
    },
  };
}

/**
 * Writes an error answer on a connection no HTTP machinery serves any more, and closes it;
 * to a HEAD, the headers of that answer alone.
 */
function answerAndClose(
  socket: Duplex,
  status: number,
  requestId: string,
  head = false,
): void {
  const json = JSON.stringify(errorBody(status));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      (head ? '' : json),
    () => socket.destroy(),
  );
}

/**
 * Answers what Fastify's router refuses before any route or error handler runs (a URL that
 * does not decode, a route parameter over the length limit) with the coded error body. No
 * hook runs for these, so the request id header and the access line are written here.
 */
export function frameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body } = toErrorResponse(error);
  const started = performance.now();
  reply.raw.once('finish', () =>
    logAccess(
      request.log,
      accessLineOf(request, status, performance.now() - started),
    ),
  );
  void reply.code(status).header(REQUEST_ID_HEADER, request.id).send(body);
}
