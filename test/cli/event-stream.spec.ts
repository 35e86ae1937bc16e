import { ApiClient } from '../../src/cli/api-client';
import type { StreamedEvent } from '../../src/cli/api.types';
import { CliError } from '../../src/cli/cli-error';
import { followEvents } from '../../src/cli/event-stream';
import { EXIT } from '../../src/cli/exit-codes';
import { anEvent, FakeApi, json, silentStream, sse, stream } from './cli-fakes';

const client = (api: FakeApi) =>
  new ApiClient({ baseUrl: 'http://stackyard.test', fetch: api.fetch });

// `retry: 0` makes the client reconnect at once, so no test waits for a timer.
const opening = (after: number) =>
  `retry: 0\nid: ${after}\n: from ${after + 1}\n\n`;

describe('following GET /events', () => {
  it('resumes a dropped stream with Last-Event-ID after the last message, losing and repeating nothing', async () => {
    const [e1, e2, e3] = [
      anEvent('RepoActionStarted', { attempt: 1 }),
      anEvent('RepoActionStepStarted', { step: 'pre_sync' }),
      anEvent('RepoActionCompleted', { summary: 'done', changed: [] }),
    ];
    const api = new FakeApi().on(
      'GET /events',
      stream(opening(40) + sse([e1, e2])),
      stream(opening(e2.position) + sse([e3])),
    );
    const got: StreamedEvent[] = [];
    const reconnects: string[] = [];

    await followEvents(client(api), {
      query: { jobId: 'job-1' },
      after: 40,
      onEvent: (e) => {
        got.push(e);
        return e.type === 'RepoActionCompleted';
      },
      onReconnect: (reason) => reconnects.push(reason),
    });

    expect(got).toEqual([e1, e2, e3]);
    const requests = api.requests('GET /events');
    expect(requests.map((r) => r.headers.get('last-event-id'))).toEqual([
      '40',
      String(e2.position),
    ]);
    expect(requests[0]!.query.get('jobId')).toBe('job-1');
    expect(reconnects).toEqual(['the service closed the event stream']);
  });

  it('stops reading as soon as the handler has what it waited for', async () => {
    const events = [
      anEvent('RepoActionStarted', { attempt: 1 }),
      anEvent('RepoActionCancelled'),
      anEvent('RepoActionStarted', { attempt: 2 }),
    ];
    const api = new FakeApi().on(
      'GET /events',
      stream(opening(1) + sse(events)),
    );
    const got: string[] = [];

    await followEvents(client(api), {
      query: { jobId: 'job-1' },
      after: 1,
      onEvent: (e) => got.push(e.type) === 2,
    });

    expect(got).toEqual(['RepoActionStarted', 'RepoActionCancelled']);
    expect(api.requests('GET /events')).toHaveLength(1);
  });

  it('reconnects when the stream goes silent for longer than the heartbeat allows', async () => {
    const end = anEvent('RepoActionCompleted', {
      summary: 'done',
      changed: [],
    });
    const api = new FakeApi().on(
      'GET /events',
      (seen) => silentStream(opening(7), seen.signal),
      stream(opening(7) + sse([end])),
    );
    const reasons: string[] = [];

    await followEvents(client(api), {
      query: { jobId: 'job-1' },
      after: 7,
      idleMs: 50,
      onEvent: () => true,
      onReconnect: (reason) => reasons.push(reason),
    });

    expect(reasons).toEqual(['nothing came on the event stream for 0 s']);
    expect(api.requests('GET /events')[1]!.headers.get('last-event-id')).toBe(
      '7',
    );
  });

  it('does not retry a refusal: the service code ends the follow', async () => {
    const api = new FakeApi().on(
      'GET /events',
      json(404, { error: { code: 'JOB.NOT_FOUND', message: 'No job x' } }),
    );

    const follow = followEvents(client(api), {
      query: { jobId: 'x' },
      after: 0,
      onEvent: () => true,
    });

    await expect(follow).rejects.toMatchObject({
      code: 'JOB.NOT_FOUND',
      exitCode: EXIT.refused,
    });
    expect(api.requests('GET /events')).toHaveLength(1);
  });

  it('gives up on a service that stays unreachable, saying how to watch again', async () => {
    const refused = () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), {
          code: 'ECONNREFUSED',
        }),
      });
    };
    const api = new FakeApi().on('GET /events', refused);

    const error = (await followEvents(client(api), {
      query: { jobId: 'job-9' },
      after: 0,
      giveUpAfterMs: -1,
      onEvent: () => true,
    }).catch((e: unknown) => e)) as CliError;

    expect(error).toBeInstanceOf(CliError);
    expect(error.code).toBe('CLI.STREAM_LOST');
    expect(error.exitCode).toBe(EXIT.unreachable);
    expect(error.message).toContain('connection refused (ECONNREFUSED)');
    expect(error.hint).toBe(
      'The job goes on without the client: stackyard watch job-9',
    );
  });
});
