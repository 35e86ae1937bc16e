import { DomainError } from '../../../src/domain/domain-error';
import { holdingAppendsTo } from '../../support/holding-appends';
import type {
  JobEvent,
  RepoActionRequested,
} from '../../../src/domain/events/job.events';
import {
  JOB_EVENTS,
  narrowAll,
} from '../../../src/domain/events/stackyard-event';
import { jobStream, repoStream } from '../../../src/domain/streams';
import type { Clock } from '../../../src/infrastructure/clock/clock';
import type { EventStore } from '../../../src/infrastructure/event-store/event-store.port';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { JobReleasedError } from '../../../src/sagas/job-runner/job-released.error';
import type { JobRunnerOptions } from '../../../src/sagas/job-runner/job-runner.options';
import { CLAIM_CONFLICT_RETRY_MS } from '../../../src/sagas/job-runner/job.claim';
import { JobRunner } from '../../../src/sagas/job-runner/job.runner';
import {
  aRepoActionInterrupted,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepCompleted,
  aStepStarted,
} from '../../builders/job.builders';
import { A_PLAN, FakeJobSteps } from './fake-job-steps';

const JOB = 'job-1';
const REQUESTED_AT = '2026-01-01T00:00:00.000Z';
const POLICY = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };
/** With `random` at 0.5 the first retry waits half the base delay plus a quarter. */
const FIRST_RETRY_MS = 750;

describe('the job runner', () => {
  let store: InMemoryEventStore;
  let steps: FakeJobSteps;
  let now: Date;
  const clock: Clock = { now: () => now };
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const metrics = {
    queueWait: jest.fn(),
    stepDuration: jest.fn(),
    outcome: jest.fn(),
    claimConflict: jest.fn(),
  };

  const runner = (
    options: Partial<JobRunnerOptions> = {},
    on: EventStore = store,
  ) =>
    new JobRunner(on, steps, {
      worker: 'worker-1',
      retry: POLICY,
      clock,
      random: () => 0.5,
      logger,
      metrics,
      ...options,
    });

  const request = (data: Partial<RepoActionRequested['data']> = {}) =>
    append(aRepoActionRequested({ jobId: JOB, ...data }), {
      at: REQUESTED_AT,
    });

  /** Appends to the job's stream as another writer (the request or cancel handler). */
  const append = (event: JobEvent, metadata = {}) =>
    store.appendToStream(jobStream(JOB), [{ ...event, metadata }], {
      expectedVersion: 'any',
    });

  const cancelAsked = () =>
    append({ type: 'RepoActionCancelRequested', data: {} });

  const stream = async () =>
    narrowAll(await store.readStream(jobStream(JOB)), JOB_EVENTS);
  const types = async () => (await stream()).map((e) => e.type);
  const last = async () => (await stream()).at(-1)!;

  const stepEvents = (step: string) => [
    `RepoActionStepStarted:${step}`,
    `RepoActionStepCompleted:${step}`,
  ];
  /** The job's event types, with the step of step events. */
  const trail = async () =>
    (await stream()).map((e) =>
      e.type === 'RepoActionStepStarted' || e.type === 'RepoActionStepCompleted'
        ? `${e.type}:${e.data.step}`
        : e.type,
    );

  beforeEach(() => {
    store = new InMemoryEventStore();
    steps = new FakeJobSteps();
    now = new Date('2026-01-01T00:00:05.000Z');
    jest.clearAllMocks();
  });

  afterEach(async () => {
    await store.close();
  });

  it('given a queued job, when it gets a turn, then it is claimed and every step runs in order, then it is completed', async () => {
    await request();

    const turn = await runner().run(JOB);

    expect(turn).toBe('done');
    expect(steps.steps).toEqual([
      'pre_sync',
      'execute',
      'publish',
      'post_sync',
    ]);
    expect(await trail()).toEqual([
      'RepoActionRequested',
      'RepoActionStarted',
      ...stepEvents('pre_sync'),
      ...stepEvents('execute'),
      ...stepEvents('publish'),
      ...stepEvents('post_sync'),
      'RepoActionCompleted',
    ]);
    const events = await stream();
    expect(events[1]!.data).toEqual({ attempt: 1, worker: 'worker-1' });
    expect(
      events.find(
        (e) =>
          e.type === 'RepoActionStepCompleted' && e.data.step === 'execute',
      )!.data,
    ).toEqual({ step: 'execute', summary: A_PLAN.summary, plan: A_PLAN });
    expect((await last()).data).toEqual({
      summary: A_PLAN.summary,
      changed: A_PLAN.changed,
    });
    expect(events[1]!.metadata).toEqual({
      correlationId: JOB,
      jobId: JOB,
      actor: 'worker:worker-1',
      orgId: 'org-1',
      repoId: 'repo-1',
      at: now.toISOString(),
    });
    expect(steps.calls[2]!.context.plan).toEqual(A_PLAN);
    expect(metrics.queueWait).toHaveBeenCalledWith(5);
    expect(metrics.stepDuration).toHaveBeenCalledTimes(4);
    expect(metrics.outcome.mock.calls).toEqual([
      ['completed', { action: 'restack_repo', code: '' }],
    ]);
  });

  it('given two runners, when both give the same job a turn at once, then both try to claim it, it is claimed once and each step runs once', async () => {
    await request();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const views = [
      holdingAppendsTo(store, jobStream(JOB), released),
      holdingAppendsTo(store, jobStream(JOB), released),
    ];

    const turns = Promise.all(
      views.map((view, i) =>
        runner({ worker: `worker-${i + 1}` }, view.store).run(JOB),
      ),
    );
    // Each runner read the job queued and tries to start it before either claim lands.
    expect(await Promise.all(views.map((view) => view.tried))).toEqual([
      ['RepoActionStarted'],
      ['RepoActionStarted'],
    ]);
    release();

    // The runner whose claim met the other's start counts a claim conflict and keeps the
    // job for a later turn, which finds it ended.
    const ended = await turns;
    expect([...ended].sort()).toEqual(
      ['done', { retryInMs: CLAIM_CONFLICT_RETRY_MS }].sort(),
    );
    expect(metrics.claimConflict).toHaveBeenCalledTimes(1);
    const loser = ended.findIndex((turn) => turn !== 'done');
    expect(
      await runner({ worker: `worker-${loser + 1}` }, views[loser]!.store).run(
        JOB,
      ),
    ).toBe('done');
    expect(
      (await types()).filter((t) => t === 'RepoActionStarted'),
    ).toHaveLength(1);
    expect(steps.steps).toEqual([
      'pre_sync',
      'execute',
      'publish',
      'post_sync',
    ]);
  });

  it('given a job cut off in publish, when it gets a turn, then the interruption is recorded and it resumes after execute with the recorded plan', async () => {
    await request();
    const history: JobEvent[] = [
      aRepoActionStarted(1),
      aStepStarted('pre_sync'),
      {
        type: 'RepoActionStepCompleted',
        data: { step: 'pre_sync', summary: 'ok' },
      },
      aStepStarted('execute'),
      {
        type: 'RepoActionStepCompleted',
        data: { step: 'execute', summary: A_PLAN.summary, plan: A_PLAN },
      },
      aStepStarted('publish'),
    ];
    for (const event of history) await append(event);
    const before = (await stream()).length;

    const turn = await runner().run(JOB);

    expect(turn).toBe('done');
    expect(steps.steps).toEqual(['publish', 'post_sync']);
    expect(steps.calls[0]!.context.plan).toEqual(A_PLAN);
    const resumed = (await stream()).slice(before);
    expect(resumed.slice(0, 2).map((e) => [e.type, e.data])).toEqual([
      ['RepoActionInterrupted', { attempt: 1 }],
      ['RepoActionStarted', { attempt: 2, worker: 'worker-1' }],
    ]);
    expect((await trail()).slice(before + 2)).toEqual([
      ...stepEvents('publish'),
      ...stepEvents('post_sync'),
      'RepoActionCompleted',
    ]);
    expect(metrics.queueWait).not.toHaveBeenCalled();
  });

  describe('given the last allowed attempt cut off in publish', () => {
    const cutOffInPublish = async () => {
      await request();
      for (let attempt = 1; attempt < POLICY.maxAttempts; attempt++) {
        await append(aRepoActionStarted(attempt));
        await append(aRepoActionInterrupted(attempt));
      }
      for (const event of [
        aRepoActionStarted(POLICY.maxAttempts),
        aStepCompleted('pre_sync'),
        aStepCompleted('execute', { plan: A_PLAN }),
        aStepStarted('publish'),
      ])
        await append(event);
      return (await stream()).length;
    };

    it('when its push had landed, then the turn settles it: no new attempt, publish told not to push, and the job completes', async () => {
      const before = await cutOffInPublish();

      const turn = await runner().run(JOB);

      expect(turn).toBe('done');
      expect(steps.steps).toEqual(['publish', 'post_sync']);
      expect(steps.calls.map((c) => c.context.settling)).toEqual([true, true]);
      expect((await trail()).slice(before)).toEqual([
        'RepoActionInterrupted',
        ...stepEvents('publish'),
        ...stepEvents('post_sync'),
        'RepoActionCompleted',
      ]);
    });

    it('when its push had not landed, then publish fails the job with JOB.INTERRUPTED and it is not retried', async () => {
      const before = await cutOffInPublish();
      steps.failNext(
        'publish',
        new DomainError('JOB.INTERRUPTED', 'internal', 'not published'),
      );

      const turn = await runner().run(JOB);

      expect(turn).toBe('done');
      expect((await trail()).slice(before)).toEqual([
        'RepoActionInterrupted',
        'RepoActionStepStarted:publish',
        'RepoActionFailed',
      ]);
      expect((await last()).data).toEqual({
        code: 'JOB.INTERRUPTED',
        message: 'not published',
      });
    });
  });

  it('given a transient failure, when the job fails, then a retry is recorded with backoff, and the next attempt completes from the failed step', async () => {
    await request();
    steps.failNext(
      'execute',
      new DomainError('GIT.TRANSIENT', 'unavailable', 'remote unreachable'),
    );
    const jobs = runner();

    const first = await jobs.run(JOB);
    const retryAt = new Date(now.getTime() + FIRST_RETRY_MS).toISOString();
    const early = await jobs.run(JOB);
    now = new Date(retryAt);
    const second = await jobs.run(JOB);

    expect(first).toEqual({ retryInMs: FIRST_RETRY_MS });
    expect(early).toEqual({ retryInMs: FIRST_RETRY_MS });
    const events = await stream();
    const retry = events.find((e) => e.type === 'RepoActionRetryScheduled')!;
    expect(retry.data).toEqual({
      attempt: 1,
      reason: 'remote unreachable',
      retryAt,
    });
    expect(second).toBe('done');
    expect(steps.steps).toEqual([
      'pre_sync',
      'execute',
      'execute',
      'publish',
      'post_sync',
    ]);
    expect(
      events.flatMap((e) =>
        e.type === 'RepoActionStarted' ? [e.data.attempt] : [],
      ),
    ).toEqual([1, 2]);
    expect(events.at(-1)!.type).toBe('RepoActionCompleted');
    expect(metrics.outcome.mock.calls).toEqual([
      ['retry', { action: 'restack_repo', code: 'GIT.TRANSIENT' }],
      ['completed', { action: 'restack_repo', code: '' }],
    ]);
  });

  it('given a transient failure on the last attempt, when the job fails, then it is failed and not retried', async () => {
    await request();
    const jobs = runner({ retry: { ...POLICY, maxAttempts: 1 } });
    steps.failNext(
      'pre_sync',
      new DomainError('GIT.TRANSIENT', 'unavailable', 'remote unreachable'),
    );

    expect(await jobs.run(JOB)).toBe('done');
    expect((await last()).data).toEqual({
      code: 'GIT.TRANSIENT',
      message: 'remote unreachable',
    });
  });

  it('given a permanent failure, when the job fails, then it is failed at once with the code and the conflict', async () => {
    await request();
    const conflict = { branch: 'feature-a', files: ['src/app.ts'] };
    steps.failNext(
      'execute',
      new DomainError('GIT.CONFLICT', 'conflict', 'feature-a conflicts', {
        conflict,
      }),
    );

    const turn = await runner().run(JOB);

    expect(turn).toBe('done');
    expect(steps.steps).toEqual(['pre_sync', 'execute']);
    expect(await types()).not.toContain('RepoActionRetryScheduled');
    const failed = await last();
    expect([failed.type, failed.data]).toEqual([
      'RepoActionFailed',
      { code: 'GIT.CONFLICT', message: 'feature-a conflicts', conflict },
    ]);
    expect(metrics.outcome.mock.calls).toEqual([
      ['error', { action: 'restack_repo', code: 'GIT.CONFLICT' }],
    ]);
  });

  it('given a step that outlasts the step timeout, when the limit passes, then its work is aborted and the job fails with JOB.STEP_TIMEOUT, not retried', async () => {
    await request();
    const preSync = steps.hold('pre_sync');
    const turn = runner({ stepTimeoutMs: 10 }).run(JOB);
    const context = await preSync.entered;

    expect(await turn).toBe('done');

    // The work is stopped rather than left running unseen; a retry would find the same
    // stall, with the jobs behind it in the repo's lane waiting the whole limit again.
    expect(context.signal.aborted).toBe(true);
    expect(context.signal.reason).toMatchObject({ code: 'JOB.STEP_TIMEOUT' });
    expect(await types()).not.toContain('RepoActionRetryScheduled');
    const failed = await last();
    expect([failed.type, failed.data]).toEqual([
      'RepoActionFailed',
      {
        code: 'JOB.STEP_TIMEOUT',
        message: 'Step pre_sync took longer than 10 ms',
      },
    ]);
  });

  it('given an unexpected error, when the job fails, then it is failed with JOB.INTERNAL and the error is logged', async () => {
    await request();
    steps.failNext('publish', new TypeError('undefined is not a function'));

    await runner().run(JOB);

    expect((await last()).data).toEqual({
      code: 'JOB.INTERNAL',
      message: 'The job failed unexpectedly; see the service log',
    });
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ jobId: JOB, repoId: 'repo-1' }),
    );
    expect(JSON.stringify(logger.error.mock.calls)).toContain(
      'TypeError: undefined is not a function',
    );
  });

  it('given a cancel asked while the job was queued, when it gets a turn, then it is cancelled without starting', async () => {
    await request();
    await cancelAsked();

    const turn = await runner().run(JOB);

    expect(turn).toBe('done');
    expect(await types()).toEqual([
      'RepoActionRequested',
      'RepoActionCancelRequested',
      'RepoActionCancelled',
    ]);
    expect(steps.steps).toEqual([]);
    expect(metrics.outcome.mock.calls).toEqual([
      ['cancelled', { action: 'restack_repo', code: '' }],
    ]);
  });

  it('given a cancel asked during execute, when execute ends, then the job is cancelled before publish', async () => {
    await request();
    const execute = steps.hold('execute');
    const jobs = runner();
    const turn = jobs.run(JOB);
    await execute.entered;

    await cancelAsked();
    jobs.cancelRequested(JOB);
    execute.finish();

    expect(await turn).toBe('done');
    expect(steps.steps).toEqual(['pre_sync', 'execute']);
    expect((await trail()).slice(-3)).toEqual([
      'RepoActionCancelRequested',
      'RepoActionStepCompleted:execute',
      'RepoActionCancelled',
    ]);
  });

  it('given the repo now held by another instance, when the job reaches publish, then it does not publish and records nothing more: the job stays queued for the new holder', async () => {
    await request();
    const confirm = jest.fn(() => Promise.resolve(false));
    const gate = { enter: jest.fn(), leave: jest.fn(), confirm };

    const turn = await runner({ gate }).run(JOB);

    expect(turn).toEqual({ retryInMs: 0 });
    expect(confirm).toHaveBeenCalledWith('repo-1');
    expect(steps.steps).toEqual(['pre_sync', 'execute']);
    expect((await trail()).slice(-1)).toEqual([
      'RepoActionStepCompleted:execute',
    ]);
    expect(metrics.outcome).not.toHaveBeenCalled();
  });

  it('given the lease store not answering at publish, then the job neither publishes nor fails: nothing is recorded and it keeps its place for a later turn', async () => {
    await request();
    const confirm = jest.fn(() =>
      Promise.reject(new Error('connection reset')),
    );
    const gate = { enter: jest.fn(), leave: jest.fn(), confirm };

    expect(await runner({ gate }).run(JOB)).toEqual({ retryInMs: 0 });

    expect(steps.steps).toEqual(['pre_sync', 'execute']);
    expect((await last()).type).toBe('RepoActionStepCompleted');
    expect(metrics.outcome).not.toHaveBeenCalled();
  });

  it('given the repo lost between two steps, then the next step does not start and nothing more is recorded', async () => {
    await request();
    const jobs = runner();
    steps.next('pre_sync', () => {
      jobs.repoLost('repo-1');
      return Promise.resolve({ summary: 'pre_sync done' });
    });

    expect(await jobs.run(JOB)).toEqual({ retryInMs: 0 });

    expect(steps.steps).toEqual(['pre_sync']);
    expect((await last()).type).toBe('RepoActionStepCompleted');
  });

  it('given the repo still held, when the job reaches publish, then the lease is confirmed and the job runs to its end', async () => {
    await request();
    const confirm = jest.fn(() => Promise.resolve(true));
    const gate = { enter: jest.fn(), leave: jest.fn(), confirm };

    expect(await runner({ gate }).run(JOB)).toBe('done');

    expect(confirm).toHaveBeenCalledTimes(1);
    expect((await last()).type).toBe('RepoActionCompleted');
  });

  it("given the repo lost to another instance during execute, then the step is aborted and nothing more is recorded; lost during publish, the push is let finish and the job runs on (the new holder's claim, once made, fences its appends)", async () => {
    await request();
    const execute = steps.hold('execute');
    const jobs = runner();
    const turn = jobs.run(JOB);
    const context = await execute.entered;

    jobs.repoLost('repo-1');

    expect(await turn).toEqual({ retryInMs: 0 });
    expect(context.signal.aborted).toBe(true);
    expect(context.signal.reason).toBeInstanceOf(JobReleasedError);
    expect((await trail()).slice(-1)).toEqual([
      'RepoActionStepStarted:execute',
    ]);

    // Another turn here (the repo came back, say): publish is held and the repo lost again.
    const publish = steps.hold('publish');
    const again = jobs.run(JOB);
    const publishing = await publish.entered;
    jobs.repoLost('repo-1');
    expect(publishing.signal.aborted).toBe(false);
    publish.finish();

    expect(await again).toBe('done');
    expect(await trail()).toContain('RepoActionStepCompleted:publish');
    expect((await last()).type).toBe('RepoActionCompleted');
  });

  it('given a cancel asked during publish, when publish ends, then the job runs to its end', async () => {
    await request();
    const publish = steps.hold('publish');
    const jobs = runner();
    const turn = jobs.run(JOB);
    await publish.entered;

    await cancelAsked();
    jobs.cancelRequested(JOB);
    publish.finish();

    expect(await turn).toBe('done');
    expect(steps.steps).toEqual([
      'pre_sync',
      'execute',
      'publish',
      'post_sync',
    ]);
    expect((await last()).type).toBe('RepoActionCompleted');
  });

  it('given a step that reports progress, when it runs, then the progress is recorded within the step', async () => {
    await request();
    steps.next('pre_sync', (context) => {
      context.progress('fetching', 1, 2);
      return Promise.resolve({ summary: 'fetched' });
    });

    await runner().run(JOB);

    const events = await stream();
    const progressed = events.findIndex(
      (e) => e.type === 'RepoActionProgressed',
    );
    expect(events[progressed]!.data).toEqual({
      step: 'pre_sync',
      message: 'fetching',
      done: 1,
      total: 2,
    });
    expect(events[progressed - 1]!.type).toBe('RepoActionStepStarted');
    expect(events[progressed + 1]!.type).toBe('RepoActionStepCompleted');
  });

  it('given a step that records repo events, when it runs, then they are appended to the repo stream with the job metadata', async () => {
    await request();
    steps.next('post_sync', async (context) => {
      await context.recordRepoEvents([
        {
          type: 'RepoBranchesObserved',
          data: {
            trunk: 'main',
            trunkSha: 'c'.repeat(40),
            branches: [],
            observedAt: now.toISOString(),
          },
          eventId: '00000000-0000-4000-8000-000000000001',
        },
      ]);
      return { summary: 'observed' };
    });

    await runner().run(JOB);

    const [observed] = await store.readStream(repoStream('repo-1'));
    expect(observed).toMatchObject({
      eventId: '00000000-0000-4000-8000-000000000001',
      type: 'RepoBranchesObserved',
      metadata: { jobId: JOB, actor: 'worker:worker-1' },
    });
  });

  it("given a job requested with a correlation id, when it runs, then every event the runner appends for it, to its stream and its repo's, and its log line carry that id", async () => {
    await append(aRepoActionRequested({ jobId: JOB }), {
      at: REQUESTED_AT,
      correlationId: 'request-7',
    });
    steps.next('post_sync', async (context) => {
      await context.recordRepoEvents([
        {
          type: 'RepoBranchesObserved',
          data: {
            trunk: 'main',
            trunkSha: 'c'.repeat(40),
            branches: [],
            observedAt: now.toISOString(),
          },
        },
      ]);
      return { summary: 'observed' };
    });

    await runner().run(JOB);

    const appended = [
      ...(await stream()).slice(1),
      ...(await store.readStream(repoStream('repo-1'))),
    ];
    expect(appended.length).toBeGreaterThan(9);
    expect(
      new Set(
        appended.map((e) =>
          [e.metadata.correlationId, e.metadata.jobId].join(' '),
        ),
      ),
    ).toEqual(new Set([`request-7 ${JOB}`]));
    expect(logger.log).toHaveBeenCalledWith({
      msg: expect.stringMatching(/^completed: /) as unknown,
      jobId: JOB,
      correlationId: 'request-7',
      repoId: 'repo-1',
      action: 'restack_repo',
    });
  });

  it('given a job requested without a correlation id (recorded before there were request ids), when it runs, then its events are correlated by the job', async () => {
    await request();

    await runner().run(JOB);

    expect(
      new Set((await stream()).slice(1).map((e) => e.metadata.correlationId)),
    ).toEqual(new Set([JOB]));
  });

  it('given a step running at shutdown, when the grace ends first, then the job is recorded interrupted and the late step writes nothing', async () => {
    await request();
    const execute = steps.hold('execute');
    const jobs = runner({ graceMs: 0 });
    const turn = jobs.run(JOB);
    const context = await execute.entered;

    expect(context.signal.aborted).toBe(false);
    await jobs.stop();
    const interrupted = await last();
    const late = context.recordRepoEvents([]);
    execute.finish();

    // The step's work was told to stop (its git processes are killed), not left running.
    expect(context.signal.aborted).toBe(true);
    expect(context.signal.reason).toBeInstanceOf(JobReleasedError);
    expect([interrupted.type, interrupted.data]).toEqual([
      'RepoActionInterrupted',
      { attempt: 1 },
    ]);
    await expect(late).rejects.toBeInstanceOf(JobReleasedError);
    expect(await turn).toBe('stopped');
    expect((await last()).type).toBe('RepoActionInterrupted');
    expect(await jobs.run('job-2')).toBe('stopped');
  });

  it('given a step running at shutdown, when it ends within the grace, then the job runs to its end and nothing is interrupted', async () => {
    await request();
    const execute = steps.hold('execute');
    const jobs = runner({ graceMs: 60_000 });
    const turn = jobs.run(JOB);
    await execute.entered;

    const stopped = jobs.stop();
    execute.finish();
    await stopped;

    expect(await turn).toBe('done');
    expect(await types()).not.toContain('RepoActionInterrupted');
    expect((await last()).type).toBe('RepoActionCompleted');
  });
});
