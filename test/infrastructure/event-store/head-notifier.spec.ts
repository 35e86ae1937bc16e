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

  it('never moves backwards', () => {
    const notifier = new HeadNotifier(10);
    notifier.advance(3);
    expect(notifier.position).toBe(10);
  });

  it('releases waiters on cancel and on close', async () => {
    const notifier = new HeadNotifier(0);
    let cancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    const waiting = notifier.waitFor(100, cancelled);
    cancel();
    await expect(waiting).resolves.toBeUndefined();
    const closing = notifier.waitFor(100);
    notifier.close();
    await expect(closing).resolves.toBeUndefined();
    expect(notifier.isClosed).toBe(true);
  });
});
