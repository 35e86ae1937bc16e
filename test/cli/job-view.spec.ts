import { applyEvent, viewOf, type JobView } from '../../src/cli/job-view';
import type { StreamedEvent } from '../../src/cli/api.types';
import { aJob, anEvent } from './cli-fakes';

const fold = (view: JobView, events: StreamedEvent[]) =>
  events.reduce(
    (acc, e) => {
      const next = applyEvent(acc.view, e);
      return { view: next.view, changes: [...acc.changes, ...next.changes] };
    },
    { view, changes: [] as ReturnType<typeof applyEvent>['changes'] },
  );

describe('the job view of a watch', () => {
  it('reads the steps off a job resource: those before the current one are done', () => {
    expect(viewOf(aJob()).steps).toEqual({
      pre_sync: 'pending',
      execute: 'pending',
      publish: 'pending',
      post_sync: 'pending',
    });
    expect(
      viewOf(aJob({ status: 'running', step: 'publish', attempt: 1 })).steps,
    ).toEqual({
      pre_sync: 'done',
      execute: 'done',
      publish: 'running',
      post_sync: 'pending',
    });
    expect(viewOf(aJob({ status: 'error', step: 'execute' })).steps).toEqual({
      pre_sync: 'done',
      execute: 'failed',
      publish: 'pending',
      post_sync: 'pending',
    });
    expect(
      Object.values(
        viewOf(aJob({ status: 'completed', step: 'post_sync' })).steps,
      ),
    ).toEqual(['done', 'done', 'done', 'done']);
  });

  it('follows a job through its steps, its progress and its end', () => {
    const { view, changes } = fold(viewOf(aJob()), [
      anEvent('RepoActionStarted', { attempt: 1, worker: 'w' }),
      anEvent('RepoActionStepStarted', { step: 'pre_sync' }),
      anEvent('RepoActionStepCompleted', {
        step: 'pre_sync',
        summary: 'fetched',
      }),
      anEvent('RepoActionStepStarted', { step: 'execute' }),
      anEvent('RepoActionProgressed', {
        step: 'execute',
        message: 'restacking b',
        done: 1,
        total: 2,
      }),
    ]);
    expect(view.job).toMatchObject({
      status: 'running',
      attempt: 1,
      step: 'execute',
      message: 'restacking b',
      progress: { done: 1, total: 2 },
    });
    expect(view.steps).toMatchObject({ pre_sync: 'done', execute: 'running' });
    expect(view.summaries).toEqual({ pre_sync: 'fetched' });
    expect(changes.map((c) => c.kind)).toEqual([
      'status',
      'step',
      'step',
      'step',
      'progress',
    ]);

    const end = fold(view, [
      anEvent('RepoActionStepCompleted', { step: 'execute', summary: 'ok' }),
      anEvent('RepoActionStepStarted', { step: 'publish' }),
      anEvent('RepoActionStepCompleted', {
        step: 'publish',
        summary: 'pushed',
      }),
      anEvent('RepoActionStepStarted', { step: 'post_sync' }),
      anEvent('RepoActionStepCompleted', {
        step: 'post_sync',
        summary: 'seen',
      }),
      anEvent('RepoActionCompleted', {
        summary: 'restacked 1 branch(es)',
        changed: [{ branch: 'b', fromSha: 'x', toSha: 'y' }],
      }),
    ]);
    expect(end.view.job).toMatchObject({
      status: 'completed',
      message: 'restacked 1 branch(es)',
      result: { changed: [{ branch: 'b', fromSha: 'x', toSha: 'y' }] },
    });
    expect(Object.values(end.view.steps)).toEqual([
      'done',
      'done',
      'done',
      'done',
    ]);
    expect(end.changes.at(-1)).toEqual({ kind: 'end' });
  });

  it('keeps the conflict of a failed job, and marks the step that failed', () => {
    const running = viewOf(
      aJob({ status: 'running', step: 'execute', attempt: 1 }),
    );
    const { view, changes } = fold(running, [
      anEvent('RepoActionFailed', {
        code: 'GIT.CONFLICT',
        message: 'Restacking b conflicts in f.txt',
        conflict: { branch: 'b', files: ['f.txt'] },
      }),
    ]);
    expect(view.job).toMatchObject({
      status: 'error',
      error: {
        code: 'GIT.CONFLICT',
        conflict: { branch: 'b', files: ['f.txt'] },
      },
    });
    expect(view.steps.execute).toBe('failed');
    expect(changes).toEqual([
      { kind: 'step', step: 'execute', state: 'failed' },
      { kind: 'end' },
    ]);
  });

  it('changes nothing for events the first read already showed (a read and a stream overlap)', () => {
    const read = viewOf(
      aJob({ status: 'running', step: 'execute', attempt: 1 }),
    );
    const { view, changes } = fold(read, [
      anEvent('RepoActionStarted', { attempt: 1, worker: 'w' }),
      anEvent('RepoActionStepStarted', { step: 'execute' }),
    ]);
    expect(changes).toEqual([]);
    expect(view.steps).toEqual(read.steps);
  });

  it('counts the steps before a started one as done, though their end was not seen', () => {
    const read = viewOf(
      aJob({ status: 'running', step: 'pre_sync', attempt: 1 }),
    );
    const { view, changes } = fold(read, [
      anEvent('RepoActionStepStarted', { step: 'execute' }),
    ]);
    expect(view.steps).toMatchObject({ pre_sync: 'done', execute: 'running' });
    expect(changes[0]).toEqual({
      kind: 'step',
      step: 'pre_sync',
      state: 'done',
    });
  });

  it('puts a running step back to pending on a retry, and starts over with the next attempt', () => {
    const read = viewOf(
      aJob({ status: 'running', step: 'pre_sync', attempt: 1 }),
    );
    const { view, changes } = fold(read, [
      anEvent('RepoActionRetryScheduled', {
        attempt: 2,
        reason: 'remote unavailable',
        retryAt: '2026-01-01T00:00:02.000Z',
      }),
    ]);
    expect(view.job.status).toBe('queued');
    expect(view.steps.pre_sync).toBe('pending');
    expect(changes).toEqual([
      {
        kind: 'note',
        about: 'job',
        text: 'retry 2 at 2026-01-01T00:00:02.000Z: remote unavailable',
      },
    ]);
    const next = fold(view, [anEvent('RepoActionStarted', { attempt: 2 })]);
    expect(next.view.job).toMatchObject({ status: 'running', attempt: 2 });
  });

  it('notes what the job did to the stack, and ignores events it does not know', () => {
    const { changes } = fold(viewOf(aJob({ status: 'running', attempt: 1 })), [
      anEvent('BranchRestacked', {
        branch: 'b',
        baseSha: 'a'.repeat(40),
        fromSha: '1234567890',
        toSha: 'abcdef1234',
      }),
      anEvent('BranchTracked', { branch: 'c', parent: 'b', baseSha: 'x' }),
      anEvent('SomethingNew', { anything: true }),
    ]);
    expect(changes).toEqual([
      { kind: 'note', about: 'stack', text: 'restacked b 1234567 → abcdef1' },
      { kind: 'note', about: 'stack', text: 'tracked c on b' },
    ]);
  });

  it('ignores everything after the end', () => {
    const ended = viewOf(aJob({ status: 'cancelled' }));
    const { view, changes } = fold(ended, [
      anEvent('RepoActionStarted', { attempt: 3 }),
    ]);
    expect(changes).toEqual([]);
    expect(view).toBe(ended);
  });
});
