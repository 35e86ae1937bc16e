import { connect } from 'node:net';
import { ErrorResource } from '../src/infrastructure/http/error.resource';
import { TestApp } from './support/test-app';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `bytes` as they are to the app's port and resolves with everything the server sent
 * once it closes the connection (every request here asks it to, or is one it must close
 * after). Raw bytes, because a client library refuses to send most of these requests.
 */
async function raw(port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // The server may close while the request is still being written (a body over the limit).
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', resolve));
  socket.write(bytes, 'latin1');
  await closed;
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The responses in `text`, in order; bodies by their Content-Length, except for the first
 * `headCount`, answers to HEAD, which have none whatever their headers say.
 */
function parse(text: string, headCount = 0): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => {
        const colon = line.indexOf(':');
        return [
          line.slice(0, colon).toLowerCase(),
          line.slice(colon + 1).trim(),
        ];
      }),
    );
    const length =
      responses.length < headCount ? 0 : Number(headers['content-length'] ?? 0);
    responses.push({
      status: Number(statusLine!.split(' ')[1]),
      headers,
      body: rest.slice(end + 4, end + 4 + length),
    });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

const request = (
  requestLine: string,
  headers: string[] = [],
  body = '',
): string =>
  [requestLine, 'Host: localhost', 'Connection: close', ...headers, '', body]
    .join('\r\n')
    .replace(/\r\n$/, body === '' ? '\r\n' : '');

describe('requests refused before any route runs', () => {
  let t: TestApp;
  let port: number;

  beforeEach(async () => {
    t = await TestApp.start();
    const address = t.app.getHttpServer().address();
    if (address === null || typeof address === 'string')
      throw new Error('no port');
    port = address.port;
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
  });

  const json = (headers: string[], body: string) => [
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...headers,
  ];

  const cases: Array<[string, string, number, string]> = [
    [
      'an unknown path',
      request('GET /no-such-route HTTP/1.1'),
      404,
      'HTTP.NOT_FOUND',
    ],
    [
      'an unknown path with an unserved method',
      request('PROPFIND /no-such-route HTTP/1.1'),
      404,
      'HTTP.NOT_FOUND',
    ],
    [
      'a known path with a method it does not serve',
      request('DELETE /repos HTTP/1.1'),
      405,
      'HTTP.METHOD_NOT_ALLOWED',
    ],
    [
      'a WebDAV method on a known path',
      request('PROPFIND /repos HTTP/1.1'),
      405,
      'HTTP.METHOD_NOT_ALLOWED',
    ],
    [
      'a method HTTP does not know',
      request('BREW /repos HTTP/1.1'),
      501,
      'HTTP.NOT_IMPLEMENTED',
    ],
    [
      'a request line that is not HTTP',
      'GARBAGE\r\n\r\n',
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'a control byte in the URL',
      request('GET /re\x01pos HTTP/1.1'),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'a control byte in a header',
      request('GET /repos HTTP/1.1', ['X-Note: a\x01b']),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'a URL that does not decode',
      request('GET /jobs/%zz HTTP/1.1'),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'a path parameter over the length limit',
      request(`GET /jobs/${'j'.repeat(150)} HTTP/1.1`),
      414,
      'HTTP.URI_TOO_LONG',
    ],
    [
      'headers over the size limit',
      request('GET /repos HTTP/1.1', [`X-Pad: ${'p'.repeat(20_000)}`]),
      431,
      'HTTP.REQUEST_HEADER_FIELDS_TOO_LARGE',
    ],
    [
      'a length that is no number',
      request(
        'POST /repos HTTP/1.1',
        ['Content-Type: application/json', 'Content-Length: two'],
        '{}',
      ),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'both a length and chunks',
      request(
        'POST /repos HTTP/1.1',
        [
          'Content-Type: application/json',
          'Content-Length: 2',
          'Transfer-Encoding: chunked',
        ],
        '{}',
      ),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'a broken chunk',
      request(
        'POST /repos HTTP/1.1',
        ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
        'zz\r\n{}\r\n0\r\n\r\n',
      ),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'a body without a content type',
      request('POST /repos HTTP/1.1', ['Content-Length: 2'], '{}'),
      415,
      'HTTP.UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a body in a media type the service does not parse',
      request(
        'POST /repos HTTP/1.1',
        ['Content-Type: application/xml', 'Content-Length: 8'],
        '<repo/>\n',
      ),
      415,
      'HTTP.UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a content type that does not parse',
      request(
        'POST /repos HTTP/1.1',
        ['Content-Type: ;;;', 'Content-Length: 2'],
        '{}',
      ),
      415,
      'HTTP.UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'malformed JSON',
      request('POST /repos HTTP/1.1', json([], '{"name":'), '{"name":'),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'an empty JSON body',
      request('POST /repos HTTP/1.1', json([], ''), ''),
      400,
      'HTTP.BAD_REQUEST',
    ],
    [
      'a body over the limit',
      request(
        'POST /repos HTTP/1.1',
        json([], `{"pad":"${'x'.repeat(70_000)}"}`),
        `{"pad":"${'x'.repeat(70_000)}"}`,
      ),
      413,
      'HTTP.PAYLOAD_TOO_LARGE',
    ],
  ];

  it.each(cases)(
    'answers %s with its status and the coded error body, and records nothing',
    async (_, bytes, status, code) => {
      const head = await t.store.headPosition();
      const [response, ...more] = parse(await raw(port, bytes));
      expect(more).toEqual([]);
      expect(response!.status).toBe(status);
      expect(response!.headers['content-type']).toMatch(/^application\/json/);
      const body = ErrorResource.parse(JSON.parse(response!.body));
      expect(body.error.code).toBe(code);
      expect(body.error.message).not.toBe('');
      expect(await t.store.headPosition()).toBe(head);
    },
  );

  it('lists the methods a known path serves on a 405', async () => {
    const [repos] = parse(await raw(port, request('PUT /repos HTTP/1.1')));
    expect(repos!.headers.allow).toBe('GET, HEAD, POST');
    const [cancel] = parse(
      await raw(port, request('GET /jobs/some-job/cancel?x=1 HTTP/1.1')),
    );
    expect({ status: cancel!.status, allow: cancel!.headers.allow }).toEqual({
      status: 405,
      allow: 'POST',
    });
  });
});

describe('HEAD /events', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await TestApp.start();
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
  });

  it('answers the headers GET would, with no body, and ends', async () => {
    const res = await t.http().head('/events');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(
      'text/event-stream; charset=utf-8',
    );
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.text ?? '').toBe('');
  });

  it('leaves the connection free for the next request', async () => {
    const address = t.app.getHttpServer().address();
    if (address === null || typeof address === 'string')
      throw new Error('no port');
    // Two requests on one kept-alive connection: the second is answered only once the
    // first has ended.
    const [head, health] = parse(
      await raw(
        address.port,
        'HEAD /events HTTP/1.1\r\nHost: localhost\r\n\r\n' +
          request('GET /health HTTP/1.1'),
      ),
      1,
    );
    expect(head!.status).toBe(200);
    expect(head!.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(health!.status).toBe(200);
    expect(JSON.parse(health!.body)).toMatchObject({ status: 'ok' });
  });

  it('refuses what GET refuses', async () => {
    await t.http().head('/events?repoId=unknown').expect(404);
    await t.http().head('/events?lastEventId=x').expect(400);
  });
});
