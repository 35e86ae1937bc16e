import {
  JobScheduler,
  type JobTurn,
  type LaneGate,
} from '../../../src/sagas/job-runner/job.scheduler';

/** A `RunJob` whose turns the test ends; it records who ran and how many ran at once. */
class Turns {
  readonly calls: string[] = [];
  running = 0;
  maxRunning = 0;
  private readonly open = new Map<string, (turn: JobTurn) => void>();
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly run = (jobId: string): Promise<JobTurn> => {
    this.calls.push(jobId);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const ready = this.waiters.filter((w) => this.calls.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.calls.length < w.count);
    for (const w of ready) w.resolve();
    return new Promise((resolve) => this.open.set(jobId, resolve));
  };

  /** Resolves once `count` turns have begun. */
  begun(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  end(jobId: string, turn: JobTurn = 'done'): void {
    const resolve = this.open.get(jobId);
    if (!resolve) throw new Error(`${jobId} is not running`);
    this.open.delete(jobId);
    this.running--;
    resolve(turn);
  }
}

/** Lets the lane that just got a retry turn reach its wait (the wait sets a timer). */
async function laneWaiting(): Promise<void> {
  for (let i = 0; i < 100 && jest.getTimerCount() === 0; i++)
    await Promise.resolve();
  expect(jest.getTimerCount()).toBe(1);
}

describe('the job scheduler', () => {
  let turns: Turns;
  const logger = { error: jest.fn<void, [string]>() };

  beforeEach(() => {
    turns = new Turns();
    logger.error.mockReset();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('given three jobs of one repo, when they run, then one at a time in the order queued', async () => {
    const scheduler = new JobScheduler(turns.run, 4, logger);

    scheduler.enqueue('a1', 'repo-a');
    scheduler.enqueue('a2', 'repo-a');
    scheduler.enqueue('a3', 'repo-a');
    await turns.begun(1);
    turns.end('a1');
    await turns.begun(2);
    turns.end('a2');
    await turns.begun(3);
    turns.end('a3');
    await scheduler.drained();

    expect(turns.calls).toEqual(['a1', 'a2', 'a3']);
    expect(turns.maxRunning).toBe(1);
  });

  it('given a job queued twice, when it runs, then it gets one turn', async () => {
    const scheduler = new JobScheduler(turns.run, 1, logger);

    scheduler.enqueue('a1', 'repo-a');
    scheduler.enqueue('a1', 'repo-a');
    await turns.begun(1);
    turns.end('a1');
    await scheduler.drained();

    expect(turns.calls).toEqual(['a1']);
  });

  it('given jobs of three repos and a concurrency of two, when they run, then two repos run at once and the third when a slot frees', async () => {
    const scheduler = new JobScheduler(turns.run, 2, logger);

    scheduler.enqueue('a1', 'repo-a');
    scheduler.enqueue('b1', 'repo-b');
    scheduler.enqueue('c1', 'repo-c');
    await turns.begun(2);
    const runningTogether = turns.running;
    turns.end('b1');
    await turns.begun(3);
    turns.end('a1');
    turns.end('c1');
    await scheduler.drained();

    expect(runningTogether).toBe(2);
    expect(turns.calls).toEqual(['a1', 'b1', 'c1']);
    expect(turns.maxRunning).toBe(2);
  });

  it('given a job waiting for its retry, when the delay passes, then it runs again before the next job of its repo', async () => {
    jest.useFakeTimers();
    const scheduler = new JobScheduler(turns.run, 2, logger);
    scheduler.enqueue('a1', 'repo-a');
    scheduler.enqueue('a2', 'repo-a');
    await turns.begun(1);

    turns.end('a1', { retryInMs: 5_000 });
    await laneWaiting();
    const whileWaiting = [...turns.calls];
    await jest.advanceTimersByTimeAsync(5_000);
    await turns.begun(2);
    turns.end('a1');
    await turns.begun(3);
    turns.end('a2');
    await scheduler.drained();

    expect(whileWaiting).toEqual(['a1']);
    expect(turns.calls).toEqual(['a1', 'a1', 'a2']);
  });

  it('given a job waiting for its retry, when woken, then it runs again at once', async () => {
    jest.useFakeTimers();
    const scheduler = new JobScheduler(turns.run, 1, logger);
    scheduler.enqueue('a1', 'repo-a');
    await turns.begun(1);
    turns.end('a1', { retryInMs: 60_000 });
    await laneWaiting();

    scheduler.wake('a1');
    await turns.begun(2);
    turns.end('a1');
    await scheduler.drained();

    expect(turns.calls).toEqual(['a1', 'a1']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('given a job waiting for its retry, when the scheduler stops, then the wait ends and no job gets another turn', async () => {
    jest.useFakeTimers();
    const scheduler = new JobScheduler(turns.run, 1, logger);
    scheduler.enqueue('a1', 'repo-a');
    scheduler.enqueue('a2', 'repo-a');
    await turns.begun(1);
    turns.end('a1', { retryInMs: 60_000 });
    await laneWaiting();

    scheduler.stop();
    scheduler.enqueue('b1', 'repo-b');
    await scheduler.drained();

    expect(turns.calls).toEqual(['a1']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('given a stopped scheduler, when a running turn ends, then the repo next job does not start', async () => {
    const scheduler = new JobScheduler(turns.run, 1, logger);
    scheduler.enqueue('a1', 'repo-a');
    scheduler.enqueue('a2', 'repo-a');
    await turns.begun(1);

    scheduler.stop();
    turns.end('a1');
    await scheduler.drained();

    expect(turns.calls).toEqual(['a1']);
  });

  it('given a turn that fails outright, when it throws, then the job keeps its place and gets a turn again after a pause, not at once', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const run = (jobId: string): Promise<JobTurn> => {
      calls++;
      return calls === 1
        ? Promise.reject(new Error(`the store refuses writes (${jobId})`))
        : Promise.resolve('done');
    };
    const scheduler = new JobScheduler(run, 1, logger);
    scheduler.enqueue('job-1', 'repo-1');
    await laneWaiting();
    expect(calls).toBe(1);
    expect(logger.error.mock.calls[0]![0]).toBe(
      'job job-1: its turn failed (Error: the store refuses writes (job-1)); next turn in 1000 ms',
    );
    jest.advanceTimersByTime(999);
    await Promise.resolve();
    expect(calls).toBe(1);
    jest.advanceTimersByTime(1);
    await scheduler.drained();
    expect(calls).toBe(2);
  });

  describe('with a gate (several instances: only the repo lease holder runs its jobs)', () => {
    /** A gate the test opens per repo; it records each ask and each leave. */
    class Gate implements LaneGate {
      readonly open = new Set<string>();
      readonly asked: string[] = [];
      readonly left: string[] = [];
      enter(repoId: string): Promise<number | undefined> {
        this.asked.push(repoId);
        return Promise.resolve(this.open.has(repoId) ? undefined : 1_000);
      }
      leave(repoId: string): void {
        this.left.push(repoId);
      }
    }

    it('given a repo whose lease another instance holds, when its job is queued, then it gets no turn; once the gate opens, it runs, and the empty lane is left', async () => {
      jest.useFakeTimers();
      const gate = new Gate();
      const scheduler = new JobScheduler(turns.run, 2, logger, gate);
      gate.open.add('repo-b');

      scheduler.enqueue('a1', 'repo-a');
      scheduler.enqueue('b1', 'repo-b');
      await turns.begun(1);
      await laneWaiting();
      expect(turns.calls).toEqual(['b1']);
      turns.end('b1');

      gate.open.add('repo-a');
      await jest.advanceTimersByTimeAsync(1_000);
      await turns.begun(2);
      turns.end('a1');
      await scheduler.drained();

      expect(turns.calls).toEqual(['b1', 'a1']);
      expect(gate.asked.filter((r) => r === 'repo-a')).toEqual([
        'repo-a',
        'repo-a',
      ]);
      expect(gate.left.sort()).toEqual(['repo-a', 'repo-b']);
    });

    it('given every slot busy, when a job of another repo is queued, then its repo is not asked for until a slot frees (a busy instance leaves repos to instances with room)', async () => {
      const gate = new Gate();
      gate.open.add('repo-a');
      gate.open.add('repo-b');
      const scheduler = new JobScheduler(turns.run, 1, logger, gate);

      scheduler.enqueue('a1', 'repo-a');
      await turns.begun(1);
      scheduler.enqueue('b1', 'repo-b');
      // Whatever the lane of repo-b could do without a slot, it has done.
      for (let i = 0; i < 100; i++) await Promise.resolve();
      expect(gate.asked).toEqual(['repo-a']);
      expect(turns.calls).toEqual(['a1']);

      turns.end('a1');
      await turns.begun(2);
      expect(gate.asked).toEqual(['repo-a', 'repo-b']);
      turns.end('b1');
      await scheduler.drained();
      expect(turns.calls).toEqual(['a1', 'b1']);
    });

    it('given a job waiting at a closed gate, when another instance ends it, then it leaves the lane without a turn and the next job waits at the gate in its place', async () => {
      jest.useFakeTimers();
      const gate = new Gate();
      const scheduler = new JobScheduler(turns.run, 1, logger, gate);
      scheduler.enqueue('a1', 'repo-a');
      scheduler.enqueue('a2', 'repo-a');
      await laneWaiting();

      scheduler.ended('a1');
      await Promise.resolve();
      await laneWaiting();
      gate.open.add('repo-a');
      await jest.advanceTimersByTimeAsync(1_000);
      await turns.begun(1);
      turns.end('a2');
      await scheduler.drained();

      expect(turns.calls).toEqual(['a2']);
    });

    it('given a gate that cannot answer (the store is down), when it throws, then the lane pauses as after a failed turn and asks again', async () => {
      jest.useFakeTimers();
      let asks = 0;
      const failing: LaneGate = {
        enter: () =>
          ++asks === 1
            ? Promise.reject(new Error('connection refused'))
            : Promise.resolve(undefined),
        leave: () => undefined,
      };
      const scheduler = new JobScheduler(turns.run, 1, logger, failing);
      scheduler.enqueue('a1', 'repo-a');
      await laneWaiting();
      expect(turns.calls).toEqual([]);

      await jest.advanceTimersByTimeAsync(1_000);
      await turns.begun(1);
      turns.end('a1');
      await scheduler.drained();

      expect(asks).toBe(2);
      expect(turns.calls).toEqual(['a1']);
    });
  });
});
