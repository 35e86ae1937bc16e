import { Coalescer } from '../../dashboard/coalesce';

/** A read that stays pending until the test lets it finish. */
function controlledReads() {
  const calls: Array<number | undefined> = [];
  const pending: Array<() => void> = [];
  const read = (minPosition: number | undefined) => {
    calls.push(minPosition);
    return new Promise<void>((resolve) => pending.push(resolve));
  };
  const finishNext = async () => {
    pending.shift()?.();
    // Let the coalescer's loop see the finished read and start the next one.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { calls, read, finishNext };
}

describe('the dashboard read coalescer', () => {
  it('runs one read per key and folds a burst into one more, at the newest position', async () => {
    const errors: unknown[] = [];
    const reads = new Coalescer((e) => errors.push(e));
    const { calls, read, finishNext } = controlledReads();

    reads.request('job:1', 10, read);
    reads.request('job:1', 12, read);
    reads.request('job:1', 11, read);
    expect(calls).toEqual([10]);

    await finishNext();
    expect(calls).toEqual([10, 12]);
    expect(reads.busy('job:1')).toBe(true);

    await finishNext();
    expect(calls).toEqual([10, 12]);
    expect(reads.busy('job:1')).toBe(false);
    expect(errors).toEqual([]);
  });

  it('keeps keys apart, and reports a failed read without stopping later ones', async () => {
    const errors: unknown[] = [];
    const reads = new Coalescer((e) => errors.push(e));
    const { calls, read, finishNext } = controlledReads();
    const failing = () => Promise.reject(new Error('down'));

    reads.request('repo', 1, failing);
    reads.request('tasks', 2, read);
    expect(calls).toEqual([2]);
    await finishNext();
    expect(errors).toEqual([new Error('down')]);

    reads.request('repo', 3, read);
    expect(calls).toEqual([2, 3]);
  });
});
