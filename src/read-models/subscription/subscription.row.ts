import type { SubscriptionStateName } from '../../domain/subscription/subscription.state';

/** One subscription as the read model keeps it (never its secret, sealed or not). */
export interface SubscriptionRow {
  subscriptionId: string;
  orgId: string;
  url: string;
  repoId: string | null;
  eventTypes: string[] | null;
  state: SubscriptionStateName;
  pausedReason: string | null;
  pausedAt: string | null;
  idempotencyKey: string | null;
  /** Where delivery starts: the position of its `SubscriptionCreated`. */
  createdPosition: number;
  createdAt: string;
  updatedAt: string;
  /** Global position of the last event folded into this row. */
  position: number;
}
