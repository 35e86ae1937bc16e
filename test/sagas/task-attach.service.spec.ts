import { Logger } from '@nestjs/common';
import { holdingAppendsTo } from '../support/holding-appends';
import type { FinalJobEvent } from '../../src/domain/events/job.events';
import { jobStream, repoStream, taskStream } from '../../src/domain/streams';
import { attachJobIdOf } from '../../src/domain/task/attach-job';
import type { Clock } from '../../src/infrastructure/clock/clock';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port';
import { InMemoryEventStore } from '../../src/infrastructure/event-store/in-memory-event-store';
import { TaskAttachService } from '../../src/sagas/task-attach.service';
import {
  aRepoActionCancelled,
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionRequested,
  aRepoActionStarted,
} from '../builders/job.builders';
import {
  aBranchReparented,
  aBranchTracked,
  aRepoBranchesObserved,
  aRepoRegistered,
  anObservedBranch,
  sha,
} from '../builders/repo.builders';
import {
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../builders/task.builders';
import { eventIn } from '../support/await-event';

const NOW = '2026-03-01T12:00:00.000Z';
const OWNED = { orgId: 'org-1', repoId: 'repo-1' };
const TASK = 'task-1';
/** The id of the request that created the task. */
const REQUEST = 'request-1';
const JOB = attachJobIdOf(TASK);
const HEAD = sha('c');

describe('TaskAttachService', () => {
  let store: InMemoryEventStore;
  const clock: Clock = { now: () => new Date(NOW) };
  const running: TaskAttachService[] = [];

  /** Starts the saga as the application does; it is shut down after each test. */
  async function aSagaBooted(
    on: EventStore = store,
  ): Promise<TaskAttachService> {
    const saga = new TaskAttachService(on, clock);
    running.push(saga);
    await saga.onApplicationBootstrap();
    return saga;
  }

  beforeAll(() => {
    // The saga warns when it queues a missing job; a test that expects it needs no log line.
    Logger.overrideLogger(false);
  });

  beforeEach(async () => {
    store = new InMemoryEventStore();
    await store.appendToStream(repoStream('repo-1'), [aRepoRegistered()], {
      expectedVersion: 'no_stream',
    });
  });

  afterEach(async () => {
    await Promise.all(running.map((saga) => saga.beforeApplicationShutdown()));
    running.length = 0;
    await store.close();
  });

  /** The request `REQUEST` created a task on `feature` whose attach job is `JOB`. */
  const aTaskPending = (data: { parentBranch?: string } = {}) =>
    store.appendToStream(
      taskStream(TASK),
      [
        aTaskCreated({ taskId: TASK, branchName: 'feature', ...data }),
        aTaskBranchAttachRequested(JOB),
      ].map((event) => ({
        ...event,
        metadata: { ...OWNED, jobId: JOB, correlationId: REQUEST },
      })),
      { expectedVersion: 'no_stream' },
    );

  const theJobQueued = () =>
    store.appendToStream(
      jobStream(JOB),
      [
        {
          ...aRepoActionRequested({
            jobId: JOB,
            action: 'register_existing_branch',
            branchName: 'feature',
            taskId: TASK,
          }),
          metadata: { ...OWNED, jobId: JOB },
        },
      ],
      { expectedVersion: 'no_stream' },
    );

  /** The job tracked `feature` under `parent`, and a fetch saw it at `head`. */
  const theBranchTracked = (parent = 'main', head = HEAD) =>
    store.appendToStream(
      repoStream('repo-1'),
      [
        aBranchTracked({ branch: 'feature', parent }),
        aRepoBranchesObserved({
          branches: [
            anObservedBranch('main', sha('1')),
            anObservedBranch('feature', head),
          ],
        }),
      ],
      { expectedVersion: 'stream_exists' },
    );

  const theJobEnds = (end: FinalJobEvent) =>
    store.appendToStream(jobStream(JOB), [aRepoActionStarted(), end], {
      expectedVersion: 'stream_exists',
    });

  const taskEvents = async () =>
    (await store.readStream(taskStream(TASK))).map((e) => e.type);

  describe('live', () => {
    it('given a task pending on its job, when the job completes, then the task is attached with the parent and head the repo stream records', async () => {
      await aSagaBooted();
      await aTaskPending({ parentBranch: 'dev' });
      await theJobQueued();
      await theBranchTracked('main', HEAD);

      await theJobEnds(aRepoActionCompleted());

      const attached = await eventIn(
        store,
        taskStream(TASK),
        'TaskBranchAttached',
      );
      expect(attached.data).toEqual({ headSha: HEAD, parent: 'main' });
      const [, completed] = await store.readStream(jobStream(JOB), {
        fromVersion: 1,
      });
      expect(attached.metadata).toEqual({
        // The task's request goes on correlating what its job's end led to.
        correlationId: REQUEST,
        causationId: completed!.eventId,
        actor: 'system:task-attach',
        orgId: 'org-1',
        repoId: 'repo-1',
        jobId: JOB,
        at: NOW,
      });
    });

    it('given the branch reparented and seen again after it was tracked, when the job completes, then the task has the latest parent and head', async () => {
      await aSagaBooted();
      await aTaskPending();
      await theJobQueued();
      await theBranchTracked('main', sha('a'));
      await store.appendToStream(
        repoStream('repo-1'),
        [
          aBranchReparented({ branch: 'feature', from: 'main', to: 'dev' }),
          aRepoBranchesObserved({
            branches: [anObservedBranch('feature', sha('b'))],
          }),
        ],
        { expectedVersion: 'stream_exists' },
      );

      await theJobEnds(aRepoActionCompleted());

      const attached = await eventIn(
        store,
        taskStream(TASK),
        'TaskBranchAttached',
      );
      expect(attached.data).toEqual({ headSha: sha('b'), parent: 'dev' });
    });

    it("given a task pending on its job, when the job fails, then the task's attach fails with the job's code", async () => {
      await aSagaBooted();
      await aTaskPending();
      await theJobQueued();

      await theJobEnds(
        aRepoActionFailed({
          code: 'GIT.UNKNOWN_BRANCH',
          message: 'no branch feature on the remote',
        }),
      );

      const failed = await eventIn(
        store,
        taskStream(TASK),
        'TaskBranchAttachFailed',
      );
      expect(failed.data).toEqual({
        code: 'GIT.UNKNOWN_BRANCH',
        message: 'no branch feature on the remote',
      });
      expect(failed.metadata).toMatchObject({
        correlationId: REQUEST,
        jobId: JOB,
        orgId: 'org-1',
        repoId: 'repo-1',
      });
    });

    it('given a task pending on its job, when the job is cancelled, then its attach fails', async () => {
      await aSagaBooted();
      await aTaskPending();
      await theJobQueued();

      await theJobEnds(aRepoActionCancelled());

      const failed = await eventIn(
        store,
        taskStream(TASK),
        'TaskBranchAttachFailed',
      );
      expect(failed.data).toMatchObject({ code: 'JOB.CANCELLED' });
    });

    it('given a job that completed without tracking the branch, when it ends, then the attach fails', async () => {
      await aSagaBooted();
      await aTaskPending();
      await theJobQueued();

      await theJobEnds(aRepoActionCompleted());

      const failed = await eventIn(
        store,
        taskStream(TASK),
        'TaskBranchAttachFailed',
      );
      expect(failed.data).toMatchObject({ code: 'TASK.BRANCH_NOT_TRACKED' });
    });

    it('given two sagas running, when the job completes, then both try to record the outcome and it is recorded once', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const views = [
        holdingAppendsTo(store, taskStream(TASK), released),
        holdingAppendsTo(store, taskStream(TASK), released),
      ];
      const sagas = [
        await aSagaBooted(views[0]!.store),
        await aSagaBooted(views[1]!.store),
      ];
      await aTaskPending();
      await theJobQueued();
      await theBranchTracked();

      await theJobEnds(aRepoActionCompleted());
      // Each saga saw the job end and tries to record it on the task, still pending for both.
      expect(await Promise.all(views.map((view) => view.tried))).toEqual([
        ['TaskBranchAttached'],
        ['TaskBranchAttached'],
      ]);
      release();
      await eventIn(store, taskStream(TASK), 'TaskBranchAttached');
      await Promise.all(sagas.map((saga) => saga.beforeApplicationShutdown()));

      expect(await taskEvents()).toEqual([
        'TaskCreated',
        'TaskBranchAttachRequested',
        'TaskBranchAttached',
      ]);
    });
  });

  describe('at boot', () => {
    it('given a job that ended while the service was down, when it boots, then the task is settled', async () => {
      await aTaskPending();
      await theJobQueued();
      await theBranchTracked('main', HEAD);
      await theJobEnds(aRepoActionCompleted());

      await aSagaBooted();

      const attached = await eventIn(
        store,
        taskStream(TASK),
        'TaskBranchAttached',
      );
      expect(attached.data).toEqual({ headSha: HEAD, parent: 'main' });
    });

    it('given a task whose attach job was never queued, when it boots, then the job is queued for the task', async () => {
      await aTaskPending({ parentBranch: 'dev' });

      await aSagaBooted();

      const requested = await eventIn(
        store,
        jobStream(JOB),
        'RepoActionRequested',
      );
      expect(requested.data).toEqual({
        jobId: JOB,
        orgId: 'org-1',
        repoId: 'repo-1',
        action: 'register_existing_branch',
        branchName: 'feature',
        parentBranch: 'dev',
        taskId: TASK,
      });
      expect(requested.metadata).toEqual({
        jobId: JOB,
        // The request that created the task set its job off.
        correlationId: REQUEST,
        actor: 'org:org-1',
        orgId: 'org-1',
        repoId: 'repo-1',
        at: NOW,
      });
    });

    it('given a task whose job is queued, when it boots, then the job is not queued again', async () => {
      await aTaskPending();
      await theJobQueued();

      const saga = await aSagaBooted();
      await saga.beforeApplicationShutdown();

      expect(await store.readStream(jobStream(JOB))).toHaveLength(1);
    });

    it('given a job that ended while down, when two sagas boot at once, then the outcome is recorded once', async () => {
      await aTaskPending();
      await theJobQueued();
      await theBranchTracked();
      await theJobEnds(aRepoActionCompleted());

      const sagas = [
        new TaskAttachService(store, clock),
        new TaskAttachService(store, clock),
      ];
      running.push(...sagas);
      await Promise.all(sagas.map((saga) => saga.onApplicationBootstrap()));
      await eventIn(store, taskStream(TASK), 'TaskBranchAttached');
      await Promise.all(sagas.map((saga) => saga.beforeApplicationShutdown()));

      expect(await taskEvents()).toEqual([
        'TaskCreated',
        'TaskBranchAttachRequested',
        'TaskBranchAttached',
      ]);
    });

    it('given the outcome recorded, when it boots again, then nothing more is recorded', async () => {
      await aTaskPending();
      await theJobQueued();
      await theBranchTracked();
      await theJobEnds(aRepoActionCompleted());
      const first = await aSagaBooted();
      await eventIn(store, taskStream(TASK), 'TaskBranchAttached');
      await first.beforeApplicationShutdown();
      const head = await store.headPosition();

      const again = await aSagaBooted();
      await again.beforeApplicationShutdown();

      expect(await store.headPosition()).toBe(head);
    });
  });
});
