import type { EventEmitter } from 'node:events';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import type { AuthedRequest } from '../auth/auth.guard';

/**
 * Whether the service is busy answering commands now: what background work that can wait
 * (outbound webhook deliveries) looks at to give the event loop to requests first.
 */
export interface CommandLoad {
  readonly busy: boolean;
}

export const COMMAND_LOAD = Symbol('CommandLoad');

/** Commands in flight at once from which the service counts as busy. */
export const BUSY_AT = 4;

/** Reads pass: long-lived SSE streams are reads, and a read waits for no delivery anyway. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request counts towards the load: a command (not a read) of an authenticated org,
 * its body read already. A request still sending its body, or refused by the auth guard
 * before it, costs the event loop nothing to give way to, and counting it would let anyone
 * slow every subscription down with a few anonymous slow uploads.
 */
export function countsAsCommand(request: {
  method?: string;
  orgId?: string;
}): boolean {
  return !READS.has(request.method ?? 'GET') && request.orgId !== undefined;
}

/** The part of an answer the count watches: Node's response, which closes once, sent or not. */
export interface ClosingResponse extends EventEmitter {
  readonly closed: boolean;
}

/**
 * Counts the commands in flight, from when a handler takes one (after the auth guard and the
 * body) to when its answer is sent or its connection closes: with `BUSY_AT` or more at once,
 * clients are waiting on the event loop. One steady client, or a few requests a second, never
 * reaches it. A global guard that always lets the request through, registered after the
 * auth guard (global guards run in order); reads and public routes (the forge hooks, which
 * carry no org) pass uncounted.
 *
 * A guard and the response's `close`, not an interceptor around the handler: any interceptor
 * makes Nest run every request of every route through an RxJS pipeline (defer, mergeMap,
 * lastValueFrom), about 6 % of an accepted request's CPU in a profile of the service.
 */
@Injectable()
export class ServerCommandLoad implements CommandLoad, CanActivate {
  private inFlight = 0;

  get busy(): boolean {
    return this.inFlight >= BUSY_AT;
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    if (!countsAsCommand(http.getRequest<AuthedRequest>())) return true;
    this.count(http.getResponse<{ raw: ClosingResponse }>().raw);
    return true;
  }

  /** Counts a command until `response` closes (at once if it has closed already). */
  count(response: ClosingResponse): void {
    if (response.closed) return;
    this.inFlight++;
    response.once('close', () => this.inFlight--);
  }
}
