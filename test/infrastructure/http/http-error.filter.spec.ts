import { NotFoundException } from '@nestjs/common';
import {
  ConflictError,
  DomainError,
  ValidationError,
} from '../../../src/domain/domain-error';
import { ConcurrencyError } from '../../../src/infrastructure/event-store/event-store.errors';
import {
  codeOfStatus,
  toErrorResponse,
} from '../../../src/infrastructure/http/http-error.filter';

describe('toErrorResponse', () => {
  it('maps a validation error to 400 with its code and message', () => {
    expect(
      toErrorResponse(
        new ValidationError(
          'REPO_ACTION.BRANCH_REQUIRED',
          'branchName is required',
        ),
      ),
    ).toEqual({
      status: 400,
      body: {
        error: {
          code: 'REPO_ACTION.BRANCH_REQUIRED',
          message: 'branchName is required',
        },
      },
    });
  });

  it('maps a concurrency conflict to 409 with its details', () => {
    const { status, body } = toErrorResponse(
      new ConcurrencyError('repo-1', 3, 4),
    );
    expect(status).toBe(409);
    expect(body.error.code).toBe('EVENT_STORE.CONCURRENCY');
    expect(body.error.details).toEqual({
      streamId: 'repo-1',
      expected: 3,
      actual: 4,
    });
  });

  it.each([
    ['not_found', 404],
    ['unprocessable', 422],
    ['too_large', 413],
    ['unavailable', 503],
    ['unauthorized', 401],
    ['forbidden', 403],
  ] as const)('maps kind %s to %i', (kind, status) => {
    expect(toErrorResponse(new DomainError('X.Y', kind, 'm')).status).toBe(
      status,
    );
  });

  it('gives Nest and Fastify client errors a code', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x'))).toEqual({
      status: 404,
      body: { error: { code: 'HTTP.NOT_FOUND', message: 'Cannot GET /x' } },
    });
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toErrorResponse(tooLarge).body.error.code).toBe(
      'HTTP.PAYLOAD_TOO_LARGE',
    );
  });

  it.each([
    ['FST_ERR_BAD_URL', 400, 'HTTP.BAD_REQUEST'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'HTTP.URI_TOO_LONG'],
  ])('gives the router error %s its code', (code, statusCode, expected) => {
    const error = Object.assign(new Error(`'/x' refused`), {
      statusCode,
      code,
    });
    expect(toErrorResponse(error)).toEqual({
      status: statusCode,
      body: { error: { code: expected, message: "'/x' refused" } },
    });
  });

  it.each([
    [405, 'HTTP.METHOD_NOT_ALLOWED'],
    [408, 'HTTP.REQUEST_TIMEOUT'],
    [431, 'HTTP.REQUEST_HEADER_FIELDS_TOO_LARGE'],
    [501, 'HTTP.NOT_IMPLEMENTED'],
  ])('names status %i %s', (status, code) => {
    expect(codeOfStatus(status)).toBe(code);
  });

  it('hides the details of an unexpected error behind a 500', () => {
    expect(toErrorResponse(new Error('SQLITE_IOERR at /secret/path'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'Internal error' } },
    });
    expect(toErrorResponse(new ConflictError('A.B', 'x')).status).toBe(409);
  });
});
