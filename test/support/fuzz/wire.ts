import {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
} from 'node:http';
import type { Socket } from 'node:net';

/** One request as it goes on the wire. */
export interface WireRequest {
  method: string;
  /**
   * The request target exactly as sent: percent-encoded or not, `../` left in place (a
   * client library would resolve it, and the server must cope with it unresolved).
   */
  target: string;
  /** Header values as latin1 strings: each character is the byte that is sent. */
  headers: Readonly<Record<string, string>>;
  body?: Buffer;
  /** Sends the body in chunks without a `Content-Length`. */
  chunked?: boolean;
}

/** What the server answered. */
export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** An event stream, cut right after its status line and headers. */
  cut: boolean;
}

/** No answer at all: the server closed the connection, or said nothing in time. */
export class NoAnswer extends Error {
  override name = 'NoAnswer';
}

/**
 * Sends `req` on a fresh connection and resolves with the answer. An event stream is not
 * followed: the request is aborted once the status line and headers are in, so that no
 * stream stays open. A server that does not answer within `limitMs` fails the request with
 * `NoAnswer`, which is how a hang shows (the limit is generous: it is no timing assertion).
 */
export function send(
  port: number,
  req: WireRequest,
  limitMs: number,
): Promise<WireResponse> {
  return new Promise<WireResponse>((resolve, reject) => {
    let settled = false;
    let client: ClientRequest | undefined;
    const finish = (outcome: WireResponse | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish(new NoAnswer(`no answer within ${limitMs} ms`));
      client?.destroy();
    }, limitMs);
    const readAll = (
      res: IncomingMessage,
      from: Socket | IncomingMessage,
      head: Buffer[] = [],
    ) => {
      const chunks = [...head];
      from.on('data', (chunk: Buffer) => chunks.push(chunk));
      from.on('end', () =>
        finish({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          cut: false,
        }),
      );
      from.on('error', (error) => finish(error));
    };
    try {
      client = request({
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.target,
        headers: {
          ...req.headers,
          // Named, because Node frames a GET's body neither way by itself.
          ...(req.body
            ? req.chunked
              ? { 'transfer-encoding': 'chunked' }
              : { 'content-length': String(req.body.length) }
            : {}),
        },
        agent: false,
      });
    } catch (error) {
      // The client refused to send it (a generator bug, not a server defect).
      finish(error as Error);
      return;
    }
    client.on('response', (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (
        res.statusCode === 200 &&
        type.startsWith('text/event-stream') &&
        req.method !== 'HEAD'
      ) {
        finish({ status: 200, headers: res.headers, body: '', cut: true });
        client?.destroy();
        return;
      }
      readAll(res, res);
    });
    // CONNECT's answer arrives here, whatever its status, with the socket handed over.
    client.on('connect', (res: IncomingMessage, socket: Socket, head: Buffer) =>
      readAll(res, socket, [head]),
    );
    client.on('error', (error) =>
      finish(new NoAnswer(`the connection failed: ${error.message}`)),
    );
    if (req.body && req.chunked) {
      const half = Math.floor(req.body.length / 2);
      client.write(req.body.subarray(0, half));
      client.end(req.body.subarray(half));
    } else {
      client.end(req.body);
    }
  });
}
