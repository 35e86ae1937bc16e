/**
 * The field an event uses for a secret the service must keep (sealed, never plain): a
 * repo's inbound webhook secret, a subscription's signing secret. Every reader that shows
 * events outside the service (the history, the SSE stream, outbound webhooks) strips it.
 */
export const SEALED_SECRET_FIELD = 'sealedSecret';

/** An event's data as it may leave the service: without its sealed secret. */
export function withoutSecrets<T>(data: T): T {
  if (
    data === null ||
    typeof data !== 'object' ||
    !Object.hasOwn(data, SEALED_SECRET_FIELD)
  )
    return data;
  const copy = { ...(data as Record<string, unknown>) };
  delete copy[SEALED_SECRET_FIELD];
  return copy as T;
}
