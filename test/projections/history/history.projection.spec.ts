import {
  ALL_EVENTS,
  type StackyardEvent,
  type StackyardEventType,
  TIMELINE_EVENTS,
} from '../../../src/domain/events/stackyard-event';
import type { MessageMetadata } from '../../../src/domain/message';
import {
  hookDeliveryStream,
  hookQueueStream,
  jobStream,
  repoStream,
  subscriptionStream,
  taskStream,
} from '../../../src/domain/streams';
import { historyProjection } from '../../../src/projections/history/history.projection';
import { foldRow } from '../../../src/projections/projection';
import {
  aCancelRequested,
  aRepoActionCancelled,
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionInterrupted,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aRetryScheduled,
  aStepCompleted,
  aStepStarted,
  anExecutionPlan,
} from '../../builders/job.builders';
import { aRecordedHistory } from '../../builders/recorded.builders';
import {
  aBranchReparented,
  aBranchRestacked,
  aBranchTracked,
  aBranchUntracked,
  aRepoBranchesObserved,
  aRepoRegistered,
} from '../../builders/repo.builders';
import {
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';
import {
  aSubscriptionCreated,
  aSubscriptionDeleted,
  aSubscriptionPaused,
  aSubscriptionResumed,
} from '../../builders/subscription.builders';
import {
  aRepoAutoRestackSet,
  aRepoWebhookSecretRemoved,
  aRepoWebhookSecretSet,
  aWebhookDeliveryReceived,
  aWebhookJobQueued,
} from '../../builders/hook.builders';
import { evolveRecorded } from '../../support/evolve-recorded';

/** The event types a timeline leaves out: many, and saying little after the fact. */
const LEFT_OUT: readonly StackyardEventType[] = [
  'RepoActionProgressed',
  'RepoBranchesObserved',
  'WebhookJobQueued',
  'SubscriptionCreated',
  'SubscriptionPaused',
  'SubscriptionResumed',
  'SubscriptionDeleted',
];

/** One event of every type of the catalogue, with the stream it is recorded in. */
const SAMPLES: {
  [T in StackyardEventType]: [string, Extract<StackyardEvent, { type: T }>];
} = {
  RepoRegistered: [repoStream('repo-1'), aRepoRegistered()],
  BranchTracked: [repoStream('repo-1'), aBranchTracked()],
  BranchReparented: [repoStream('repo-1'), aBranchReparented()],
  BranchRestacked: [repoStream('repo-1'), aBranchRestacked()],
  BranchUntracked: [repoStream('repo-1'), aBranchUntracked()],
  RepoBranchesObserved: [repoStream('repo-1'), aRepoBranchesObserved()],
  RepoWebhookSecretSet: [repoStream('repo-1'), aRepoWebhookSecretSet()],
  RepoWebhookSecretRemoved: [repoStream('repo-1'), aRepoWebhookSecretRemoved()],
  RepoAutoRestackSet: [repoStream('repo-1'), aRepoAutoRestackSet()],
  WebhookDeliveryReceived: [
    hookDeliveryStream('repo-1', 'delivery-1'),
    aWebhookDeliveryReceived(),
  ],
  WebhookJobQueued: [hookQueueStream('repo-1', 'sync'), aWebhookJobQueued()],
  RepoActionRequested: [jobStream('job-1'), aRepoActionRequested()],
  RepoActionStarted: [jobStream('job-1'), aRepoActionStarted()],
  RepoActionStepStarted: [jobStream('job-1'), aStepStarted()],
  RepoActionProgressed: [jobStream('job-1'), aRepoActionProgressed()],
  RepoActionStepCompleted: [jobStream('job-1'), aStepCompleted()],
  RepoActionRetryScheduled: [jobStream('job-1'), aRetryScheduled()],
  RepoActionInterrupted: [jobStream('job-1'), aRepoActionInterrupted()],
  RepoActionCancelRequested: [jobStream('job-1'), aCancelRequested()],
  RepoActionCompleted: [jobStream('job-1'), aRepoActionCompleted()],
  RepoActionFailed: [jobStream('job-1'), aRepoActionFailed()],
  RepoActionCancelled: [jobStream('job-1'), aRepoActionCancelled()],
  TaskCreated: [taskStream('task-1'), aTaskCreated()],
  TaskBranchAttachRequested: [
    taskStream('task-1'),
    aTaskBranchAttachRequested(),
  ],
  TaskBranchAttached: [taskStream('task-1'), aTaskBranchAttached()],
  TaskBranchAttachFailed: [taskStream('task-1'), aTaskBranchAttachFailed()],
  SubscriptionCreated: [subscriptionStream('sub-1'), aSubscriptionCreated()],
  SubscriptionPaused: [subscriptionStream('sub-1'), aSubscriptionPaused()],
  SubscriptionResumed: [subscriptionStream('sub-1'), aSubscriptionResumed()],
  SubscriptionDeleted: [subscriptionStream('sub-1'), aSubscriptionDeleted()],
};

const OWNED = { orgId: 'org-1', repoId: 'repo-1' };

/** Given one event recorded in `streamId` with `metadata`, when folded, then its row. */
function given(
  streamId: string,
  event: StackyardEvent,
  metadata: MessageMetadata = OWNED,
) {
  const [recorded] = aRecordedHistory(41).append(streamId, [event], metadata);
  return { recorded: recorded!, row: foldRow(historyProjection, [recorded!]) };
}

describe('history projection', () => {
  describe('the timeline', () => {
    it('reads the timeline events', () => {
      expect(historyProjection.kind).toBe(TIMELINE_EVENTS);
    });

    it.each(ALL_EVENTS.types.filter((type) => !LEFT_OUT.includes(type)))(
      'keeps %s',
      (type) => {
        expect(TIMELINE_EVENTS.has(type)).toBe(true);
        const [streamId, event] = SAMPLES[type];
        expect(given(streamId, event).row?.type).toBe(type);
      },
    );

    it.each(LEFT_OUT)('leaves %s out', (type) => {
      expect(TIMELINE_EVENTS.has(type)).toBe(false);
      const [streamId, event] = SAMPLES[type];
      expect(given(streamId, event).row).toBeNull();
    });

    it('has every type of the catalogue and no other, but those it leaves out', () => {
      expect([...TIMELINE_EVENTS.types, ...LEFT_OUT].sort()).toEqual(
        [...ALL_EVENTS.types].sort(),
      );
    });
  });

  describe('keyOf', () => {
    it('keys a row by the global position of an event with an org and a repo', () => {
      const { recorded } = given(jobStream('job-1'), aRepoActionRequested());
      expect(historyProjection.keyOf(recorded)).toBe(
        String(recorded.globalPosition),
      );
    });

    it('keys nothing for an event without an org or a repo: nobody could read it', () => {
      for (const metadata of [{ orgId: 'org-1' }, { repoId: 'repo-1' }, {}]) {
        const { recorded } = given(
          jobStream('job-1'),
          aRepoActionRequested(),
          metadata,
        );
        expect(historyProjection.keyOf(recorded)).toBeUndefined();
      }
    });
  });

  describe('rows', () => {
    it('given a job event, then the row has its position, owner, job, type, actor, time and data', () => {
      const at = '2025-12-31T10:00:00.000Z';
      const requested = aRepoActionRequested({ branchName: 'feature-a' });
      const { recorded, row } = given(jobStream('job-7'), requested, {
        ...OWNED,
        actor: 'org:org-1',
        at,
      });
      expect(row).toEqual({
        position: recorded.globalPosition,
        orgId: 'org-1',
        repoId: 'repo-1',
        jobId: 'job-7',
        type: 'RepoActionRequested',
        actor: 'org:org-1',
        at,
        data: requested.data,
      });
    });

    it('given an event recorded without an actor, then the row has none', () => {
      expect(given(jobStream('job-1'), aRepoActionStarted()).row?.actor).toBe(
        null,
      );
    });

    it('given an event without a time in its metadata, then the row has the time it was recorded', () => {
      const { recorded, row } = given(jobStream('job-1'), aRepoActionStarted());
      expect(row?.at).toBe(recorded.recordedAt);
    });

    it('given a branch event a job wrote in the repo stream, then the row has the job from metadata', () => {
      const { row } = given(repoStream('repo-1'), aBranchRestacked(), {
        ...OWNED,
        jobId: 'job-3',
      });
      expect(row?.jobId).toBe('job-3');
    });

    it('given an event of no job, then the row has none', () => {
      expect(given(repoStream('repo-1'), aRepoRegistered()).row?.jobId).toBe(
        null,
      );
    });

    it('given a job event with another job in its metadata, then the job of the stream wins', () => {
      const { row } = given(jobStream('job-1'), aRepoActionStarted(), {
        ...OWNED,
        jobId: 'job-other',
      });
      expect(row?.jobId).toBe('job-1');
    });

    it('given the execute step completed with its plan, then the row drops the plan and keeps the rest', () => {
      const completed = aStepCompleted('execute', {
        summary: 'restack feature-a',
        plan: anExecutionPlan(),
      });
      const { recorded, row } = given(jobStream('job-1'), completed);
      expect(row?.data).toEqual({
        step: 'execute',
        summary: 'restack feature-a',
      });
      expect(recorded.data).toEqual(completed.data);
    });
  });

  describe('idempotence', () => {
    it('given a row, when its event is folded again, then the row is the same', () => {
      const { recorded, row } = given(jobStream('job-1'), aRepoActionFailed());
      expect(evolveRecorded(historyProjection, row, recorded)).toBe(row);
    });
  });
});
