import { jobStream } from '../../../src/domain/streams';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { JobProcessManager } from '../../../src/sagas/job-runner/job.process-manager';
import { aRepoActionRequested } from '../../builders/job.builders';
import { FakeJobSteps } from './fake-job-steps';
import { jobsEnded } from '../../support/await-event';

describe('the job process manager', () => {
  let store: InMemoryEventStore;
  let steps: FakeJobSteps;
  let jobs: JobProcessManager;
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };

  const request = (jobId: string, repoId: string) =>
    store.appendToStream(
      jobStream(jobId),
      [aRepoActionRequested({ jobId, repoId })],
      { expectedVersion: 'no_stream' },
    );

  const types = async (jobId: string) =>
    (await store.readStream(jobStream(jobId))).map((e) => e.type);

  const ended = (...jobIds: string[]) => jobsEnded(store, ...jobIds);

  beforeEach(() => {
    store = new InMemoryEventStore();
    steps = new FakeJobSteps();
    jobs = new JobProcessManager(store, steps, {
      worker: 'worker-1',
      concurrency: 2,
      graceMs: 0,
      clock: { now: () => new Date('2026-01-01T00:00:05.000Z') },
      random: () => 0.5,
      logger,
    });
  });

  afterEach(async () => {
    await jobs.stop();
    await store.close();
  });

  it('given unfinished jobs in the history, when started, then they run in request order, and a job requested later runs too', async () => {
    await request('a1', 'repo-a');
    await request('a2', 'repo-a');
    await request('done', 'repo-b');
    await store.appendToStream(
      jobStream('done'),
      [{ type: 'RepoActionCancelled', data: {} }],
      { expectedVersion: 0 },
    );

    await jobs.start();
    await request('b1', 'repo-b');
    await ended('a1', 'a2', 'b1');

    const ran = steps.calls
      .filter((c) => c.step === 'pre_sync')
      .map((c) => c.jobId);
    expect(ran.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(ran).toContain('b1');
    expect(ran).not.toContain('done');
    expect((await types('a2')).at(-1)).toBe('RepoActionCompleted');
  });

  it('given a running job, when a client asks to cancel it, then it stops before its next step', async () => {
    const execute = steps.hold('execute');
    await jobs.start();
    await request('a1', 'repo-a');
    await execute.entered;

    await store.appendToStream(
      jobStream('a1'),
      [{ type: 'RepoActionCancelRequested', data: {} }],
      { expectedVersion: 'any' },
    );
    execute.finish();
    await ended('a1');

    expect((await types('a1')).at(-1)).toBe('RepoActionCancelled');
    expect(steps.calls.map((c) => c.step)).toEqual(['pre_sync', 'execute']);
  });

  it('given a running job and one queued behind it, when stopped, then the running one is recorded interrupted and the queued one is not claimed', async () => {
    const execute = steps.hold('execute');
    await request('a1', 'repo-a');
    await request('a2', 'repo-a');
    await jobs.start();
    await execute.entered;

    await jobs.stop();
    execute.finish();

    expect((await types('a1')).at(-1)).toBe('RepoActionInterrupted');
    expect(await types('a2')).toEqual(['RepoActionRequested']);
  });
});
