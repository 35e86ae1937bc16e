import { DomainError } from '../../../src/domain/domain-error';
import {
  ABORT_GRACE_MS,
  withStepTimeout,
} from '../../../src/sagas/job-runner/step.timeout';

describe('the step timeout', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('given no limit, when the work resolves, then its result is returned and no timer is set', async () => {
    const result = withStepTimeout(
      'execute',
      Promise.resolve('done'),
      undefined,
    );

    expect(jest.getTimerCount()).toBe(0);
    await expect(result).resolves.toBe('done');
  });

  it('given work that ends within the limit, when it resolves, then its result is returned and the timer is cleared', async () => {
    await expect(
      withStepTimeout('execute', Promise.resolve('done'), 1_000),
    ).resolves.toBe('done');

    expect(jest.getTimerCount()).toBe(0);
  });

  it('given work that fails within the limit, when it rejects, then its error is passed on', async () => {
    const error = new Error('git failed');

    await expect(
      withStepTimeout('pre_sync', Promise.reject(error), 1_000),
    ).rejects.toBe(error);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('given work slower than the limit, when the limit passes, then the step fails with JOB.STEP_TIMEOUT', async () => {
    const never = new Promise<string>(() => undefined);
    const result = withStepTimeout('publish', never, 1_000);
    const settled = result.catch((error: unknown) => error);

    jest.advanceTimersByTime(1_000);
    const error = await settled;

    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'JOB.STEP_TIMEOUT',
      kind: 'internal',
      message: 'Step publish took longer than 1000 ms',
    });
  });

  it('given work slower than the limit, when the limit passes, then its controller is aborted with the same failure, so that the work stops', async () => {
    const abort = new AbortController();
    const never = new Promise<string>(() => undefined);
    const settled = withStepTimeout('pre_sync', never, 1_000, abort).catch(
      (error: unknown) => error,
    );

    jest.advanceTimersByTime(999);
    expect(abort.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);

    expect(abort.signal.aborted).toBe(true);
    // Work that does not stop gets the abort grace, then the step fails all the same.
    jest.advanceTimersByTime(ABORT_GRACE_MS);
    expect(abort.signal.reason).toBe(await settled);
  });

  it('given aborted work that stops, when it has settled, then the step fails with JOB.STEP_TIMEOUT at once, not after the grace, whatever the work settled with', async () => {
    for (const ending of ['resolves', 'rejects'] as const) {
      const abort = new AbortController();
      let end!: () => void;
      const work = new Promise<string>((resolve, reject) => {
        end = () =>
          ending === 'resolves'
            ? resolve('done late')
            : reject(new Error('killed'));
      });
      let outcome: unknown;
      const settled = withStepTimeout('execute', work, 1_000, abort, 60_000)
        .catch((error: unknown) => error)
        .then((value) => (outcome = value));

      jest.advanceTimersByTime(1_000);
      await Promise.resolve();
      expect([ending, outcome]).toEqual([ending, undefined]);
      end();
      await settled;

      expect(outcome).toBe(abort.signal.reason);
      expect(outcome).toMatchObject({ code: 'JOB.STEP_TIMEOUT' });
    }
  });

  it('given work that ends within the limit, when it resolves, then its controller is not aborted', async () => {
    const abort = new AbortController();

    await withStepTimeout('execute', Promise.resolve('done'), 1_000, abort);
    jest.advanceTimersByTime(1_000);

    expect(abort.signal.aborted).toBe(false);
  });
});
