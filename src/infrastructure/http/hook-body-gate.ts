import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/domain-error';
import { hookUnauthorized } from '../../domain/hooks/hook-unauthorized';
import { toErrorResponse } from './http-error.filter';
import { RAW_BODY_ROUTE_PREFIX } from './raw-body';

/**
 * Large hook bodies (above the API's own body limit, or of unannounced length) being
 * received at once, at most; another meanwhile gets 503 `HOOK.BUSY` with `Retry-After`
 * before its body is read. The routes take bodies of up to 25 MiB before their signature can
 * be checked: without a bound, a few slow senders would hold that much memory each. Bodies
 * within the API's limit (nearly every push) cost what any request does and are not counted,
 * so a burst of small deliveries (a pushed stack's branches) is never refused by it.
 */
export const HOOK_BODIES_IN_FLIGHT = 8;

/** Seconds a hook refused as busy is told to wait. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/** Whether a repo takes hooks at all (registered, with a webhook secret): cheap, in memory. */
export type HookRepoCheck = (repoId: string) => boolean;

const isJson = (request: FastifyRequest): boolean =>
  request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ===
  'application/json';

/**
 * Refuses a forge hook before its body is read, in this order: a body that is not
 * `application/json` (415 `HOOK.UNSUPPORTED_MEDIA_TYPE`: its signed bytes would be parsed
 * away, and no other parser may run under the hook routes' 25 MiB limit); a repo that takes
 * no hooks (`takesHooks`: unknown, or without a secret), with the 401 a bad signature gets;
 * and a large body beyond `HOOK_BODIES_IN_FLIGHT` (503 `HOOK.BUSY`, `Retry-After`). Add it
 * before the routes are (the app's init): its hooks are the hook routes' own, and run after
 * the application's (the request ids), so that a refusal carries `X-Request-Id` like every
 * answer.
 */
export function refuseHookBodiesEarly(
  fastify: FastifyInstance,
  bodyLimit: number,
  takesHooks: HookRepoCheck,
): void {
  const receiving = new Set<FastifyRequest>();
  const received = (request: FastifyRequest) => {
    receiving.delete(request);
  };
  const isLarge = (request: FastifyRequest) =>
    !(Number(request.headers['content-length']) <= bodyLimit);
  const gate = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: () => void,
  ): void => {
    const large = isLarge(request);
    const refusal = !isJson(request)
      ? new DomainError(
          'HOOK.UNSUPPORTED_MEDIA_TYPE',
          'unsupported_media_type',
          "A hook's body must be application/json: set the webhook's content type to application/json",
        )
      : !takesHooks((request.params as { repoId?: string }).repoId ?? '')
        ? hookUnauthorized()
        : large && receiving.size >= HOOK_BODIES_IN_FLIGHT
          ? new DomainError(
              'HOOK.BUSY',
              'unavailable',
              'Too many large deliveries are being received at once; redeliver it',
            )
          : undefined;
    if (refusal === undefined) {
      if (large) receiving.add(request);
      return done();
    }
    refuse(reply, refusal);
  };
  // A body is received once parsed, refused (413) or abandoned.
  const receivedThen = (
    request: FastifyRequest,
    _reply: FastifyReply,
    done: () => void,
  ): void => {
    received(request);
    done();
  };
  const abandoned = (request: FastifyRequest, done: () => void): void => {
    received(request);
    done();
  };
  // On the hook routes only, after the application's own hooks (the request ids): hooks of
  // the application would run on every request of every route for nothing.
  fastify.addHook('onRoute', (route) => {
    if (!route.url.startsWith(RAW_BODY_ROUTE_PREFIX)) return;
    route.onRequest = [...hooksOf(route.onRequest), gate];
    route.preValidation = [...hooksOf(route.preValidation), receivedThen];
    route.onResponse = [...hooksOf(route.onResponse), receivedThen];
    route.onRequestAbort = [...hooksOf(route.onRequestAbort), abandoned];
  });
}

/** A route's own hooks of one kind, as a list (Fastify takes none, one or a list). */
function hooksOf<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/**
 * Answers a refusal as the exception filter would, before the body is read (Node discards
 * what the client still sends, without keeping it).
 */
function refuse(reply: FastifyReply, error: DomainError): void {
  const { status, body } = toErrorResponse(error);
  if (error.code === 'HOOK.BUSY')
    void reply.header('retry-after', String(BUSY_RETRY_AFTER_SECONDS));
  void reply.status(status).send(body);
}
