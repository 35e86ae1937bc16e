import { setTimeout as delay } from 'node:timers/promises';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ApiClient } from './api-client';
import { StreamedEvent } from './api.types';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

export interface FollowOptions {
  /** The scope of `GET /events`. */
  query: { jobId?: string; repoId?: string };
  /** The global position to resume after (`Last-Event-ID`). */
  after: number;
  /** Called with each event in order; `true` ends the follow. */
  onEvent: (event: StreamedEvent) => boolean;
  /** Told before each reconnection, with what broke the connection. */
  onReconnect?: (reason: string) => void;
  /** No byte for this long counts as a lost connection (the service pings every 15 s). */
  idleMs?: number;
  /** Reconnecting stops, and the follow fails, after this long without a connection. */
  giveUpAfterMs?: number;
}

const MAX_RETRY_MS = 5_000;

/**
 * Follows `GET /events` until `onEvent` says stop. A connection that ends, breaks or goes
 * silent is opened again with `Last-Event-ID` set to the last message's id, so that no event
 * is skipped or handed over twice; the service's `retry:` sets the first wait, which doubles
 * on each failure in a row. Refusals (401, 404, …) end the follow with their error.
 */
export async function followEvents(
  client: ApiClient,
  options: FollowOptions,
): Promise<void> {
  const idleMs = options.idleMs ?? 45_000;
  const giveUpAfterMs = options.giveUpAfterMs ?? 60_000;
  let lastId = options.after;
  let retryMs = 1_000;
  let failures = 0;
  let lostSince: number | undefined;
  for (;;) {
    const abort = new AbortController();
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new IdleError(idleMs)), idleMs);
    };
    let reason: string;
    try {
      touch();
      const res = await client.openEvents(options.query, lastId, abort.signal);
      failures = 0;
      lostSince = undefined;
      const messages: EventSourceMessage[] = [];
      const parser = createParser({
        onEvent: (message) => messages.push(message),
        onRetry: (ms) => (retryMs = ms),
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body ?? []) {
        touch();
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        for (const message of messages.splice(0)) {
          const event = parseEvent(client.baseUrl, message);
          if (message.id !== undefined) lastId = Number(message.id);
          if (handle(options.onEvent, event)) return;
        }
      }
      reason = 'the service closed the event stream';
    } catch (error) {
      if (error instanceof HandlerError) throw error.cause;
      if (!retryable(error)) throw error;
      reason =
        abort.signal.reason instanceof IdleError
          ? abort.signal.reason.message
          : error instanceof Error
            ? error.message
            : String(error);
    } finally {
      clearTimeout(idle);
      abort.abort();
    }
    lostSince ??= Date.now();
    if (Date.now() - lostSince > giveUpAfterMs) {
      throw new CliError(
        'CLI.STREAM_LOST',
        `lost the event stream of ${client.baseUrl} and could not resume it for ${Math.round(giveUpAfterMs / 1000)} s (${reason})`,
        EXIT.unreachable,
        options.query.jobId
          ? `The job goes on without the client: stackyard watch ${options.query.jobId}`
          : undefined,
      );
    }
    options.onReconnect?.(reason);
    await delay(Math.min(retryMs * 2 ** failures, MAX_RETRY_MS));
    failures++;
  }
}

function parseEvent(baseUrl: string, message: EventSourceMessage) {
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch {
    json = undefined;
  }
  const parsed = StreamedEvent.safeParse(json);
  if (!parsed.success) {
    throw new CliError(
      'CLI.UNEXPECTED_ANSWER',
      `${baseUrl} sent an event the client cannot read (id ${message.id ?? 'none'})`,
      EXIT.unreachable,
    );
  }
  return parsed.data;
}

function handle(
  onEvent: FollowOptions['onEvent'],
  event: StreamedEvent,
): boolean {
  try {
    return onEvent(event);
  } catch (error) {
    throw new HandlerError(error);
  }
}

/** A connection lost (network, 5xx, silence) is worth another try; a refusal is not. */
function retryable(error: unknown): boolean {
  if (!(error instanceof CliError)) return true;
  return error.code === 'CLI.UNREACHABLE' || (error.status ?? 0) >= 500;
}

/** What the caller's handler threw: passed on as it is, never retried. */
class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super('event handler failed');
  }
}

class IdleError extends Error {
  constructor(ms: number) {
    super(`nothing came on the event stream for ${Math.round(ms / 1000)} s`);
  }
}
