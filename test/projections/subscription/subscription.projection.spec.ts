import { subscriptionStream } from '../../../src/domain/streams';
import { foldRow } from '../../../src/projections/projection';
import { subscriptionProjection } from '../../../src/projections/subscription/subscription.projection';
import { aRecordedHistory } from '../../builders/recorded.builders';
import {
  aSubscriptionCreated,
  aSubscriptionDeleted,
  aSubscriptionPaused,
  aSubscriptionResumed,
} from '../../builders/subscription.builders';

describe('subscription projection', () => {
  const meta = { orgId: 'org-1', at: '2026-01-02T03:04:05.000Z' };

  it('keeps what the subscription delivers and its state, never its secret', () => {
    const history = aRecordedHistory(10);
    const [created] = history.append(
      subscriptionStream('sub-1'),
      [aSubscriptionCreated({ eventTypes: ['RepoRegistered'], repoId: 'r1' })],
      meta,
    );
    const row = foldRow(subscriptionProjection, [created!]);
    expect(row).toMatchObject({
      subscriptionId: 'sub-1',
      orgId: 'org-1',
      url: 'https://hooks.example.com/stackyard',
      repoId: 'r1',
      eventTypes: ['RepoRegistered'],
      state: 'active',
      createdPosition: created!.globalPosition,
      createdAt: meta.at,
    });
    expect(JSON.stringify(row)).not.toContain('sealed');
    expect(JSON.stringify(row)).not.toContain('v1.key');
  });

  it('is paused with its reason, resumed, and deleted', () => {
    const history = aRecordedHistory(10);
    const events = history.append(
      subscriptionStream('sub-1'),
      [aSubscriptionCreated(), aSubscriptionPaused({ reason: 'HTTP 502' })],
      meta,
    );
    expect(foldRow(subscriptionProjection, events)).toMatchObject({
      state: 'paused',
      pausedReason: 'HTTP 502',
      pausedAt: meta.at,
    });
    const more = history.append(
      subscriptionStream('sub-1'),
      [aSubscriptionResumed(), aSubscriptionDeleted()],
      meta,
    );
    expect(
      foldRow(subscriptionProjection, [...events, more[0]!]),
    ).toMatchObject({ state: 'active', pausedReason: null, pausedAt: null });
    expect(foldRow(subscriptionProjection, [...events, ...more])).toMatchObject(
      { state: 'deleted' },
    );
  });

  it('applies an event once: replaying it changes nothing', () => {
    const history = aRecordedHistory(10);
    const events = history.append(
      subscriptionStream('sub-1'),
      [aSubscriptionCreated(), aSubscriptionPaused()],
      meta,
    );
    expect(foldRow(subscriptionProjection, [...events, ...events])).toEqual(
      foldRow(subscriptionProjection, events),
    );
  });
});
