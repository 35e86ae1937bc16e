import {
  CreateTaskCommand,
  type TaskReadSideFacts,
} from '../../../src/commands/create-task/create-task.command';
import { CreateTaskHandler } from '../../../src/commands/create-task/create-task.handler';
import {
  JOB_STREAM_PREFIX,
  jobStream,
  taskStream,
} from '../../../src/domain/streams';
import { attachJobIdOf } from '../../../src/domain/task/attach-job';
import type {
  AppendOptions,
  AppendResult,
  EventToAppend,
} from '../../../src/infrastructure/event-store/event-store.port';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { aRepoRegistered, sha } from '../../builders/repo.builders';
import {
  aTaskBranchAttachFailed,
  aTaskCreated,
} from '../../builders/task.builders';
import {
  aCommandFixture,
  answerTo,
  type CommandFixture,
  eventsOfStreams,
  NOW,
} from '../../support/command-fixture';

/** What the read side knows of nothing: no key holder, the branch not known tracked. */
const NOTHING_KNOWN: TaskReadSideFacts = {
  keyHolder: undefined,
  knownBranch: undefined,
};
const KNOWN = { headSha: sha('c'), parent: 'main' };
const INPUT = { title: aTaskCreated().data.title, branchName: 'feature' };

/** A store that stops, once, at the first append to a job stream: a crash between two appends. */
class StopsBeforeTheJob extends InMemoryEventStore {
  private stopped = false;

  override appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (!this.stopped && streamId.startsWith(JOB_STREAM_PREFIX)) {
      this.stopped = true;
      return Promise.reject(new Error('the process stopped'));
    }
    return super.appendToStream(streamId, events, options);
  }
}

describe('CreateTaskHandler', () => {
  let fx: CommandFixture;
  let handler: CreateTaskHandler;

  beforeEach(() => {
    fx = aCommandFixture();
    fx.repos.add(aRepoRegistered({ repoId: 'repo-1', orgId: 'org-1' }).data);
    handler = new CreateTaskHandler(fx.store, fx.clock, fx.repos);
  });

  afterEach(async () => {
    await fx.store.close();
  });

  const create = (
    options: {
      input?: Partial<typeof INPUT> & { parentBranch?: string };
      key?: string;
      readSide?: Partial<TaskReadSideFacts>;
      orgId?: string;
      repoId?: string;
      requestId?: string;
      by?: CreateTaskHandler;
    } = {},
  ) =>
    (options.by ?? handler).execute(
      new CreateTaskCommand(
        options.orgId ?? 'org-1',
        options.repoId ?? 'repo-1',
        { ...INPUT, ...options.input },
        options.key,
        { ...NOTHING_KNOWN, ...options.readSide },
        options.requestId,
      ),
    );

  const jobRequests = () => eventsOfStreams(fx.store, JOB_STREAM_PREFIX);

  describe('a branch not known tracked', () => {
    it('when a task is created, then it waits for its attach job, with the metadata of the request', async () => {
      const { taskId, stream, replayed } = await create({
        input: { parentBranch: 'dev' },
      });

      expect(replayed).toBe(false);
      expect(stream).toEqual(await fx.store.readStream(taskStream(taskId)));
      const jobId = attachJobIdOf(taskId);
      expect(stream.map(({ type, data }) => ({ type, data }))).toEqual([
        {
          type: 'TaskCreated',
          data: {
            taskId,
            repoId: 'repo-1',
            title: INPUT.title,
            branchName: 'feature',
            parentBranch: 'dev',
          },
        },
        { type: 'TaskBranchAttachRequested', data: { jobId } },
      ]);
      for (const event of stream) {
        expect(event.metadata).toEqual({
          jobId,
          correlationId: taskId,
          actor: 'org:org-1',
          orgId: 'org-1',
          repoId: 'repo-1',
          at: NOW,
        });
      }
    });

    it('when a task is created, then its register_existing_branch job is queued with the metadata of the request', async () => {
      const { taskId } = await create({ input: { parentBranch: 'dev' } });

      const jobId = attachJobIdOf(taskId);
      const job = await fx.store.readStream(jobStream(jobId));
      expect(
        job.map(({ type, data, metadata }) => ({ type, data, metadata })),
      ).toEqual([
        {
          type: 'RepoActionRequested',
          data: {
            jobId,
            orgId: 'org-1',
            repoId: 'repo-1',
            action: 'register_existing_branch',
            branchName: 'feature',
            parentBranch: 'dev',
            taskId,
          },
          metadata: {
            jobId,
            correlationId: jobId,
            actor: 'org:org-1',
            orgId: 'org-1',
            repoId: 'repo-1',
            at: NOW,
          },
        },
      ]);
    });

    it("when a task is created in an HTTP request, then the task's events and its attach job's request carry the request's id as their correlation id", async () => {
      const { taskId } = await create({ requestId: 'req-1' });

      const events = [
        ...(await fx.store.readStream(taskStream(taskId))),
        ...(await fx.store.readStream(jobStream(attachJobIdOf(taskId)))),
      ];
      expect(events.map((e) => [e.type, e.metadata.correlationId])).toEqual([
        ['TaskCreated', 'req-1'],
        ['TaskBranchAttachRequested', 'req-1'],
        ['RepoActionRequested', 'req-1'],
      ]);
    });

    it('when a task is created without a parent, then the job finds one itself', async () => {
      const { taskId } = await create();

      const [requested] = await fx.store.readStream(
        jobStream(attachJobIdOf(taskId)),
      );
      expect(requested!.data).not.toHaveProperty('parentBranch');
    });
  });

  describe('a branch known tracked with its head', () => {
    it('when a task is created, then it is ready at once and no job is queued', async () => {
      const { taskId, stream } = await create({
        readSide: { knownBranch: KNOWN },
      });

      expect(stream.map(({ type, data }) => ({ type, data }))).toEqual([
        {
          type: 'TaskCreated',
          data: {
            taskId,
            repoId: 'repo-1',
            title: INPUT.title,
            branchName: 'feature',
          },
        },
        { type: 'TaskBranchAttached', data: KNOWN },
      ]);
      expect(stream[0]!.metadata).toEqual({
        correlationId: taskId,
        actor: 'org:org-1',
        orgId: 'org-1',
        repoId: 'repo-1',
        at: NOW,
      });
      expect(await jobRequests()).toEqual([]);
    });
  });

  describe('the repo and the request', () => {
    it('given no such repo, when a task is created, then 404 and nothing appended', async () => {
      expect(await answerTo(create({ repoId: 'repo-x' }))).toEqual({
        status: 404,
        code: 'REPO.NOT_FOUND',
      });
      expect(await fx.store.headPosition()).toBe(0);
    });

    it("given another org's repo, when a task is created, then 404 and nothing appended", async () => {
      expect(await answerTo(create({ orgId: 'org-2' }))).toEqual({
        status: 404,
        code: 'REPO.NOT_FOUND',
      });
      expect(await fx.store.headPosition()).toBe(0);
    });

    it('given a repo whose trunk is develop, when a task is created on develop, then 400; on main, it is created', async () => {
      fx.repos.add(
        aRepoRegistered({ repoId: 'repo-2', orgId: 'org-1', trunk: 'develop' })
          .data,
      );

      expect(
        await answerTo(
          create({ repoId: 'repo-2', input: { branchName: 'develop' } }),
        ),
      ).toEqual({ status: 400, code: 'TASK.BRANCH_IS_TRUNK' });
      expect(await fx.store.headPosition()).toBe(0);
      await expect(
        create({ repoId: 'repo-2', input: { branchName: 'main' } }),
      ).resolves.toMatchObject({ replayed: false });
    });

    it('given a blank title, when a task is created, then 400 and nothing appended', async () => {
      expect(await answerTo(create({ input: { title: '  ' } }))).toEqual({
        status: 400,
        code: 'TASK.TITLE_REQUIRED',
      });
      expect(await fx.store.headPosition()).toBe(0);
    });

    it('given a title with spaces around it, when a task is created, then it is recorded trimmed', async () => {
      const { stream } = await create({ input: { title: '  Ship it  ' } });

      expect(stream[0]!.data).toMatchObject({ title: 'Ship it' });
    });
  });

  describe('idempotency', () => {
    it('given a task made with a key, when the same request comes with the key, then it is replayed: the same task, nothing appended, the job queued once', async () => {
      const first = await create({ key: 'k-1' });
      const head = await fx.store.headPosition();

      const again = await create({
        key: 'k-1',
        readSide: {
          keyHolder: { taskId: first.taskId, branchName: 'feature' },
        },
      });

      expect(again).toEqual({
        taskId: first.taskId,
        stream: first.stream,
        replayed: true,
      });
      expect(first.stream[0]!.data).toMatchObject({ idempotencyKey: 'k-1' });
      expect(await fx.store.headPosition()).toBe(head);
      expect(await jobRequests()).toHaveLength(1);
    });

    it('given a request that stopped before queueing its job, when retried with its key, then the job is queued, once', async () => {
      const store = new StopsBeforeTheJob({ now: () => new Date(NOW) });
      const stopping = new CreateTaskHandler(store, fx.clock, fx.repos);
      await expect(create({ key: 'k-1', by: stopping })).rejects.toThrow(
        'the process stopped',
      );
      expect(await eventsOfStreams(store, JOB_STREAM_PREFIX)).toEqual([]);

      const retried = await create({ key: 'k-1', by: stopping });
      await create({ key: 'k-1', by: stopping });

      expect(retried.replayed).toBe(true);
      const jobs = await eventsOfStreams(store, JOB_STREAM_PREFIX);
      expect(jobs.map((e) => [e.streamId, e.type])).toEqual([
        [jobStream(attachJobIdOf(retried.taskId)), 'RepoActionRequested'],
      ]);
      await store.close();
    });

    it('given a key that made a task on another branch, when it comes for this branch, then 422 and nothing appended', async () => {
      expect(
        await answerTo(
          create({
            key: 'k-1',
            readSide: { keyHolder: { taskId: 'task-0', branchName: 'other' } },
          }),
        ),
      ).toEqual({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
      expect(await fx.store.headPosition()).toBe(0);
    });

    it('given a task made with a key, when the key comes with another title, then 422 and nothing appended', async () => {
      await create({ key: 'k-1' });
      const head = await fx.store.headPosition();

      expect(
        await answerTo(create({ key: 'k-1', input: { title: 'Other' } })),
      ).toEqual({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
      expect(await fx.store.headPosition()).toBe(head);
    });
  });

  describe('one live task per branch', () => {
    it('given a live task on the branch, when another is created, then 409 and nothing appended', async () => {
      const first = await create({ key: 'k-1' });
      const head = await fx.store.headPosition();

      for (const key of [undefined, 'k-2']) {
        expect(await answerTo(create({ key }))).toEqual({
          status: 409,
          code: 'TASK.BRANCH_TAKEN',
        });
      }
      expect(
        await answerTo(create({ readSide: { knownBranch: KNOWN } })),
      ).toEqual({ status: 409, code: 'TASK.BRANCH_TAKEN' });
      expect(await fx.store.headPosition()).toBe(head);
      expect(first.replayed).toBe(false);
    });

    it('given a task on another branch, when a task is created, then it is another task', async () => {
      const first = await create();

      const other = await create({ input: { branchName: 'feature-2' } });

      expect(other.taskId).not.toBe(first.taskId);
      expect(await jobRequests()).toHaveLength(2);
    });

    it('given the task whose attach failed, when another is created on the branch, then it is the next task, with its own attach job', async () => {
      const first = await create({ key: 'k-1' });
      await failAttach(first.taskId);

      const next = await create({ key: 'k-2' });

      expect(next.taskId).not.toBe(first.taskId);
      expect(next.replayed).toBe(false);
      expect(next.stream.map((e) => e.type)).toEqual([
        'TaskCreated',
        'TaskBranchAttachRequested',
      ]);
      expect(next.stream[1]!.data).toEqual({
        jobId: attachJobIdOf(next.taskId),
      });
      expect((await jobRequests()).map((e) => e.streamId)).toEqual([
        jobStream(attachJobIdOf(first.taskId)),
        jobStream(attachJobIdOf(next.taskId)),
      ]);
    });

    it('given the next task live, when another is created, then 409 names the next task', async () => {
      const first = await create();
      await failAttach(first.taskId);
      const next = await create();

      await expect(create()).rejects.toMatchObject({
        code: 'TASK.BRANCH_TAKEN',
        details: { taskId: next.taskId, branchName: 'feature' },
      });
    });

    it('given two attaches failed on the branch, when another is created, then it is a third task', async () => {
      const first = await create();
      await failAttach(first.taskId);
      const second = await create();
      await failAttach(second.taskId);

      const third = await create();

      expect(new Set([first.taskId, second.taskId, third.taskId]).size).toBe(3);
    });

    it('given the task whose attach failed, when its own request is retried with its key, then it is replayed, not made again', async () => {
      const first = await create({ key: 'k-1' });
      await failAttach(first.taskId);
      const head = await fx.store.headPosition();

      const again = await create({ key: 'k-1' });

      expect(again).toMatchObject({ taskId: first.taskId, replayed: true });
      expect(await fx.store.headPosition()).toBe(head);
    });
  });

  /** The attach saga records that the task's job failed. */
  async function failAttach(taskId: string): Promise<void> {
    await fx.store.appendToStream(
      taskStream(taskId),
      [aTaskBranchAttachFailed()],
      {
        expectedVersion: 'stream_exists',
      },
    );
  }
});
