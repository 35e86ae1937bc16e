import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  clientErrorHandler,
  connectHandler,
  statusOfParserError,
} from '../../../src/infrastructure/http/http-edge';
import { createLogger } from '../../../src/infrastructure/logging/logger';

/** A logger whose JSON lines are kept, parsed. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'log',
    instanceId: 'test',
    destination: {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, lines };
}

const parserError = (code: string, rawPacket?: string) =>
  Object.assign(new Error(code), {
    code,
    ...(rawPacket !== undefined
      ? { rawPacket: Buffer.from(rawPacket, 'latin1') }
      : {}),
  });

/** A socket that keeps what is written to it. */
function socket(state: { destroyed?: boolean; writable?: boolean } = {}) {
  const fake = {
    destroyed: state.destroyed ?? false,
    writable: state.writable ?? true,
    written: undefined as string | undefined,
    end(data: string, done: () => void) {
      fake.written = data;
      done();
    },
    destroy() {
      fake.destroyed = true;
    },
    on() {
      return fake;
    },
  };
  return fake;
}

describe("answers to what Node's HTTP parser refuses", () => {
  it.each([
    ['HPE_INVALID_HEADER_TOKEN', 'GET / HTTP/1.1\r\nX\x01: y\r\n', 400],
    ['HPE_INVALID_CONTENT_LENGTH', 'POST / HTTP/1.1\r\n', 400],
    ['HPE_HEADER_OVERFLOW', 'GET / HTTP/1.1\r\n', 431],
    ['ERR_HTTP_REQUEST_TIMEOUT', undefined, 408],
    ['HPE_INVALID_METHOD', 'BREW /pot HTTP/1.1\r\nHost: x\r\n', 501],
    ['HPE_INVALID_METHOD', 'GARBAGE\r\n\r\n', 400],
    ['HPE_INVALID_METHOD', undefined, 400],
  ])('%s (%j) is %i', (code, rawPacket, status) => {
    expect(statusOfParserError(parserError(code, rawPacket))).toBe(status);
  });

  it('writes the coded error body with a new request id, naming nothing of the request in it or in the log, and closes', () => {
    const s = socket();
    const log = capturedLog();
    clientErrorHandler(
      parserError(
        'HPE_INVALID_HEADER_TOKEN',
        'GET /repos?access_token=s3cr3t HTTP/1.1\r\nAuthorization: Bearer s3cr3t\x01\r\nX-Request-Id: mine\r\n',
      ),
      s as unknown as Socket,
      log.logger,
    );
    const [head, body] = s.written!.split('\r\n\r\n');
    const requestId = /\r\nX-Request-Id: ([0-9a-f-]{36})\r\n/.exec(head!)?.[1];
    expect(head!.split('\r\n')).toEqual([
      'HTTP/1.1 400 Bad Request',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body!)}`,
      `X-Request-Id: ${requestId}`,
      'Connection: close',
    ]);
    expect(log.lines).toEqual([
      {
        level: 'info',
        time: expect.any(String) as unknown,
        instanceId: 'test',
        requestId,
        status: 400,
        refused: 'HPE_INVALID_HEADER_TOKEN',
        msg: 'request completed',
      },
    ]);
    expect(JSON.parse(body!)).toEqual({
      error: {
        code: 'HTTP.BAD_REQUEST',
        message: 'The request is not valid HTTP',
      },
    });
    expect(s.written).not.toContain('s3cr3t');
    expect(s.destroyed).toBe(true);
  });

  it('writes nothing to a connection that is reset or closed', () => {
    const reset = socket();
    clientErrorHandler(parserError('ECONNRESET'), reset as unknown as Socket);
    const gone = socket({ writable: false });
    clientErrorHandler(
      parserError('HPE_INVALID_METHOD'),
      gone as unknown as Socket,
    );
    expect([reset.written, gone.written, gone.destroyed]).toEqual([
      undefined,
      undefined,
      true,
    ]);
  });

  it('answers a HEAD with the headers alone, which a client can parse', () => {
    const s = socket();
    clientErrorHandler(
      parserError('HPE_HEADER_OVERFLOW', `HEAD /${'x'.repeat(100)}`),
      s as unknown as Socket,
    );
    expect(s.written).toMatch(
      /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[^]*Content-Length: \d+\r\nX-Request-Id: [0-9a-f-]{36}\r\nConnection: close\r\n\r\n$/,
    );
    expect(s.destroyed).toBe(true);
  });
});

describe('CONNECT', () => {
  it('is a method the service does not implement: 501 with the coded body and the request id, then closed', () => {
    const s = socket();
    const log = capturedLog();
    connectHandler(
      {
        method: 'CONNECT',
        url: 'example.com:443',
        headers: { 'x-request-id': 'conn-1' },
      } as unknown as IncomingMessage,
      s as unknown as Duplex,
      log.logger,
    );
    const [head, body] = s.written!.split('\r\n\r\n');
    expect(head!.split('\r\n')[0]).toBe('HTTP/1.1 501 Not Implemented');
    expect(head!.split('\r\n')).toContain('X-Request-Id: conn-1');
    expect(log.lines).toMatchObject([
      {
        level: 'info',
        requestId: 'conn-1',
        method: 'CONNECT',
        path: 'example.com:443',
        status: 501,
        msg: 'request completed',
      },
    ]);
    expect(JSON.parse(body!)).toMatchObject({
      error: { code: 'HTTP.NOT_IMPLEMENTED' },
    });
    expect(s.destroyed).toBe(true);
  });
});
