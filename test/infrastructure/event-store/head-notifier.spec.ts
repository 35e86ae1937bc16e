import { getEventListeners } from 'node:events';
import { HeadNotifier } from '../../../src/infrastructure/event-store/head-notifier';

describe('HeadNotifier', () => {
  it('resolves at once for a position already committed', async () => {
    const notifier = new HeadNotifier(5);
    await expect(notifier.waitFor(5)).resolves.toBeUndefined();
  });

  it('wakes a waiter only when its position is committed', async () => {
    const notifier = new HeadNotifier(0);
    const woken: number[] = [];
    const a = notifier.waitFor(2).then(() => woken.push(2));
    const b = notifier.waitFor(4).then(() => woken.push(4));
    notifier.advance(1);
    await Promise.resolve();
    expect(woken).toEqual([]);
    notifier.advance(3);
    await a;
    expect(woken).toEqual([2]);
    notifier.advance(4);
    await b;
    expect(woken).toEqual([2, 4]);
  });

  it('keeps nothing behind after many waits on one signal', async () => {
    const notifier = new HeadNotifier(0);
    const abort = new AbortController();
    for (let p = 1; p <= 1000; p++) {
      const waiting = notifier.waitFor(p, abort.signal);
      notifier.advance(p);
      await waiting;
    }
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    expect(notifier.waiting).toBe(0);
  });

  it('never moves backwards', () => {
    const notifier = new HeadNotifier(10);
    notifier.advance(3);
    expect(notifier.position).toBe(10);
  });

  it('releases waiters on abort and on close', async () => {
    const notifier = new HeadNotifier(0);
    const abort = new AbortController();
    const waiting = notifier.waitFor(100, abort.signal);
    expect(notifier.waiting).toBe(1);
    abort.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(notifier.waiting).toBe(0);
    const closing = notifier.waitFor(100);
    notifier.close();
    await expect(closing).resolves.toBeUndefined();
    expect(notifier.isClosed).toBe(true);
  });
});
