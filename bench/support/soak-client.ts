/** What the soak sends: accepted work, reads, live streams, or its own bookkeeping. */
export type RequestKind = 'accept' | 'read' | 'sse' | 'probe';

/** An answer, with its JSON body when it had one. */
export interface Answer<T> {
  status: number;
  body: T;
}

/** One answer the soak did not expect, kept as evidence. */
export interface Unexpected {
  at: string;
  method: string;
  path: string;
  status: number | string;
  body: string;
}

const REQUEST_TIMEOUT_MS = 30_000;
const KEEP = 20;

/**
 * The soak's HTTP client: every request is counted by kind, route and status, a 5xx or an
 * answer outside the statuses the caller expects is kept (the first few of each) with its
 * body, and a request that gets no answer within 30 s (or whose connection fails) counts as
 * a network error.
 */
export class SoakClient {
  readonly byKind: Record<RequestKind, number> = {
    accept: 0,
    read: 0,
    sse: 0,
    probe: 0,
  };
  /** `METHOD route` -> status -> count. */
  readonly byRoute = new Map<string, Map<string, number>>();
  serverErrors = 0;
  networkErrors = 0;
  unexpected = 0;
  readonly serverErrorSamples: Unexpected[] = [];
  readonly networkErrorSamples: Unexpected[] = [];
  readonly unexpectedSamples: Unexpected[] = [];

  constructor(readonly baseUrl: string) {}

  count(kind: RequestKind, route: string, status: number | string): void {
    this.byKind[kind]++;
    const statuses = this.byRoute.get(route) ?? new Map<string, number>();
    statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
    this.byRoute.set(route, statuses);
  }

  /** Records a status the caller did not expect (a 5xx is counted apart as well). */
  note(
    method: string,
    path: string,
    status: number | string,
    body: string,
    expected: readonly number[],
  ): void {
    const entry = {
      at: new Date().toISOString(),
      method,
      path,
      status,
      body: body.slice(0, 500),
    };
    if (typeof status === 'string') {
      this.networkErrors++;
      if (this.networkErrorSamples.length < KEEP)
        this.networkErrorSamples.push(entry);
      return;
    }
    if (status >= 500) {
      this.serverErrors++;
      if (this.serverErrorSamples.length < KEEP)
        this.serverErrorSamples.push(entry);
    }
    if (!expected.includes(status)) {
      this.unexpected++;
      if (this.unexpectedSamples.length < KEEP)
        this.unexpectedSamples.push(entry);
    }
  }

  /**
   * Sends one request and returns its answer, or null when none came. `route` names the
   * method and route template the request is counted under (`GET /jobs/:jobId`).
   */
  async request<T = Record<string, unknown>>(
    kind: RequestKind,
    method: 'GET' | 'POST',
    path: string,
    route: string,
    options: {
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      expect?: readonly number[];
    } = {},
  ): Promise<Answer<T> | null> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined)
      headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined)
      headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      this.count(kind, route, reason);
      this.note(method, path, reason, String(error), []);
      return null;
    }
    this.count(kind, route, status);
    this.note(method, path, status, text, options.expect ?? [200]);
    let body: unknown = undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    return { status, body: body as T };
  }

  routeTable(): Record<string, Record<string, number>> {
    return Object.fromEntries(
      [...this.byRoute.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([route, statuses]) => [route, Object.fromEntries(statuses)]),
    );
  }
}

/** An event as `GET /events` streams it (the fields the soak checks). */
export interface StreamedEvent {
  position: number;
  type: string;
  repoId: string | null;
  jobId: string | null;
}

/** How one SSE session went. */
export interface SseOutcome {
  status: number | string;
  events: number;
  /** The position of the last event received, or of the stream's opening `id:`. */
  lastId: number | null;
  /** Events whose id was not above the previous one (repeats or reordering). */
  outOfOrder: number;
  /** Events outside the scope asked for (another repo, job or org). */
  outOfScope: number;
  /** A resumed session's first event at or before the position it resumed after. */
  resumedTooEarly: boolean;
}

/**
 * One SSE client: connects, reads events for `holdMs` (or until `maxEvents`), then drops the
 * connection, as a browser tab closing would. Checks every event's order and scope, and that
 * a resumed stream starts after the position it resumed from.
 */
export async function sseSession(
  client: SoakClient,
  options: {
    token: string;
    query: string;
    lastEventId?: number;
    /** Send the resume point as `?lastEventId=` rather than the header. */
    resumeInQuery?: boolean;
    holdMs: number;
    maxEvents: number;
    inScope: (e: StreamedEvent) => boolean;
  },
): Promise<SseOutcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.holdMs);
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    accept: 'text/event-stream',
  };
  const params = new URLSearchParams(options.query);
  if (options.lastEventId !== undefined) {
    if (options.resumeInQuery)
      params.set('lastEventId', String(options.lastEventId));
    else headers['last-event-id'] = String(options.lastEventId);
  }
  const qs = params.toString();
  const path = `/events${qs === '' ? '' : `?${qs}`}`;
  const outcome: SseOutcome = {
    status: 0,
    events: 0,
    lastId: options.lastEventId ?? null,
    outOfOrder: 0,
    outOfScope: 0,
    resumedTooEarly: false,
  };
  let previous = options.lastEventId ?? -1;
  try {
    const res = await fetch(`${client.baseUrl}${path}`, {
      headers,
      signal: abort.signal,
    });
    outcome.status = res.status;
    client.count('sse', 'GET /events', res.status);
    if (res.status !== 200) {
      client.note('GET', path, res.status, await res.text(), [200]);
      return outcome;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    let first = true;
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let id: number | undefined;
        let data: string | undefined;
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) id = Number(line.slice(3).trim());
          else if (line.startsWith('data:')) data = line.slice(5).trim();
        }
        if (id === undefined) continue; // a heartbeat comment
        if (data === undefined) {
          // The stream's opening `id:` line: the position it resumes after.
          outcome.lastId = id;
          if (previous < 0) previous = id;
          continue;
        }
        const event = JSON.parse(data) as StreamedEvent;
        if (first && options.lastEventId !== undefined)
          outcome.resumedTooEarly = id <= options.lastEventId;
        first = false;
        if (id <= previous) outcome.outOfOrder++;
        if (!options.inScope(event)) outcome.outOfScope++;
        previous = id;
        outcome.lastId = id;
        outcome.events++;
        if (outcome.events >= options.maxEvents) return outcome;
      }
    }
    return outcome;
  } catch (error) {
    if (!abort.signal.aborted) {
      outcome.status = 'network';
      client.count('sse', 'GET /events', 'network');
      client.note('GET', path, 'network', String(error), []);
    }
    return outcome;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
