import { type Clock, systemClock } from '../clock/clock';
import type { Lease, LeaseStore } from './lease-store.port';

/**
 * Leases in this process's memory: the store of a service that runs as one instance (on
 * SQLite), where every lease is this instance's to take; and the reference the PostgreSQL
 * store is checked against.
 */
export class InMemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly clock: Clock = systemClock) {}

  acquire(
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<Lease | undefined> {
    const now = this.now();
    const current = this.leases.get(name);
    if (current && current.expiresAt > now && current.holder !== holder)
      return Promise.resolve(undefined);
    const lease: Lease = {
      name,
      holder,
      token:
        current && current.holder === holder && current.expiresAt > now
          ? current.token
          : (current?.token ?? 0) + 1,
      expiresAt: now + ttlMs,
    };
    this.leases.set(name, lease);
    return Promise.resolve(lease);
  }

  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const current = this.leases.get(lease.name);
    if (!this.isHeld(current, lease)) return Promise.resolve(undefined);
    const renewed = { ...lease, expiresAt: this.now() + ttlMs };
    this.leases.set(lease.name, renewed);
    return Promise.resolve(renewed);
  }

  async renewMany(
    leases: readonly Lease[],
    ttlMs: number,
  ): Promise<(Lease | undefined)[]> {
    const renewed: (Lease | undefined)[] = [];
    for (const lease of leases) renewed.push(await this.renew(lease, ttlMs));
    return renewed;
  }

  release(lease: Lease): Promise<void> {
    const current = this.leases.get(lease.name);
    if (
      current &&
      current.token === lease.token &&
      current.holder === lease.holder
    )
      this.leases.set(lease.name, { ...current, holder: '', expiresAt: 0 });
    return Promise.resolve();
  }

  holderOf(name: string): Promise<Lease | undefined> {
    const current = this.leases.get(name);
    return Promise.resolve(
      current && current.expiresAt > this.now() ? current : undefined,
    );
  }

  heldBy(holder: string): Promise<Lease[]> {
    const now = this.now();
    return Promise.resolve(
      [...this.leases.values()]
        .filter((l) => l.holder === holder && l.expiresAt > now)
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  }

  /** Still `lease`'s holder's: no one took it since (it may have expired meanwhile). */
  private isHeld(current: Lease | undefined, lease: Lease): boolean {
    return (
      current !== undefined &&
      current.holder === lease.holder &&
      current.token === lease.token
    );
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}
