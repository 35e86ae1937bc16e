import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { guardedLookup } from './webhook-address';
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
  /** Lets go of pooled connections. */
  close?(): void;
}

/**
 * Sends with Node's own HTTP client over two keep-alive agents shared by every subscription
 * (http and https; each keeps its sockets per origin, with no limit on them, so that one
 * hanging receiver holds only its own sockets), one POST per
 * event, signed at the moment of sending. A 2xx is a delivery; a 3xx is not followed (the
 * allow-list checked the URL, not where a redirect would lead) and counts as a failure, as
 * does any other status, a timeout (the whole exchange, headers and body) or a connection
 * error, and so is a host name resolving to an internal address the allow-list does not name
(`ADDRESS_NOT_ALLOWED`, see `guardedLookup`). The response body is read and dropped, so that
the connection goes back to the pool.
 *
 * node:http rather than the built-in fetch: on the 2-core machine of the benchmarks, 10
 * loops POSTing to 10 loopback receivers did about 3,500 requests/s with fetch and 22,000/s
 * with node:http and a keep-alive agent, for the same bodies.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly agents: { 'http:': HttpAgent; 'https:': HttpsAgent };

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
    /** The allow-list: names the internal addresses a host name may still resolve to. */
    allowedHosts: readonly string[] = [],
  ) {
    const lookup = guardedLookup(allowedHosts);
    this.agents = {
      'http:': new HttpAgent({
        keepAlive: true,
        keepAliveMsecs: 30_000,
        lookup,
      }),
      'https:': new HttpsAgent({
        keepAlive: true,
        keepAliveMsecs: 30_000,
        lookup,
      }),
    };
  }

  send(request: WebhookRequest, signal: AbortSignal): Promise<WebhookOutcome> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    if (signal.aborted)
      return Promise.resolve({ ok: false, error: 'stopped', latencyMs: 0 });
    const url = new URL(request.url);
    const https = url.protocol === 'https:';
    const body = Buffer.from(request.body, 'utf8');
    // A timer and a listener per request, both removed when it ends: AbortSignal.any over the
    // consumer's long-lived signal keeps every request's signal alive on Node 20, a leak
    // that grew the heap by hundreds of MB under load and stalled deliveries in GC.
    return new Promise((resolve) => {
      let cut: string | undefined;
      let settled = false;
      const finish = (outcome: WebhookOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', stop);
        resolve(outcome);
      };
      const fail = (error: unknown) =>
        finish({
          ok: false,
          error: cut ?? connectionError(error),
          latencyMs: latency(),
        });
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: https ? this.agents['https:'] : this.agents['http:'],
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'user-agent': 'Stackyard-Webhooks/1',
            'x-stackyard-event-id': request.eventId,
            'x-stackyard-event-type': request.eventType,
            [SIGNATURE_HEADER.toLowerCase()]: signDelivery(
              request.secret,
              request.body,
              Math.floor(this.now() / 1000),
            ),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          // The body is not ours to read, but an unread one would hold the connection.
          res.resume();
          res.on('error', fail);
          res.on('end', () =>
            finish({
              ok: status >= 200 && status < 300,
              status,
              latencyMs: latency(),
            }),
          );
        },
      );
      const abort = (why: string) => {
        cut = why;
        req.destroy(new Error(why));
      };
      // The whole exchange, headers and body, within the timeout.
      const timer = setTimeout(
        () => abort(`timeout after ${this.timeoutMs} ms`),
        this.timeoutMs,
      );
      const stop = () => abort('stopped');
      signal.addEventListener('abort', stop, { once: true });
      req.on('error', fail);
      req.end(body);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

/** A connection error's code (ECONNREFUSED, ECONNRESET, …), else its message. */
function connectionError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
