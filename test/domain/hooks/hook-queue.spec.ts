import {
  decideHookJob,
  evolveHookQueue,
  initialHookQueueState,
} from '../../../src/domain/hooks/hook-queue';
import { aWebhookJobQueued } from '../../builders/hook.builders';

const SYNC = { action: 'sync_repo' as const, deliveryId: 'd-2' };
const RESTACK_A = {
  action: 'restack_subtree' as const,
  branchName: 'feature-a',
  deliveryId: 'd-2',
};

const given = (...events: ReturnType<typeof aWebhookJobQueued>[]) =>
  events.reduce(evolveHookQueue, initialHookQueueState());

describe('coalescing the jobs hooks queue', () => {
  it('given no job queued by a hook, when a push asks for a sync, then one is queued', () => {
    expect(decideHookJob(given(), SYNC, undefined, 'job-2')).toEqual({
      kind: 'queue',
      event: aWebhookJobQueued({ jobId: 'job-2', deliveryId: 'd-2' }),
    });
  });

  it.each(['queued', 'absent'] as const)(
    'given the last hook sync is %s (not started), when another push asks for one, then it rides on it',
    (phase) => {
      const last = aWebhookJobQueued({ jobId: 'job-1' });
      expect(decideHookJob(given(last), SYNC, phase, 'job-2')).toEqual({
        kind: 'coalesce',
        job: last.data,
        phase,
      });
    },
  );

  it.each(['running', 'waiting', 'completed', 'error', 'cancelled'] as const)(
    'given the last hook sync is %s, when another push asks for one, then a new one is queued (the first may have fetched before the push)',
    (phase) => {
      const decision = decideHookJob(
        given(aWebhookJobQueued({ jobId: 'job-1' })),
        SYNC,
        phase,
        'job-2',
      );
      expect(decision).toMatchObject({
        kind: 'queue',
        event: { data: { jobId: 'job-2' } },
      });
    },
  );

  it("given a branch's restack queued, then a sync or another branch's restack is not coalesced into it", () => {
    const state = given(
      aWebhookJobQueued({
        jobId: 'job-1',
        action: 'restack_subtree',
        branchName: 'feature-b',
      }),
    );
    expect(decideHookJob(state, SYNC, undefined, 'job-2').kind).toBe('queue');
    expect(decideHookJob(state, RESTACK_A, undefined, 'job-3')).toEqual({
      kind: 'queue',
      event: aWebhookJobQueued({
        jobId: 'job-3',
        action: 'restack_subtree',
        branchName: 'feature-a',
        deliveryId: 'd-2',
      }),
    });
  });

  it('given two syncs queued in turn, then the last one is what the next push looks at', () => {
    const state = given(
      aWebhookJobQueued({ jobId: 'job-1' }),
      aWebhookJobQueued({ jobId: 'job-2' }),
    );
    expect(decideHookJob(state, SYNC, 'queued', 'job-3')).toMatchObject({
      kind: 'coalesce',
      job: { jobId: 'job-2' },
    });
  });
  it.each(['queued', 'running', 'completed', 'error'] as const)(
    'given the last job of the key is the one this delivery derives (a copy of it reserved it), when it is %s, then it is the delivery\'s own and nothing more is queued',
    (phase) => {
      const last = aWebhookJobQueued({ jobId: 'job-d2' });
      expect(decideHookJob(given(last), SYNC, phase, 'job-d2')).toEqual({
        kind: 'own',
        job: last.data,
      });
    },
  );
});
