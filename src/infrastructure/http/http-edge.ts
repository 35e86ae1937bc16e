import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorResource } from './error.resource';
import { codeOfStatus, toErrorResponse } from './http-error.filter';

/** Parser errors of Node's HTTP server that have a status of their own; the rest are 400. */
const STATUS_OF_PARSER_ERROR: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const MESSAGE_OF_STATUS: Record<number, string> = {
  400: 'The request is not valid HTTP',
  408: 'The request did not arrive in time',
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
 * request would start. The body names no part of the request, which may carry a token.
 */
export function clientErrorHandler(error: ParserError, socket: Socket): void {
  // A reset or closed connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = statusOfParserError(error);
  const body: ErrorResource = {
    error: {
      code: codeOfStatus(status),
      message: MESSAGE_OF_STATUS[status] ?? STATUS_CODES[status] ?? 'Error',
    },
  };
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
    () => socket.destroy(),
  );
}

/**
 * Answers what Fastify's router refuses before any route or error handler runs (a URL that
 * does not decode, a route parameter over the length limit) with the coded error body.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body } = toErrorResponse(error);
  void reply.code(status).send(body);
}
