import {
  ProgressThrottle,
  type ProgressUpdate,
} from '../../../src/sagas/job-runner/progress.throttle';

describe('the progress throttle', () => {
  let sent: ProgressUpdate[];
  let throttle: ProgressThrottle;

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    throttle = new ProgressThrottle((update) => sent.push(update), 250);
  });

  afterEach(() => {
    throttle.close();
    jest.useRealTimers();
  });

  it('given no update yet, when a step reports, then the update is sent at once', () => {
    throttle.report('fetching', 1, 3);

    expect(sent).toEqual([{ message: 'fetching', done: 1, total: 3 }]);
  });

  it('given a report without counts, when sent, then the update carries only the message', () => {
    throttle.report('fetching');

    expect(sent).toEqual([{ message: 'fetching' }]);
  });

  it('given an update just sent, when more reports come within the interval, then only the latest is sent, when the interval ends', () => {
    throttle.report('step 1', 1, 4);
    jest.advanceTimersByTime(100);
    throttle.report('step 2', 2, 4);
    throttle.report('step 3', 3, 4);

    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(149);
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([
      { message: 'step 1', done: 1, total: 4 },
      { message: 'step 3', done: 3, total: 4 },
    ]);
  });

  it('given the interval has passed since the last update, when a step reports, then it is sent at once', () => {
    throttle.report('step 1');
    jest.advanceTimersByTime(250);

    throttle.report('step 2');

    expect(sent.map((u) => u.message)).toEqual(['step 1', 'step 2']);
  });

  it('given an update held back, when the throttle is closed, then it is dropped and later reports are ignored', () => {
    throttle.report('step 1');
    throttle.report('step 2');

    throttle.close();
    throttle.report('step 3');
    jest.runAllTimers();

    expect(sent.map((u) => u.message)).toEqual(['step 1']);
    expect(jest.getTimerCount()).toBe(0);
  });
});
