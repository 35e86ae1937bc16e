import { SIGNATURE_HEADER, signDelivery } from './webhook-signature';

/** One delivery to send: the subscription's URL and secret, the event's id, type and body. */
export interface WebhookRequest {
  url: string;
  secret: string;
  eventId: string;
  eventType: string;
  /** The JSON body, as signed and sent. */
  body: string;
}

/** How a delivery went: a status the receiver answered, or why none came. */
export type WebhookOutcome =
  | { ok: boolean; status: number; latencyMs: number }
  | { ok: false; error: string; latencyMs: number };

/** Sends one delivery; never throws for the receiver's failures, only reports them. */
export interface WebhookSender {
  send(request: WebhookRequest, signal: AbortSignal): Promise<WebhookOutcome>;
}

/**
 * Sends with Node's built-in fetch (undici, connections kept alive per origin), one POST per
 * event, signed at the moment of sending. A 2xx is a delivery; a 3xx is not followed (the
 * allow-list checked the URL, not where a redirect would lead) and counts as a failure, as
 * does any other status, a timeout or a connection error. The response body is read and
 * dropped, so that the connection goes back to the pool.
 */
export class FetchWebhookSender implements WebhookSender {
  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async send(
    request: WebhookRequest,
    signal: AbortSignal,
  ): Promise<WebhookOutcome> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Stackyard-Webhooks/1',
          'x-stackyard-event-id': request.eventId,
          'x-stackyard-event-type': request.eventType,
          [SIGNATURE_HEADER.toLowerCase()]: signDelivery(
            request.secret,
            request.body,
            Math.floor(this.now() / 1000),
          ),
        },
        body: request.body,
      });
      // The body is not ours to read, but an unread one would hold the connection.
      await response.arrayBuffer().catch(() => undefined);
      return {
        ok: response.status >= 200 && response.status < 300,
        status: response.status,
        latencyMs: latency(),
      };
    } catch (error) {
      return {
        ok: false,
        error: timeout.aborted
          ? `timeout after ${this.timeoutMs} ms`
          : signal.aborted
            ? 'stopped'
            : connectionError(error),
        latencyMs: latency(),
      };
    }
  }
}

/** fetch's `TypeError: fetch failed` names nothing; its cause has the code (ECONNREFUSED, …). */
function connectionError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })
    ?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
