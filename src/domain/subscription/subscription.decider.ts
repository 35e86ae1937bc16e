import type { DecisionModel, Decider } from '../decider';
import { ConflictError, NotFoundError } from '../domain-error';
import { SUBSCRIPTION_EVENTS } from '../events/stackyard-event';
import type {
  SubscriptionCreated,
  SubscriptionEvent,
  SubscriptionPaused,
} from '../events/subscription.events';
import { idempotencyKeyReused } from '../idempotency';
import type { Command } from '../message';
import {
  evolveSubscription,
  initialSubscriptionState,
  type SubscriptionState,
} from './subscription.state';

export type CreateSubscription = Command<
  'CreateSubscription',
  SubscriptionCreated['data']
>;
/** The delivery worker's: deliveries failed for longer than the bound. */
export type PauseSubscription = Command<
  'PauseSubscription',
  SubscriptionPaused['data']
>;
export type ResumeSubscription = Command<
  'ResumeSubscription',
  { orgId: string }
>;
export type DeleteSubscription = Command<
  'DeleteSubscription',
  { orgId: string }
>;
export type SubscriptionCommand =
  | CreateSubscription
  | PauseSubscription
  | ResumeSubscription
  | DeleteSubscription;

/**
 * A subscription is created once, paused by its delivery worker, resumed and deleted by its
 * org. Asking for what already holds (resume an active one, delete a deleted one, pause a
 * paused one) decides nothing; a deleted one is not resumed; another org's subscription, or
 * one never made, is not found.
 */
export const subscriptionDecider: Decider<
  SubscriptionState,
  SubscriptionCommand,
  SubscriptionEvent
> = {
  initialState: initialSubscriptionState,
  evolve: evolveSubscription,
  decide(command, state) {
    switch (command.type) {
      case 'CreateSubscription':
        if (state.status !== 'absent') return decideCreateAgain(command, state);
        return [{ type: 'SubscriptionCreated', data: command.data }];
      case 'PauseSubscription':
        return state.status === 'active'
          ? [{ type: 'SubscriptionPaused', data: command.data }]
          : [];
      case 'ResumeSubscription':
        assertVisible(state, command.data.orgId);
        if (state.status === 'deleted')
          throw new ConflictError(
            'SUBSCRIPTION.DELETED',
            `Subscription ${state.subscriptionId} is deleted; create a new one`,
          );
        return state.status === 'paused'
          ? [{ type: 'SubscriptionResumed', data: {} }]
          : [];
      case 'DeleteSubscription':
        assertVisible(state, command.data.orgId);
        return state.status === 'deleted'
          ? []
          : [{ type: 'SubscriptionDeleted', data: {} }];
    }
  },
};

/** The subscription decider with the events of its stream, for command handlers. */
export const subscriptionModel: DecisionModel<
  SubscriptionState,
  SubscriptionCommand,
  SubscriptionEvent['type']
> = { decider: subscriptionDecider, kind: SUBSCRIPTION_EVENTS };

export const subscriptionNotFound = (subscriptionId: string): NotFoundError =>
  new NotFoundError(
    'SUBSCRIPTION.NOT_FOUND',
    `No subscription ${subscriptionId}`,
  );

function assertVisible(state: SubscriptionState, orgId: string): void {
  if (state.status === 'absent' || state.orgId !== orgId)
    throw subscriptionNotFound(state.subscriptionId ?? '');
}

/**
 * `CreateSubscription` on an id that is taken: the id derives from the org and the
 * `Idempotency-Key`, so this is a retry. The same request decides nothing (the handler
 * answers with the subscription made); the key with another request is a reuse.
 */
function decideCreateAgain(
  command: CreateSubscription,
  state: SubscriptionState,
): SubscriptionEvent[] {
  const asked = command.data;
  if (
    asked.idempotencyKey === undefined ||
    state.idempotencyKey !== asked.idempotencyKey
  )
    throw new ConflictError(
      'SUBSCRIPTION.ALREADY_EXISTS',
      `Subscription ${state.subscriptionId} already exists`,
    );
  const same =
    state.orgId === asked.orgId &&
    state.url === asked.url &&
    state.repoId === asked.repoId &&
    sameTypes(state.eventTypes, asked.eventTypes) &&
    state.secretGenerated === asked.secretGenerated;
  if (!same)
    throw idempotencyKeyReused({ subscriptionId: state.subscriptionId });
  return [];
}

const sameTypes = (a: string[] | null, b: string[] | null): boolean =>
  a === null || b === null
    ? a === b
    : a.length === b.length && [...a].sort().join() === [...b].sort().join();
