import { jobDecider } from '../../../src/domain/job/job.decider';
import { jobStateFrom } from '../../../src/domain/job/job.state';
import type { JobEvent } from '../../../src/domain/events/job.events';
import {
  aRepoActionRequested,
  aRepoActionStarted,
  aStepStarted,
} from '../../builders/job.builders';

const cancel = (...given: JobEvent[]) =>
  jobDecider.decide(
    { type: 'CancelJob', data: { jobId: 'job-1', orgId: 'org-1' } },
    jobStateFrom(given),
  );

const completed = (step: 'pre_sync' | 'execute' | 'publish') =>
  ({
    type: 'RepoActionStepCompleted',
    data: { step, summary: 'ok' },
  }) as const;

describe('job decider', () => {
  it('requests a job only once: the same request again decides nothing', () => {
    const request = aRepoActionRequested();
    expect(
      jobDecider.decide(
        { type: 'RequestJob', data: request.data },
        jobStateFrom([]),
      ),
    ).toEqual([request]);
    expect(
      jobDecider.decide(
        { type: 'RequestJob', data: request.data },
        jobStateFrom([request]),
      ),
    ).toEqual([]);
  });

  it('refuses another request under a job id that is taken', () => {
    const request = aRepoActionRequested();
    expect(() =>
      jobDecider.decide(
        {
          type: 'RequestJob',
          data: { ...request.data, action: 'sync_repo' },
        },
        jobStateFrom([request]),
      ),
    ).toThrow(expect.objectContaining({ code: 'JOB.ALREADY_EXISTS' }) as Error);
  });

  it('answers an Idempotency-Key reused for another request with 422', () => {
    const request = aRepoActionRequested({ idempotencyKey: 'k-1' });
    expect(() =>
      jobDecider.decide(
        {
          type: 'RequestJob',
          data: { ...request.data, action: 'sync_repo' },
        },
        jobStateFrom([request]),
      ),
    ).toThrow(
      expect.objectContaining({ code: 'IDEMPOTENCY.KEY_REUSED' }) as Error,
    );
  });

  it("does not find another org's job to cancel", () => {
    expect(() =>
      jobDecider.decide(
        { type: 'CancelJob', data: { jobId: 'job-1', orgId: 'org-2' } },
        jobStateFrom([aRepoActionRequested()]),
      ),
    ).toThrow(expect.objectContaining({ code: 'JOB.NOT_FOUND' }) as Error);
  });

  it('cancels a queued job at once', () => {
    expect(cancel(aRepoActionRequested())).toEqual([
      { type: 'RepoActionCancelled', data: {} },
    ]);
  });

  it('cancels a job waiting for its retry at once', () => {
    expect(
      cancel(aRepoActionRequested(), aRepoActionStarted(), {
        type: 'RepoActionRetryScheduled',
        data: { attempt: 1, reason: 'down', retryAt: '2026-01-01T00:00:00Z' },
      }),
    ).toEqual([{ type: 'RepoActionCancelled', data: {} }]);
  });

  it('asks a running job to stop, once', () => {
    const running = [
      aRepoActionRequested(),
      aRepoActionStarted(),
      aStepStarted(),
    ];
    expect(cancel(...running)).toEqual([
      { type: 'RepoActionCancelRequested', data: {} },
    ]);
    expect(
      cancel(...running, { type: 'RepoActionCancelRequested', data: {} }),
    ).toEqual([]);
  });

  it('refuses to cancel a job that has published or ended', () => {
    expect(() =>
      cancel(
        aRepoActionRequested(),
        aRepoActionStarted(),
        completed('publish'),
      ),
    ).toThrow(expect.objectContaining({ code: 'JOB.CANNOT_CANCEL' }) as Error);
    expect(() =>
      cancel(aRepoActionRequested(), { type: 'RepoActionCancelled', data: {} }),
    ).toThrow(
      expect.objectContaining({ code: 'JOB.ALREADY_FINISHED' }) as Error,
    );
  });

  it('records completed steps and the plan, so that a resumed job skips them', () => {
    const plan = { moves: [], events: [], changed: [], summary: 'nothing' };
    const state = jobStateFrom([
      aRepoActionRequested(),
      aRepoActionStarted(),
      completed('pre_sync'),
      {
        type: 'RepoActionStepCompleted',
        data: { step: 'execute', summary: 's', plan },
      },
      { type: 'RepoActionInterrupted', data: { attempt: 1 } },
    ]);
    expect(state).toMatchObject({
      phase: 'waiting',
      attempt: 1,
      completedSteps: ['pre_sync', 'execute'],
      plan,
    });
  });
});
