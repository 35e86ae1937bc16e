import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

/** What the code serving a request may know of it without being handed it. */
export interface RequestContext {
  /** The request's id: its `X-Request-Id`, or one made for it (see `http/request-id.ts`). */
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * The id of the HTTP request whose work is running, if any. Command handlers take it as the
 * correlation id of the events the request appends; outside a request (a saga at boot, a
 * test calling a handler) there is none.
 */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` as part of the request `requestId`. */
export function runInRequest<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

/**
 * A handle on the request's context that can be re-entered: the HTTP layer enters it in
 * its first hook, and again once the body has been read, since Node emits the body's
 * events in a context of its own (the way `@fastify/request-context` does).
 */
export function requestScope(requestId: string): AsyncResource {
  return storage.run(
    { requestId },
    () =>
      new AsyncResource('stackyard.request', { requireManualDestroy: false }),
  );
}
