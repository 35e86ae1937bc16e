import { ValidationError } from '../domain-error';
import { DELIVERABLE_EVENTS } from '../events/stackyard-event';
import { checkWebhookUrl } from './webhook-url';

/** A signing secret a client chooses: visible ASCII, long enough to resist guessing. */
export const SECRET_MIN_LENGTH = 16;
export const SECRET_MAX_LENGTH = 256;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** What `POST /subscriptions` asks for, once its shape is checked. */
export interface SubscriptionRequestInput {
  url: string;
  repoId?: string | null;
  eventTypes?: string[] | null;
  secret?: string;
}

/** A subscription request that passed the rules. */
export interface SubscriptionRequest {
  url: string;
  repoId: string | null;
  eventTypes: string[] | null;
  /** Undefined: the service makes one. */
  secret: string | undefined;
}

/**
 * The request rules: the URL's (see `checkWebhookUrl`), event types from the catalogue of
 * deliverable events (the subscriptions' own are not: a delivery never reports on
 * deliveries), and a secret of 16 to 256 visible characters when one is given.
 */
export function validateSubscriptionRequest(
  input: SubscriptionRequestInput,
  allowedHosts: readonly string[],
): SubscriptionRequest {
  const url = checkWebhookUrl(input.url, allowedHosts);
  const types = input.eventTypes ?? null;
  if (types !== null) {
    if (types.length === 0)
      throw new ValidationError(
        'SUBSCRIPTION.INVALID_EVENT_TYPE',
        'eventTypes is empty: leave it out (or null) for every type',
        { field: 'eventTypes' },
      );
    const unknown = types.filter((t) => !DELIVERABLE_EVENTS.has(t));
    if (unknown.length > 0)
      throw new ValidationError(
        'SUBSCRIPTION.INVALID_EVENT_TYPE',
        `Not an event type a subscription can receive: ${unknown.join(', ')}`,
        { field: 'eventTypes', unknown },
      );
  }
  const secret = input.secret;
  if (
    secret !== undefined &&
    (secret.length < SECRET_MIN_LENGTH ||
      secret.length > SECRET_MAX_LENGTH ||
      !VISIBLE_ASCII.test(secret))
  )
    throw new ValidationError(
      'SUBSCRIPTION.INVALID_SECRET',
      `secret must be ${SECRET_MIN_LENGTH} to ${SECRET_MAX_LENGTH} visible ASCII characters (leave it out and the service makes one)`,
      { field: 'secret' },
    );
  return {
    url,
    repoId: input.repoId ?? null,
    eventTypes: types === null ? null : [...new Set(types)],
    secret,
  };
}
