import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';
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

/**
 * Counts the commands in flight, from when a handler takes one (after the auth guard and the
 * body) to when its answer is made: with `BUSY_AT` or more at once, clients are waiting on the
 * event loop. One steady client, or a few requests a second, never reaches it. An interceptor
 * of every route; reads and public routes (the forge hooks, which carry no org) pass uncounted.
 */
@Injectable()
export class ServerCommandLoad implements CommandLoad, NestInterceptor {
  private inFlight = 0;

  get busy(): boolean {
    return this.inFlight >= BUSY_AT;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    if (!countsAsCommand(request)) return next.handle();
    this.inFlight++;
    return next.handle().pipe(finalize(() => this.inFlight--));
  }
}
