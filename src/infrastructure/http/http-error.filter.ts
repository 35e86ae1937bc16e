import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { DomainError, type ErrorKind } from '../../domain/domain-error';
import type { ErrorResource } from './error.resource';

/** The one place where a domain error kind becomes an HTTP status. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  validation: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  unsupported_media_type: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  unprocessable: HttpStatus.UNPROCESSABLE_ENTITY,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  internal: HttpStatus.INTERNAL_SERVER_ERROR,
};

const CODE_OF_STATUS: Record<number, string> = {
  400: 'HTTP.BAD_REQUEST',
  401: 'HTTP.UNAUTHORIZED',
  403: 'HTTP.FORBIDDEN',
  404: 'HTTP.NOT_FOUND',
  405: 'HTTP.METHOD_NOT_ALLOWED',
  406: 'HTTP.NOT_ACCEPTABLE',
  408: 'HTTP.REQUEST_TIMEOUT',
  413: 'HTTP.PAYLOAD_TOO_LARGE',
  414: 'HTTP.URI_TOO_LONG',
  415: 'HTTP.UNSUPPORTED_MEDIA_TYPE',
  417: 'HTTP.EXPECTATION_FAILED',
  422: 'HTTP.UNPROCESSABLE',
  429: 'HTTP.TOO_MANY_REQUESTS',
  431: 'HTTP.REQUEST_HEADER_FIELDS_TOO_LARGE',
  501: 'HTTP.NOT_IMPLEMENTED',
  503: 'HTTP.UNAVAILABLE',
};

/** The methods a resource may answer; what `Allow` lists on a 405. */
const METHODS: readonly HTTPMethods[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
];

/** The status and body for any error: coded 4xx for a client's mistake, a bare 500 otherwise. */
export function toErrorResponse(exception: unknown): {
  status: number;
  body: ErrorResource;
} {
  if (exception instanceof DomainError) {
    const { code, message, details } = exception;
    return {
      status: STATUS_OF_KIND[exception.kind],
      body: { error: details ? { code, message, details } : { code, message } },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      status,
      body: {
        error: { code: codeOfStatus(status), message: exception.message },
      },
    };
  }
  // Errors raised by Fastify itself (malformed JSON, body too large, bad content type).
  const fastify = exception as { statusCode?: unknown; message?: unknown };
  if (
    typeof fastify?.statusCode === 'number' &&
    fastify.statusCode >= 400 &&
    fastify.statusCode < 500
  ) {
    return {
      status: fastify.statusCode,
      body: {
        error: {
          code: codeOfStatus(fastify.statusCode),
          message: String(fastify.message),
        },
      },
    };
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: { error: { code: 'INTERNAL', message: 'Internal error' } },
  };
}

/** The coded name of an HTTP status, for answers that no domain error explains. */
export function codeOfStatus(status: number): string {
  return (
    CODE_OF_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : `HTTP.${status}`)
  );
}

/** Maps every error to the API's error body: one table from error kind to HTTP status. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const allowed = methodsAllowedElsewhere(
      exception,
      http.getRequest<FastifyRequest>(),
    );
    if (allowed.length > 0) {
      const request = http.getRequest<FastifyRequest>();
      const body: ErrorResource = {
        error: {
          code: 'HTTP.METHOD_NOT_ALLOWED',
          message: `${request.method} is not allowed on ${pathOf(request.url)}; allowed: ${allowed.join(', ')}`,
        },
      };
      void reply.status(405).header('allow', allowed.join(', ')).send(body);
      return;
    }
    const { status, body } = toErrorResponse(exception);
    // The request's id leads from the line to the request's access line and events.
    const requestId = http.getRequest<FastifyRequest>().id;
    if (status >= 500 && exception instanceof DomainError) {
      // Expected and passing (draining, a store that takes no writes): one line, no stack.
      this.logger.warn({
        msg: `${status} ${exception.code}: ${exception.message}`,
        requestId,
      });
    } else if (status >= 500) {
      this.logger.error({
        msg:
          exception instanceof Error
            ? (exception.stack ?? exception.message)
            : String(exception),
        requestId,
      });
    }
    void reply.status(status).send(body);
  }
}

const pathOf = (url: string): string => url.split('?')[0] ?? url;

/**
 * When no route matched the request (Nest's not-found handler threw), the methods that do
 * have a route at its path: a known resource asked with another method is a 405, not a 404.
 *
 * Only what the router would route counts. A route matched with an empty parameter
 * (`/repos/`, `/jobs//cancel`) is one Nest turns away as not found, and a target that is no
 * path (`*`) has no resource at all; counting those gave 405s whose `Allow` named the very
 * method just refused.
 */
function methodsAllowedElsewhere(
  exception: unknown,
  request: FastifyRequest,
): HTTPMethods[] {
  if (
    !(exception instanceof NotFoundException) ||
    request.routeOptions.url !== undefined
  )
    return [];
  const url = pathOf(request.url);
  if (!url.startsWith('/')) return [];
  const allowed = METHODS.filter((method) => {
    const route = request.server.findRoute({ method, url });
    return (
      route !== null &&
      Object.values(route.params ?? {}).every((value) => value !== '')
    );
  });
  const own = request.method === 'HEAD' ? 'GET' : request.method;
  return allowed.includes(own) ? [] : allowed;
}
