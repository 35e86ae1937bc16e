import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  ErrorBody,
  HistoryPosition,
  Job,
  JobPage,
  RegisteredRepo,
  Repo,
  RepoList,
} from './api.types';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

/** How long a plain request may take before the service counts as unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  token?: string;
  /** Tests hand in their own; the global `fetch` otherwise. */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

/** A body an action request sends: `POST /repos/{repoId}/actions`. */
export interface ActionBody {
  action: string;
  branchName?: string;
  parentBranch?: string;
}

/**
 * The service's HTTP API as the CLI uses it: every answer is checked against the client's
 * schema, and every failure becomes a {@link CliError} with the service's code and the
 * exit status its kind calls for.
 */
export class ApiClient {
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchFn = options.fetch ?? fetch;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  listRepos(): Promise<RepoList> {
    return this.json('GET', '/repos', RepoList);
  }

  getRepo(repoId: string): Promise<Repo> {
    return this.json('GET', `/repos/${enc(repoId)}`, Repo);
  }

  registerRepo(body: {
    name: string;
    remoteUrl: string;
    trunk?: string;
  }): Promise<RegisteredRepo> {
    return this.json('POST', '/repos', RegisteredRepo, { body });
  }

  getJob(jobId: string, minPosition?: number): Promise<Job> {
    return this.json('GET', `/jobs/${enc(jobId)}`, Job, {
      query: { minPosition },
    });
  }

  listJobs(
    repoId: string,
    query: { status?: string; limit?: number },
  ): Promise<JobPage> {
    return this.json('GET', `/repos/${enc(repoId)}/jobs`, JobPage, { query });
  }

  requestAction(
    repoId: string,
    body: ActionBody,
    idempotencyKey: string,
  ): Promise<Job> {
    return this.json('POST', `/repos/${enc(repoId)}/actions`, Job, {
      body,
      headers: { 'idempotency-key': idempotencyKey },
    });
  }

  cancel(jobId: string): Promise<Job> {
    return this.json('POST', `/jobs/${enc(jobId)}/cancel`, Job);
  }

  /** `POST /jobs/{jobId}/undo`: 202 with the new `undo` job. */
  undo(jobId: string, idempotencyKey: string): Promise<Job> {
    return this.json('POST', `/jobs/${enc(jobId)}/undo`, Job, {
      headers: { 'idempotency-key': idempotencyKey },
    });
  }

  /**
   * The read models' position, read with a one-entry page of the repo's history: a stream
   * resumed after it misses nothing that the reads made after it do not show.
   */
  async readPosition(repoId: string): Promise<number> {
    const page = await this.json(
      'GET',
      `/repos/${enc(repoId)}/history`,
      HistoryPosition,
      { query: { limit: 1 } },
    );
    return page.position;
  }

  /** Opens `GET /events`; the caller reads the body. A refusal throws its {@link CliError}. */
  async openEvents(
    query: Query,
    lastEventId: number,
    signal: AbortSignal,
  ): Promise<Response> {
    const res = await this.send('GET', '/events', {
      query,
      headers: {
        accept: 'text/event-stream',
        'last-event-id': String(lastEventId),
      },
      signal,
    });
    if (res.status !== 200) throw await this.failure(res);
    return res;
  }

  private async json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: {
      query?: Query;
      body?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<z.infer<S>> {
    const res = await this.send(method, path, {
      ...init,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (res.status >= 300) throw await this.failure(res);
    const parsed = schema.safeParse(await this.readJson(res, method, path));
    if (!parsed.success) throw this.notStackyard(`${method} ${path}`, res);
    return parsed.data;
  }

  private async send(
    method: string,
    path: string,
    init: {
      query?: Query;
      body?: unknown;
      headers?: Record<string, string>;
      signal: AbortSignal;
    },
  ): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), withSlash(this.baseUrl));
    for (const [key, value] of Object.entries(init.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-request-id': randomUUID(),
      ...init.headers,
    };
    if (this.options.token)
      headers.authorization = `Bearer ${this.options.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetchFn(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (error) {
      throw unreachable(this.baseUrl, error);
    }
  }

  private async readJson(
    res: Response,
    method: string,
    path: string,
  ): Promise<unknown> {
    try {
      return await res.json();
    } catch (error) {
      if (isAbort(error)) throw unreachable(this.baseUrl, error);
      throw this.notStackyard(`${method} ${path}`, res);
    }
  }

  /** The error a non-2xx answer stands for: the service's own code when it sent one. */
  private async failure(res: Response): Promise<CliError> {
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const coded = ErrorBody.safeParse(body);
    if (!coded.success) return this.notStackyard(`HTTP ${res.status}`, res);
    const { code, message } = coded.data.error;
    if (res.status === 401 || res.status === 403) {
      const hint = this.options.token
        ? 'The token was refused: check STACKYARD_TOKEN or --token.'
        : 'The service needs a token: set STACKYARD_TOKEN or pass --token.';
      return new CliError(code, message, EXIT.auth, hint, res.status);
    }
    const exit = res.status >= 500 ? EXIT.unreachable : EXIT.refused;
    return new CliError(code, message, exit, undefined, res.status);
  }

  private notStackyard(what: string, res: Response): CliError {
    return new CliError(
      'CLI.UNEXPECTED_ANSWER',
      `${this.baseUrl} answered ${what} (HTTP ${res.status}) with something other than the Stackyard API`,
      EXIT.unreachable,
      'Check STACKYARD_URL or --url: it must be the base URL of a Stackyard service.',
    );
  }
}

/** A request that never got an answer: refused, unresolved, reset or timed out. */
export function unreachable(baseUrl: string, error: unknown): CliError {
  return new CliError(
    'CLI.UNREACHABLE',
    `could not reach the service at ${baseUrl}: ${reasonOf(error)}`,
    EXIT.unreachable,
    'Is it running? Check STACKYARD_URL or --url.',
  );
}

function reasonOf(error: unknown): string {
  if (isAbort(error)) return 'it did not answer in time';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })
    ?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  if (code !== undefined) return `${known[code] ?? 'network error'} (${code})`;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

const isAbort = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'TimeoutError' || error.name === 'AbortError');

const enc = encodeURIComponent;
const withSlash = (base: string): string =>
  base.endsWith('/') ? base : `${base}/`;
