import type { JobEvent } from '../../../src/domain/events/job.events';
import { jobModel } from '../../../src/domain/job/job.decider';
import type { JobState } from '../../../src/domain/job/job.state';
import type { MessageMetadata } from '../../../src/domain/message';
import { jobStream, taskStream } from '../../../src/domain/streams';
import { taskModel } from '../../../src/domain/task/task.decider';
import {
  ConcurrencyError,
  EventStoreClosedError,
} from '../../../src/infrastructure/event-store/event-store.errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../../../src/infrastructure/event-store/event-store.port';
import { handleCommand } from '../../../src/infrastructure/event-store/handle-command';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import {
  aCancelJob,
  aCancelRequested,
  aRepoActionCancelled,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aRequestJob,
  aStepStarted,
} from '../../builders/job.builders';
import {
  aCreateTask,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';

const JOB = jobStream('job-1');
const METADATA: MessageMetadata = {
  correlationId: 'job-1',
  orgId: 'org-1',
  repoId: 'repo-1',
  at: '2026-02-01T00:00:00.000Z',
};

/** What another writer does before our append number `attempt`. */
type Interference = (attempt: number, inner: EventStore) => Promise<unknown>;

/**
 * The in-memory store, watched: it notes every read and every append tried, and before an
 * append it lets `interfere` write as another writer would (a race lost in between).
 */
class WatchedStore implements EventStore {
  readonly reads: string[] = [];
  readonly appends: Array<{ streamId: string; expected: ExpectedVersion }> = [];

  constructor(
    readonly inner: EventStore,
    private readonly interfere: Interference = () => Promise.resolve(),
  ) {}

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.appends.push({ streamId, expected: options.expectedVersion });
    await this.interfere(this.appends.length, this.inner);
    return this.inner.appendToStream(streamId, events, options);
  }

  readStream(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent[]> {
    this.reads.push(streamId);
    return this.inner.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<ReadAllPage> {
    return this.inner.readAll(options);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  subscribe(options?: SubscribeOptions) {
    return this.inner.subscribe(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Another writer appends to `streamId`, whatever its version. */
const appendAsAnother = (
  store: EventStore,
  streamId: string,
  events: readonly { type: string; data: object }[],
) => store.appendToStream(streamId, events, { expectedVersion: 'any' });

/** Another writer gets `events` in before our first append, and only that one. */
const beforeFirstAppend =
  (events: readonly { type: string; data: object }[]): Interference =>
  (attempt, raw) =>
    attempt === 1 ? appendAsAnother(raw, JOB, events) : Promise.resolve();

const typesOf = (events: readonly RecordedEvent[]) => events.map((e) => e.type);

describe('handleCommand', () => {
  let inner: InMemoryEventStore;

  beforeEach(() => {
    inner = new InMemoryEventStore();
  });

  afterEach(async () => {
    await inner.close();
  });

  /** Given `events` in the job stream, a watched store over them. */
  async function given(
    events: readonly JobEvent[],
    interfere?: Interference,
  ): Promise<WatchedStore> {
    if (events.length > 0) await appendAsAnother(inner, JOB, events);
    return new WatchedStore(inner, interfere);
  }

  it('given a stream, when a command is handled, then it decides on the folded stream and appends with the version read', async () => {
    const store = await given([aRepoActionRequested()]);

    const outcome = await handleCommand(store, JOB, jobModel, aCancelJob(), {
      metadata: METADATA,
    });

    expect(store.reads).toEqual([JOB]);
    expect(store.appends).toEqual([{ streamId: JOB, expected: 0 }]);
    expect(typesOf(outcome.appended)).toEqual(['RepoActionCancelled']);
    expect(outcome.appended[0]).toMatchObject({
      ...aRepoActionCancelled(),
      metadata: METADATA,
      streamVersion: 1,
    });
    expect(outcome.stream).toEqual(await inner.readStream(JOB));
    expect(outcome.state.phase).toBe('cancelled');
  });

  it('given a stream with an event of a type the model does not read, when handled, then the fold skips it and the version counts it', async () => {
    const store = await given([aRepoActionRequested()]);
    await appendAsAnother(inner, JOB, [{ type: 'SomethingNew', data: {} }]);

    const outcome = await handleCommand(store, JOB, jobModel, aCancelJob(), {
      metadata: METADATA,
    });

    expect(store.appends).toEqual([{ streamId: JOB, expected: 1 }]);
    expect(typesOf(outcome.stream)).toEqual([
      'RepoActionRequested',
      'SomethingNew',
      'RepoActionCancelled',
    ]);
  });

  it('given a command that decides nothing, when handled, then nothing is appended and the stream read is returned', async () => {
    const store = await given([
      aRepoActionRequested(),
      aRepoActionStarted(),
      aStepStarted(),
      aCancelRequested(),
    ]);

    const outcome = await handleCommand(store, JOB, jobModel, aCancelJob(), {
      metadata: METADATA,
    });

    expect(store.appends).toEqual([]);
    expect(outcome.appended).toEqual([]);
    expect(outcome.stream).toEqual(await inner.readStream(JOB));
    expect(outcome.state).toMatchObject({
      phase: 'running',
      cancelRequested: true,
    });
  });

  it('given metadata, when a command decides several events, then each carries it', async () => {
    const store = new WatchedStore(inner);

    const { appended } = await handleCommand(
      store,
      taskStream('task-1'),
      taskModel,
      aCreateTask({ kind: 'job', jobId: 'job-1' }),
      { metadata: METADATA },
    );

    expect(appended.map(({ type, data }) => ({ type, data }))).toEqual([
      aTaskCreated(),
      aTaskBranchAttachRequested('job-1'),
    ]);
    expect(appended.map((e) => e.metadata)).toEqual([METADATA, METADATA]);
  });

  describe('expectNew', () => {
    it('given no stream, when handled expecting a new one, then it decides on the initial state without reading and appends expecting no stream', async () => {
      const store = await given([]);

      const outcome = await handleCommand(store, JOB, jobModel, aRequestJob(), {
        metadata: METADATA,
        expectNew: true,
      });

      expect(store.reads).toEqual([]);
      expect(store.appends).toEqual([{ streamId: JOB, expected: 'no_stream' }]);
      expect(outcome.stream).toEqual(outcome.appended);
      expect(outcome.stream).toEqual(await inner.readStream(JOB));
      expect(outcome.state.phase).toBe('queued');
    });

    it('given the stream exists after all, when handled expecting a new one, then it reads it and decides again on what it holds', async () => {
      const store = await given([aRepoActionRequested()]);

      const outcome = await handleCommand(store, JOB, jobModel, aRequestJob(), {
        metadata: METADATA,
        expectNew: true,
      });

      expect(store.appends).toEqual([{ streamId: JOB, expected: 'no_stream' }]);
      expect(store.reads).toEqual([JOB]);
      expect(outcome.appended).toEqual([]);
      expect(outcome.stream).toEqual(await inner.readStream(JOB));
      expect(outcome.state.phase).toBe('queued');
    });

    it('given the stream exists after all, when the decision on it breaks a rule, then that error is thrown', async () => {
      const store = await given([
        aRepoActionRequested({ idempotencyKey: 'k-1' }),
      ]);

      await expect(
        handleCommand(
          store,
          JOB,
          jobModel,
          aRequestJob({ idempotencyKey: 'k-1', action: 'sync_repo' }),
          { metadata: METADATA, expectNew: true },
        ),
      ).rejects.toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
      expect(typesOf(await inner.readStream(JOB))).toEqual([
        'RepoActionRequested',
      ]);
    });
  });

  describe('a lost race', () => {
    it('given another writer appends between the read and the append, when handled, then the command is decided again on the fresh stream', async () => {
      const store = await given(
        [aRepoActionRequested()],
        beforeFirstAppend([aRepoActionStarted(), aStepStarted()]),
      );

      const outcome = await handleCommand(store, JOB, jobModel, aCancelJob(), {
        metadata: METADATA,
      });

      expect(store.appends).toEqual([
        { streamId: JOB, expected: 0 },
        { streamId: JOB, expected: 2 },
      ]);
      expect(typesOf(outcome.appended)).toEqual(['RepoActionCancelRequested']);
      expect(typesOf(await inner.readStream(JOB))).toEqual([
        'RepoActionRequested',
        'RepoActionStarted',
        'RepoActionStepStarted',
        'RepoActionCancelRequested',
      ]);
      expect(outcome.stream).toEqual(await inner.readStream(JOB));
    });

    it('given the same request wins the race to a new stream, when handled expecting a new one, then it decides nothing', async () => {
      const store = await given(
        [],
        beforeFirstAppend([aRepoActionRequested()]),
      );

      const outcome = await handleCommand(store, JOB, jobModel, aRequestJob(), {
        metadata: METADATA,
        expectNew: true,
      });

      expect(outcome.appended).toEqual([]);
      expect(typesOf(await inner.readStream(JOB))).toEqual([
        'RepoActionRequested',
      ]);
    });

    it('given the race ended the job, when decided again, then the rule the fresh state breaks is thrown', async () => {
      const store = await given(
        [aRepoActionRequested()],
        beforeFirstAppend([aRepoActionCancelled()]),
      );

      await expect(
        handleCommand(store, JOB, jobModel, aCancelJob(), {
          metadata: METADATA,
        }),
      ).rejects.toMatchObject({ code: 'JOB.ALREADY_FINISHED' });
      expect(store.appends).toHaveLength(1);
    });

    it.each([
      [3, 3],
      [undefined, 5],
    ])(
      'given every append loses a race, when handled with maxTries %p, then it gives up after %p tries',
      async (maxTries, tries) => {
        const store = await given([aRepoActionRequested()], (_, raw) =>
          appendAsAnother(raw, JOB, [aRepoActionProgressed()]),
        );

        const handled = handleCommand(store, JOB, jobModel, aCancelJob(), {
          metadata: METADATA,
          ...(maxTries !== undefined ? { maxTries } : {}),
        });

        await expect(handled).rejects.toBeInstanceOf(ConcurrencyError);
        expect(store.appends).toHaveLength(tries);
        expect(store.reads).toHaveLength(tries);
        expect(typesOf(await inner.readStream(JOB))).not.toContain(
          'RepoActionCancelled',
        );
      },
    );
  });

  describe('errors', () => {
    it("given another org's job, when cancelled, then the decider's error passes through and nothing is appended", async () => {
      const store = await given([aRepoActionRequested({ orgId: 'org-1' })]);

      await expect(
        handleCommand(store, JOB, jobModel, aCancelJob({ orgId: 'org-2' }), {
          metadata: METADATA,
        }),
      ).rejects.toMatchObject({ code: 'JOB.NOT_FOUND', kind: 'not_found' });
      expect(store.appends).toEqual([]);
    });

    it('given a store that fails for another reason, when handled, then its error passes through without a retry', async () => {
      const store = await given([aRepoActionRequested()]);
      await inner.close();

      await expect(
        handleCommand(store, JOB, jobModel, aCancelJob(), {
          metadata: METADATA,
        }),
      ).rejects.toBeInstanceOf(EventStoreClosedError);
      expect(store.appends).toHaveLength(1);
    });
  });

  describe('metadata as a function of the state', () => {
    const fromState = (state: JobState): MessageMetadata => ({
      ...METADATA,
      repoId: state.request!.repoId,
      actor: `${state.phase}@${state.attempt}`,
    });

    it('given a stream, when handled, then the metadata is made from the state decided on', async () => {
      const store = await given([aRepoActionRequested({ repoId: 'repo-9' })]);

      const { appended } = await handleCommand(
        store,
        JOB,
        jobModel,
        aCancelJob(),
        { metadata: fromState },
      );

      expect(appended[0]!.metadata).toEqual({
        ...METADATA,
        repoId: 'repo-9',
        actor: 'queued@0',
      });
    });

    it('given a lost race, when decided again, then the metadata is made from the fresh state', async () => {
      const store = await given(
        [aRepoActionRequested()],
        beforeFirstAppend([aRepoActionStarted(2)]),
      );

      const { appended } = await handleCommand(
        store,
        JOB,
        jobModel,
        aCancelJob(),
        { metadata: fromState },
      );

      expect(appended[0]).toMatchObject({
        type: 'RepoActionCancelRequested',
        metadata: { actor: 'running@2' },
      });
    });

    it('given a command that decides nothing, when handled, then no metadata is made', async () => {
      const store = await given([aRepoActionRequested(), aRepoActionStarted()]);
      await appendAsAnother(inner, JOB, [aCancelRequested()]);
      const metadata = jest.fn(fromState);

      await handleCommand(store, JOB, jobModel, aCancelJob(), { metadata });

      expect(metadata).not.toHaveBeenCalled();
    });
  });
});
