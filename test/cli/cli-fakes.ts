import type { Job, Repo, StreamedEvent } from '../../src/cli/api.types';

/** A job resource as the API answers it, `queued` unless told otherwise. */
export function aJob(overrides: Partial<Job> = {}): Job {
  return {
    jobId: 'job-1',
    repoId: 'repo-1',
    action: 'restack_repo',
    branchName: null,
    parentBranch: null,
    status: 'queued',
    step: null,
    message: null,
    progress: null,
    attempt: 0,
    cancelRequested: false,
    requestedAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    result: null,
    error: null,
    ...overrides,
  };
}

/** A repo resource with a stack `main <- a <- b`, unless told otherwise. */
export function aRepo(overrides: Partial<Repo> = {}): Repo {
  return {
    repoId: 'repo-1',
    name: 'demo',
    remoteUrl: 'file:///tmp/origin.git',
    trunk: 'main',
    trunkSha: '1'.repeat(40),
    lastJobId: null,
    branches: [
      { name: 'a', parent: 'main', sha: 'a'.repeat(40), needsRestack: false },
      { name: 'b', parent: 'a', sha: 'b'.repeat(40), needsRestack: true },
    ],
    untrackedBranches: [],
    ...overrides,
  };
}

let position = 100;

/** One message of `GET /events` about job-1. */
export function anEvent(
  type: string,
  data: Record<string, unknown> = {},
  overrides: Partial<StreamedEvent> = {},
): StreamedEvent {
  return {
    position: ++position,
    type,
    at: '2026-01-01T00:00:01.000Z',
    repoId: 'repo-1',
    jobId: 'job-1',
    data,
    ...overrides,
  };
}

/** The SSE wire form of events, as the service writes them. */
export const sse = (events: StreamedEvent[]): string =>
  events
    .map(
      (e) =>
        `id: ${e.position}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`,
    )
    .join('');

/** A recorded request of the fake API. */
export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
  signal: AbortSignal;
}

type Answer = Response | ((seen: Seen) => Response);

/**
 * A `fetch` that answers from a table of `METHOD /path` routes (the first answer of a
 * route's list each time, the last one again once the list is used up) and records every
 * request. An unknown route answers the service's coded 404.
 */
export class FakeApi {
  readonly seen: Seen[] = [];
  private readonly routes = new Map<string, Answer[]>();

  on(route: string, ...answers: Answer[]): this {
    this.routes.set(route, answers);
    return this;
  }

  readonly fetch = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init?.method ?? 'GET';
    const seen: Seen = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init?.headers),
      body:
        typeof init?.body === 'string'
          ? (JSON.parse(init.body) as unknown)
          : undefined,
      signal: init?.signal ?? new AbortController().signal,
    };
    this.seen.push(seen);
    const answers = this.routes.get(`${method} ${url.pathname}`) ?? [];
    const answer =
      answers.length > 1
        ? answers.shift()!
        : (answers[0] ??
          json(404, {
            error: { code: 'HTTP.NOT_FOUND', message: 'no route' },
          }));
    if (typeof answer === 'function') return answer(seen);
    if (answers.length === 0) return answer;
    // The last answer is kept for the next request: each gets a copy of it of its own (not
    // a clone, whose body could not be cancelled while the kept one is unread).
    return new Response(await answer.clone().arrayBuffer(), {
      status: answer.status,
      headers: answer.headers,
    });
  };

  requests(route: string): Seen[] {
    return this.seen.filter((s) => `${s.method} ${s.path}` === route);
  }
}

export const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** An event stream answer that sends `text` and ends (a dropped connection). */
export const stream = (text: string): Response =>
  new Response(text, {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
  });

/** A stand-in for stdout or stderr: keeps what is written. */
export class Capture {
  text = '';

  constructor(readonly isTTY = false) {}

  write(chunk: string | Uint8Array): boolean {
    this.text += chunk.toString();
    return true;
  }

  get stream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream;
  }
}

/**
 * An event stream answer that sends `text` and then nothing, until the request is
 * aborted: a connection gone silent.
 */
export const silentStream = (text: string, signal: AbortSignal): Response => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      signal.addEventListener('abort', () =>
        controller.error(signal.reason ?? new Error('aborted')),
      );
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
  });
};
