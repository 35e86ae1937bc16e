/**
 * What the delivery worker keeps about each subscription besides its events: where it
 * stands (its checkpoint) and its recent attempts. Operational data, not events: recording
 * deliveries as events would make every delivery an event to deliver. It lives beside the
 * read models (a rebuild of them drops it: the subscriptions then deliver again from their
 * creation, which at-least-once allows and receivers dedupe by event id).
 */
export interface DeliveryCursor {
  /** The global position up to which every event the subscription gets was delivered. */
  position: number;
  /** When the current run of failures began; null while deliveries succeed. */
  failingSince: string | null;
}

/** One try to deliver one event. */
export interface DeliveryAttempt {
  subscriptionId: string;
  eventId: string;
  position: number;
  eventType: string;
  /** 1 for the first try of the event, counting since the worker took it up. */
  attempt: number;
  /** The receiver's status; null when none came (timeout, connection error). */
  statusCode: number | null;
  /** Why the try failed without a status; null otherwise. */
  error: string | null;
  latencyMs: number;
  /** When the try began (ISO-8601). */
  at: string;
}

export interface DeliveryLog {
  cursor(subscriptionId: string): Promise<DeliveryCursor | undefined>;
  /** The cursors of several subscriptions (those without one are left out). */
  cursors(
    subscriptionIds: readonly string[],
  ): Promise<Map<string, DeliveryCursor>>;
  /**
   * Keeps the attempts (the newest `DELIVERIES_KEPT` per subscription) and moves the cursor:
   * its position only forward, its `failingSince` as given.
   */
  record(
    subscriptionId: string,
    cursor: DeliveryCursor,
    attempts: readonly DeliveryAttempt[],
  ): Promise<void>;
  /** The newest attempts first. */
  attempts(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]>;
}

/** Attempts kept per subscription: enough to see what went wrong, bounded whatever happens. */
export const DELIVERIES_KEPT = 100;

export const DELIVERY_LOG = Symbol('DeliveryLog');
