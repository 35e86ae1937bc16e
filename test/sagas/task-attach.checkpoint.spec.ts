import { Logger } from '@nestjs/common';
import { jobStream, repoStream, taskStream } from '../../src/domain/streams';
import { attachJobIdOf } from '../../src/domain/task/attach-job';
import { InMemoryFollowerCheckpoints } from '../../src/infrastructure/checkpoints/follower-checkpoints.port';
import type { Clock } from '../../src/infrastructure/clock/clock';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.port';
import { InMemoryEventStore } from '../../src/infrastructure/event-store/in-memory-event-store';
import { TaskAttachService } from '../../src/sagas/task-attach.service';
import {
  aRepoActionCompleted,
  aRepoActionRequested,
  aRepoActionStarted,
} from '../builders/job.builders';
import {
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

const OWNED = { orgId: 'org-1', repoId: 'repo-1' };
const TASK = 'task-1';
const JOB = attachJobIdOf(TASK);
const HEAD = sha('c');

describe('TaskAttachService, started from its checkpoint', () => {
  let store: InMemoryEventStore;
  let checkpoints: InMemoryFollowerCheckpoints;
  const clock: Clock = { now: () => new Date('2026-03-01T12:00:00.000Z') };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(async () => {
    store = new InMemoryEventStore();
    checkpoints = new InMemoryFollowerCheckpoints();
    await store.appendToStream(repoStream('repo-1'), [aRepoRegistered()], {
      expectedVersion: 'no_stream',
    });
  });

  afterEach(async () => {
    await store.close();
  });

  /** A task pending on its attach job, the job queued, the branch tracked and observed. */
  async function aTaskWaitingOnItsJob(): Promise<void> {
    await store.appendToStream(
      taskStream(TASK),
      [
        aTaskCreated({ taskId: TASK, branchName: 'feature' }),
        aTaskBranchAttachRequested(JOB),
      ].map((event) => ({ ...event, metadata: { ...OWNED, jobId: JOB } })),
      { expectedVersion: 'no_stream' },
    );
    await store.appendToStream(
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
    await store.appendToStream(
      repoStream('repo-1'),
      [
        aBranchTracked({ branch: 'feature', parent: 'main' }),
        aRepoBranchesObserved({
          branches: [
            anObservedBranch('main', sha('1')),
            anObservedBranch('feature', HEAD),
          ],
        }),
      ],
      { expectedVersion: 'stream_exists' },
    );
  }

  it("given a checkpoint taken after the task's job ended but before its outcome was recorded, when started, then the outcome is recorded with the heads the checkpoint kept, and nothing before it is folded", async () => {
    await aTaskWaitingOnItsJob();
    // A first life whose store refuses the task's outcome (a full disk, say) and that stops
    // before it could record it: its checkpoint has the task pending past the job's end.
    let refused!: () => void;
    const outcomeRefused = new Promise<void>((resolve) => (refused = resolve));
    const refusing: EventStore = Object.assign(Object.create(store) as object, {
      appendToStream: (...args: Parameters<EventStore['appendToStream']>) => {
        if (args[0] === taskStream(TASK)) {
          refused();
          return Promise.reject(new Error('disk full'));
        }
        return store.appendToStream(...args);
      },
    }) as EventStore;
    const first = new TaskAttachService(refusing, clock, checkpoints);
    await first.onApplicationBootstrap();
    await store.appendToStream(
      jobStream(JOB),
      [aRepoActionStarted(), aRepoActionCompleted()],
      { expectedVersion: 'stream_exists' },
    );
    await outcomeRefused;
    await first.beforeApplicationShutdown();
    expect(await checkpoints.load('task-attach@1')).toMatchObject({
      position: await store.headPosition(),
      state: { pending: [[JOB, TASK]] },
    });

    const second = new TaskAttachService(store, clock, checkpoints);
    await second.onApplicationBootstrap();
    try {
      const attached = await eventIn(
        store,
        taskStream(TASK),
        'TaskBranchAttached',
      );
      expect(attached.data).toEqual({ headSha: HEAD, parent: 'main' });
      expect(second.started?.folded).toBe(0);
    } finally {
      await second.beforeApplicationShutdown();
    }
  });

  it('given a checkpoint with a task whose attach job was never requested, when started, then the job is queued', async () => {
    await store.appendToStream(
      taskStream(TASK),
      [
        aTaskCreated({ taskId: TASK, branchName: 'feature' }),
        aTaskBranchAttachRequested(JOB),
      ].map((event) => ({
        ...event,
        metadata: { ...OWNED, jobId: JOB, correlationId: 'request-1' },
      })),
      { expectedVersion: 'no_stream' },
    );
    // A first life that saw the task but stopped (here: failed) before queueing its job,
    // after saving its checkpoint.
    const withoutJobs: EventStore = Object.assign(
      Object.create(store) as EventStore,
      {
        readStream: () => Promise.resolve([]),
        appendToStream: () => Promise.reject(new Error('stopped')),
      },
    );
    const frozen = new TaskAttachService(withoutJobs, clock, checkpoints);
    await frozen.onApplicationBootstrap().catch(() => undefined);
    await frozen.beforeApplicationShutdown();
    expect(await checkpoints.load('task-attach@1')).toMatchObject({
      state: { pending: [[JOB, TASK]] },
    });

    const second = new TaskAttachService(store, clock, checkpoints);
    await second.onApplicationBootstrap();
    try {
      const requested = await eventIn(
        store,
        jobStream(JOB),
        'RepoActionRequested',
      );
      expect(requested.metadata.correlationId).toBe('request-1');
      expect(second.started?.folded).toBe(0);
    } finally {
      await second.beforeApplicationShutdown();
    }
  });
});
