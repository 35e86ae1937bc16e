import { subscriptionDecider } from '../../../src/domain/subscription/subscription.decider';
import type { CreateSubscription } from '../../../src/domain/subscription/subscription.decider';
import {
  aSubscriptionCreated,
  aSubscriptionDeleted,
  aSubscriptionPaused,
  aSubscriptionResumed,
} from '../../builders/subscription.builders';
import { deciderSpec } from '../../support/decider-spec';

const { given } = deciderSpec(subscriptionDecider);

const create = (
  data: Partial<CreateSubscription['data']> = {},
): CreateSubscription => ({
  type: 'CreateSubscription',
  data: aSubscriptionCreated(data).data,
});
const resume = (orgId = 'org-1') =>
  ({ type: 'ResumeSubscription', data: { orgId } }) as const;
const remove = (orgId = 'org-1') =>
  ({ type: 'DeleteSubscription', data: { orgId } }) as const;
const pause = {
  type: 'PauseSubscription',
  data: aSubscriptionPaused().data,
} as const;

describe('subscription decider', () => {
  it('given nothing, when created, then the subscription is created', () => {
    given([]).when(create()).then([aSubscriptionCreated()]);
  });

  it('given one made with a key, when the same request comes with the key, then it decides nothing', () => {
    given([aSubscriptionCreated({ idempotencyKey: 'k' })])
      .when(create({ idempotencyKey: 'k', sealedSecret: 'sealed-again' }))
      .then([]);
  });

  it('given one made with a key, when another request comes with the key, then the key is reused', () => {
    given([aSubscriptionCreated({ idempotencyKey: 'k' })])
      .when(create({ idempotencyKey: 'k', url: 'https://other.example.com/' }))
      .then('IDEMPOTENCY.KEY_REUSED');
    given([aSubscriptionCreated({ idempotencyKey: 'k' })])
      .when(create({ idempotencyKey: 'k', eventTypes: ['RepoRegistered'] }))
      .then('IDEMPOTENCY.KEY_REUSED');
  });

  it('given an active one, when the worker pauses it, then it is paused; again, nothing', () => {
    given([aSubscriptionCreated()]).when(pause).then([aSubscriptionPaused()]);
    given([aSubscriptionCreated(), aSubscriptionPaused()]).when(pause).then([]);
  });

  it('given a paused one, when its org resumes it, then it is resumed; an active one decides nothing', () => {
    given([aSubscriptionCreated(), aSubscriptionPaused()])
      .when(resume())
      .then([aSubscriptionResumed()]);
    given([aSubscriptionCreated()]).when(resume()).then([]);
  });

  it('given a deleted one, when resumed, then it is refused; deleted again, nothing; paused, nothing', () => {
    const deleted = [aSubscriptionCreated(), aSubscriptionDeleted()];
    given(deleted).when(resume()).then('SUBSCRIPTION.DELETED');
    given(deleted).when(remove()).then([]);
    given(deleted).when(pause).then([]);
  });

  it("given another org's subscription or none, when resumed or deleted, then it is not found", () => {
    given([aSubscriptionCreated()])
      .when(resume('org-2'))
      .then('SUBSCRIPTION.NOT_FOUND');
    given([aSubscriptionCreated()])
      .when(remove('org-2'))
      .then('SUBSCRIPTION.NOT_FOUND');
    given([]).when(remove()).then('SUBSCRIPTION.NOT_FOUND');
  });

  it('given an active or paused one, when deleted, then it is deleted', () => {
    given([aSubscriptionCreated()])
      .when(remove())
      .then([aSubscriptionDeleted()]);
    given([aSubscriptionCreated(), aSubscriptionPaused()])
      .when(remove())
      .then([aSubscriptionDeleted()]);
  });
});
