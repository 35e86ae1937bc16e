import type { ApiErrorBody } from './types.js';

/** A failed API call with the service's error code (or `NETWORK` when it did not answer). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'stackyard.token';

/** The bearer token, kept in localStorage so that a reload does not ask again. */
export const tokens = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string): void => localStorage.setItem(TOKEN_KEY, token),
  clear: (): void => localStorage.removeItem(TOKEN_KEY),
};

let unauthorized: () => void = () => undefined;

/** Called on any 401: auth is on and the token is missing or unknown. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

type Query = Record<string, string | number | undefined>;

/** `path` with the query's defined values. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** One path segment, escaped. */
export const seg = (value: string): string => encodeURIComponent(value);

async function call<T>(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = tokens.get();
  if (token) headers.authorization = `Bearer ${token}`;
  // No content type without a body: the service refuses an empty JSON body.
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The service did not answer');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) {
    if (res.status === 401) unauthorized();
    const error = (json as Partial<ApiErrorBody> | null)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? `HTTP.${res.status}`,
      error?.message ?? res.statusText,
    );
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query): Promise<T> =>
  call<T>('GET', withQuery(path, query));

export const post = <T>(path: string, body?: unknown): Promise<T> =>
  call<T>('POST', path, body);

/** What a stream carries: one repo's events, one job's, or (neither) every event of the org. */
export type StreamScope = { repoId: string } | { jobId: string } | 'org';

/** A live stream's URL; EventSource cannot send headers, so the token rides along. */
export function eventsUrl(scope: StreamScope, lastEventId?: number): string {
  return withQuery('/events', {
    ...(scope === 'org' ? {} : scope),
    lastEventId,
    access_token: tokens.get() ?? undefined,
  });
}
