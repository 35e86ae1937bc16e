import { HelperPool } from '../../../src/infrastructure/git/helper-pool';

/** A stand-in for a repository's helpers that records when it is closed. */
class Entry {
  closed = false;
  constructor(readonly key: string) {}
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A promise the test settles itself: a use in progress until then. */
function held(): { promise: Promise<void>; finish: () => void } {
  let finish!: () => void;
  const promise = new Promise<void>((resolve) => (finish = resolve));
  return { promise, finish };
}

describe('HelperPool', () => {
  let opened: Entry[];
  const entry = (key: string) => opened.find((e) => e.key === key)!;
  const poolOf = (idleMs: number, maxEntries: number) =>
    new HelperPool(
      (key) => {
        const e = new Entry(key);
        opened.push(e);
        return e;
      },
      { idleMs, maxEntries },
    );
  const touch = (pool: HelperPool<Entry>, key: string) =>
    pool.use(key, () => Promise.resolve());

  beforeEach(() => {
    jest.useFakeTimers();
    opened = [];
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('opens an entry on first use and shares it while it stays open', async () => {
    const pool = poolOf(1_000, 8);
    const first = await pool.use('r1', (e) => Promise.resolve(e));
    const second = await pool.use('r1', (e) => Promise.resolve(e));
    expect(second).toBe(first);
    expect(opened).toHaveLength(1);
    await pool.close();
  });

  it('discards an entry in use at once (its work was aborted): the next use opens a fresh one, and the late release closes nothing more', async () => {
    const pool = poolOf(60_000, 8);
    const use = held();
    const inUse = pool.use('r1', () => use.promise);
    await touch(pool, 'r2');

    await pool.discard('r1');

    expect(entry('r1').closed).toBe(true);
    expect(pool.keys()).toEqual(['r2']);
    const fresh = await pool.use('r1', (e) => Promise.resolve(e));
    expect(fresh).not.toBe(opened[0]);
    use.finish();
    await inUse;
    expect(fresh.closed).toBe(false);
    expect(entry('r2').closed).toBe(false);
    await pool.close();
  });

  it('closes an entry once it has been unused for idleMs, and not before', async () => {
    const pool = poolOf(60_000, 8);
    await touch(pool, 'r1');
    jest.advanceTimersByTime(59_999);
    expect(entry('r1').closed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(entry('r1').closed).toBe(true);
    expect(pool.keys()).toEqual([]);

    // The next use opens a new one.
    await touch(pool, 'r1');
    expect(opened).toHaveLength(2);
    expect(opened[1]!.closed).toBe(false);
    await pool.close();
  });

  it('counts idle time from the last use', async () => {
    const pool = poolOf(60_000, 8);
    await touch(pool, 'r1');
    jest.advanceTimersByTime(50_000);
    await touch(pool, 'r1');
    jest.advanceTimersByTime(50_000);
    expect(entry('r1').closed).toBe(false);
    jest.advanceTimersByTime(10_000);
    expect(entry('r1').closed).toBe(true);
  });

  it('never closes an entry in use, however long the use takes', async () => {
    const pool = poolOf(1_000, 8);
    const use = held();
    const running = pool.use('r1', () => use.promise);
    jest.advanceTimersByTime(10_000);
    expect(entry('r1').closed).toBe(false);

    // Two overlapping uses: the entry waits for the last one.
    const other = held();
    const overlapping = pool.use('r1', () => other.promise);
    use.finish();
    await running;
    jest.advanceTimersByTime(10_000);
    expect(entry('r1').closed).toBe(false);

    other.finish();
    await overlapping;
    jest.advanceTimersByTime(999);
    expect(entry('r1').closed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(entry('r1').closed).toBe(true);
  });

  it('keeps at most maxEntries open, closing the least recently used first', async () => {
    const pool = poolOf(60_000, 2);
    await touch(pool, 'a');
    await touch(pool, 'b');
    await touch(pool, 'a');
    await touch(pool, 'c');
    expect(entry('b').closed).toBe(true);
    expect(entry('a').closed).toBe(false);
    expect(pool.keys()).toEqual(['a', 'c']);

    await touch(pool, 'd');
    expect(entry('a').closed).toBe(true);
    expect(pool.keys()).toEqual(['c', 'd']);
    await pool.close();
  });

  it('passes the bound while more keys are in use, and comes back to it as uses end', async () => {
    const pool = poolOf(60_000, 1);
    const a = held();
    const b = held();
    const useA = pool.use('a', () => a.promise);
    const useB = pool.use('b', () => b.promise);
    expect(pool.keys()).toEqual(['a', 'b']);
    expect(opened.every((e) => !e.closed)).toBe(true);

    a.finish();
    await useA;
    expect(entry('a').closed).toBe(true);
    expect(pool.keys()).toEqual(['b']);

    b.finish();
    await useB;
    expect(entry('b').closed).toBe(false);
    await pool.close();
  });

  it('closes every entry on close, and refuses later uses', async () => {
    const pool = poolOf(60_000, 8);
    await touch(pool, 'a');
    await touch(pool, 'b');
    await pool.close();
    expect(opened.map((e) => e.closed)).toEqual([true, true]);
    await expect(touch(pool, 'a')).rejects.toThrow('closed');
    expect(opened).toHaveLength(2);
  });

  it('passes the result and the failure of a use through', async () => {
    const pool = poolOf(60_000, 8);
    await expect(pool.use('a', () => Promise.resolve(42))).resolves.toBe(42);
    await expect(
      pool.use('a', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    // A failed use still ends: the entry closes when idle.
    jest.advanceTimersByTime(60_000);
    expect(entry('a').closed).toBe(true);
  });
});
