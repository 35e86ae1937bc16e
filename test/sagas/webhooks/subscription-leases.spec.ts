import { InMemoryLeaseStore } from '../../../src/infrastructure/leases/in-memory-lease-store';
import type { Lease } from '../../../src/infrastructure/leases/lease-store.port';
import { SubscriptionLeases } from '../../../src/sagas/webhooks/subscription-leases';

/** A lease store that works until told to fail its renewals (the database unreachable). */
class FailingRenewals extends InMemoryLeaseStore {
  failing = false;
  /** Renewals that succeeded, and who waits for how many. */
  renewals = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  renewed(count: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  override renewMany(
    leases: readonly Lease[],
    ttlMs: number,
  ): Promise<(Lease | undefined)[]> {
    if (this.failing) return Promise.reject(new Error('connection terminated'));
    return super.renewMany(leases, ttlMs).then((renewed) => {
      this.renewals++;
      for (const w of this.waiters.filter((w) => this.renewals >= w.count))
        w.resolve();
      return renewed;
    });
  }
}

describe('subscription leases', () => {
  const leasesOf = (store: FailingRenewals, changed: (id: string) => void) =>
    new SubscriptionLeases(store, {
      holder: 'instance-a',
      ttlMs: 400,
      changed,
      logger: { warn: () => undefined },
    });

  it('gives a subscription up before its lease expires when renewals fail, so its consumer stops first', async () => {
    const store = new FailingRenewals();
    let onChange: (id: string) => void = () => undefined;
    const leases = leasesOf(store, (id) => onChange(id));
    const taken = new Promise<void>((resolve) => (onChange = () => resolve()));
    leases.want('sub-1');
    leases.start();
    await taken;
    expect(leases.holds('sub-1')).toBe(true);
    const held = (await store.holderOf('subscription:sub-1'))!;

    store.failing = true;
    const lost = await new Promise<number>(
      (resolve) => (onChange = () => resolve(Date.now())),
    );
    expect(leases.holds('sub-1')).toBe(false);
    // Given up while the store still counts the lease as held: no other instance could have
    // taken it yet, so the two never deliver side by side.
    expect(lost).toBeLessThan(held.expiresAt);
    expect((await store.holderOf('subscription:sub-1'))?.holder).toBe(
      'instance-a',
    );
    await leases.stop();
  });

  it('keeps a subscription while renewals succeed', async () => {
    const store = new FailingRenewals();
    let changes = 0;
    let onChange: () => void = () => undefined;
    const leases = leasesOf(store, () => {
      changes++;
      onChange();
    });
    const taken = new Promise<void>((resolve) => (onChange = resolve));
    leases.want('sub-1');
    leases.start();
    await taken;
    // Four renewals, a third of the ttl apart: well past where the first grant ended.
    await store.renewed(4);
    expect(leases.holds('sub-1')).toBe(true);
    expect(changes).toBe(1);
    await leases.stop();
  });
});
