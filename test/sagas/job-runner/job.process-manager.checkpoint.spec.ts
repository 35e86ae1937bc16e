import { jobStream } from '../../../src/domain/streams';
import { InMemoryFollowerCheckpoints } from '../../../src/infrastructure/checkpoints/follower-checkpoints.port';
import type {
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
} from '../../../src/infrastructure/event-store/event-store.port';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { JobProcessManager } from '../../../src/sagas/job-runner/job.process-manager';
import type { LaneGate } from '../../../src/sagas/job-runner/job.scheduler';
import {
  aRepoActionCancelled,
  aRepoActionCompleted,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepCompleted,
  aStepStarted,
} from '../../builders/job.builders';
import { FakeJobSteps } from './fake-job-steps';
import { jobsEnded } from '../../support/await-event';

/**
 * The store, counting every job stream whose events a reader was handed, but for the one
 * event a checkpoint is checked against (an unfiltered read of one event at its position).
 */
class CountingStore {
  readonly streamsRead = new Set<string>();
  eventsRead = 0;

  constructor(readonly store: InMemoryEventStore) {}

  asStore(): EventStore {
    const { store } = this;
    return Object.assign(Object.create(store) as object, {
      readAll: async (options?: ReadAllOptions) => {
        const page = await store.readAll(options);
        if (options?.limit === 1 && !options.filter) return page;
        this.eventsRead += page.events.length;
        for (const e of page.events) this.streamsRead.add(e.streamId);
        return page;
      },
      readStream: async (streamId: string, options?: ReadStreamOptions) => {
        const events = await store.readStream(streamId, options);
        this.eventsRead += events.length;
        if (events.length > 0) this.streamsRead.add(streamId);
        return events;
      },
    }) as EventStore;
  }
}

/** A gate that lets no lane in: the jobs stay as they are while the runner starts and stops. */
const CLOSED: LaneGate = {
  enter: () => Promise.resolve(60_000),
  leave: () => undefined,
};

const FINISHED = 300;

describe('the job process manager, started from its checkpoint', () => {
  let store: InMemoryEventStore;
  let checkpoints: InMemoryFollowerCheckpoints;
  const started: JobProcessManager[] = [];
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };

  const append = (
    jobId: string,
    events: Parameters<EventStore['appendToStream']>[1],
  ) =>
    store.appendToStream(jobStream(jobId), events, { expectedVersion: 'any' });

  const aRunner = (on: EventStore, steps: FakeJobSteps, gate?: LaneGate) => {
    const jobs = new JobProcessManager(on, steps, {
      worker: 'worker-2',
      concurrency: 2,
      graceMs: 0,
      clock: { now: () => new Date('2026-01-01T00:00:05.000Z') },
      random: () => 0.5,
      logger,
      checkpoints,
      ...(gate ? { gate } : {}),
    });
    started.push(jobs);
    return jobs;
  };

  const types = async (jobId: string) =>
    (await store.readStream(jobStream(jobId))).map((e) => e.type);

  const ended = (...jobIds: string[]) => jobsEnded(store, ...jobIds);

  beforeEach(() => {
    store = new InMemoryEventStore();
    checkpoints = new InMemoryFollowerCheckpoints();
  });

  afterEach(async () => {
    for (const jobs of started.splice(0)) await jobs.stop();
    await store.close();
  });

  it('given many finished jobs and a few unfinished ones behind a checkpoint, when started, then exactly the unfinished ones run, in request order per repo, and no finished job is read', async () => {
    const finished = Array.from({ length: FINISHED }, (_, i) => `done-${i}`);
    // History: finished jobs on both repos, around three unfinished ones.
    for (const [i, jobId] of finished.entries()) {
      const repoId = i % 2 ? 'repo-a' : 'repo-b';
      await append(jobId, [
        aRepoActionRequested({ jobId, repoId }),
        aRepoActionStarted(),
        aStepStarted('pre_sync'),
        aStepCompleted('pre_sync'),
        aRepoActionCompleted(),
      ]);
      if (i === 100)
        await append('queued-1', [
          aRepoActionRequested({ jobId: 'queued-1', repoId: 'repo-a' }),
        ]);
      if (i === 150)
        // Found running: a worker of an earlier life had claimed it and completed pre_sync.
        await append('running', [
          aRepoActionRequested({ jobId: 'running', repoId: 'repo-b' }),
          { ...aRepoActionStarted(), data: { attempt: 1, worker: 'worker-0' } },
          aStepStarted('pre_sync'),
          aStepCompleted('pre_sync'),
        ]);
      if (i === 200)
        await append('queued-2', [
          aRepoActionRequested({ jobId: 'queued-2', repoId: 'repo-a' }),
        ]);
    }
    const historyEvents = await store.headPosition();

    // A first start with no checkpoint folds it all; its lanes run nothing.
    const first = aRunner(store, new FakeJobSteps(), CLOSED);
    await first.start();
    expect(first.started?.folded).toBe(historyEvents);
    expect(first.board?.size).toBe(3);
    // The queued gauge counts the two waiting; the one found running is held by no one here.
    expect(first.board?.queued()).toBe(2);
    expect(first.board?.running()).toBe(0);
    await first.stop();

    // After the checkpoint: one unfinished job is cancelled, a new one is requested.
    await append('queued-2', [aRepoActionCancelled()]);
    await append('later', [
      aRepoActionRequested({ jobId: 'later', repoId: 'repo-a' }),
    ]);

    const counting = new CountingStore(store);
    const steps = new FakeJobSteps();
    const second = aRunner(counting.asStore(), steps);
    await second.start();

    // Only the two job events after the checkpoint were folded.
    expect(second.started?.folded).toBe(2);
    expect(second.started?.foldedFrom).toBeGreaterThan(historyEvents);
    await ended('queued-1', 'running', 'later');

    for (const jobId of finished)
      expect(counting.streamsRead.has(jobStream(jobId))).toBe(false);
    // The unfinished jobs' streams and the events after the checkpoint, nothing else.
    expect(counting.eventsRead).toBeLessThan(60);

    const ran = steps.calls
      .filter((c) => c.step === 'execute')
      .map((c) => c.jobId);
    expect(ran.filter((id) => id !== 'running')).toEqual(['queued-1', 'later']);
    expect(ran).toContain('running');
    expect(await types('queued-2')).toEqual([
      'RepoActionRequested',
      'RepoActionCancelled',
    ]);
    // The job found running resumed as a new attempt and completed.
    const running = await types('running');
    expect(running).toContain('RepoActionInterrupted');
    expect(running.at(-1)).toBe('RepoActionCompleted');
    expect(second.board?.size).toBe(0);
    expect(second.board?.queued()).toBe(0);
    expect(second.board?.running()).toBe(0);
  });

  it('given a long run of jobs that all end, then the board holds none of them and the checkpoint names none', async () => {
    const steps = new FakeJobSteps();
    const jobs = aRunner(store, steps);
    await jobs.start();
    const ids = Array.from({ length: 50 }, (_, i) => `job-${i}`);
    for (const [i, jobId] of ids.entries())
      await append(jobId, [
        aRepoActionRequested({ jobId, repoId: `repo-${i % 5}` }),
      ]);
    await ended(...ids);
    await jobs.stop();

    expect(jobs.board?.size).toBe(0);
    const saved = await checkpoints.load('job-runner@1');
    expect(saved?.state).toEqual({ unfinished: [] });
    expect(saved?.position).toBe(await store.headPosition());
  });
});
