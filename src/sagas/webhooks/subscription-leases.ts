import type {
  Lease,
  LeaseStore,
} from '../../infrastructure/leases/lease-store.port';

/** The lease that gives one instance a subscription's deliveries. */
export const subscriptionLeaseName = (subscriptionId: string): string =>
  `subscription:${subscriptionId}`;

export interface SubscriptionLeasesOptions {
  holder: string;
  ttlMs: number;
  /** Told when this instance took or lost a subscription, to start or stop its consumer. */
  changed(subscriptionId: string): void;
  logger: { warn(message: string): void };
  /** This instance's clock (tests pass their own). */
  now?: () => number;
}

/**
 * Instances sharing a database deliver each subscription from one instance at a time: the
 * holder of `subscription:<id>`. Every third of the ttl the holder renews what it holds (one
 * statement) and asks for the wanted subscriptions no one holds; a dead instance's
 * subscriptions go to another once its leases expire. The lease is not the fence: two
 * holders in a takeover race only deliver an event twice, which at-least-once allows, and a
 * cursor only moves forward.
 *
 * A lease is also given up here, on this instance's own clock, a quarter of the ttl before it
 * would expire unrenewed: when renewals fail (the database unreachable), the consumer stops
 * before another instance may take the subscription over, instead of delivering beside it.
 * The deadline counts from when the acquire or renewal was asked, so it is never later than
 * the store's.
 */
export class SubscriptionLeases {
  private readonly held = new Map<string, Lease>();
  private readonly wanted = new Set<string>();
  /** Per held subscription: the timer that gives it up unless a renewal comes first. */
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private heartbeat: NodeJS.Timeout | undefined;
  private beat: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly leases: LeaseStore,
    private readonly options: SubscriptionLeasesOptions,
  ) {}

  holds(subscriptionId: string): boolean {
    return this.held.has(subscriptionId);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Holds `lease` until a quarter of the ttl before `askedAt + ttl`, unless renewed. */
  private hold(id: string, lease: Lease, askedAt: number): void {
    this.held.set(id, lease);
    clearTimeout(this.expiries.get(id));
    const { ttlMs } = this.options;
    const timer = setTimeout(
      () => {
        if (this.expiries.get(id) !== timer) return;
        this.expiries.delete(id);
        if (!this.held.has(id)) return;
        this.held.delete(id);
        this.options.logger.warn(
          `subscription ${id}: lease not renewed in time, deliveries stop before it expires`,
        );
        this.options.changed(id);
      },
      Math.max(0, askedAt + ttlMs - Math.ceil(ttlMs / 4) - this.now()),
    );
    timer.unref();
    this.expiries.set(id, timer);
  }

  private unhold(id: string): void {
    this.held.delete(id);
    clearTimeout(this.expiries.get(id));
    this.expiries.delete(id);
  }

  start(): void {
    this.heartbeat ??= setInterval(
      () => void this.tick(),
      Math.max(1, Math.floor(this.options.ttlMs / 3)),
    );
    void this.tick();
  }

  /** Asks for the subscription (now, and at each beat until it is held). */
  want(subscriptionId: string): void {
    if (this.wanted.has(subscriptionId)) return;
    this.wanted.add(subscriptionId);
    void this.tick();
  }

  /** Gives the subscription up (paused or deleted here). */
  async drop(subscriptionId: string): Promise<void> {
    this.wanted.delete(subscriptionId);
    const lease = this.held.get(subscriptionId);
    if (!lease) return;
    this.unhold(subscriptionId);
    await this.leases.release(lease).catch(() => undefined);
  }

  /** Gives every lease up at once, so that the other instances take over without waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    await this.beat;
    const all = [...this.held.values()];
    for (const id of [...this.held.keys()]) this.unhold(id);
    await Promise.all(
      all.map((lease) => this.leases.release(lease).catch(() => undefined)),
    );
  }

  private tick(): Promise<void> {
    this.beat ??= this.renewAndAsk()
      .catch((error: unknown) =>
        this.options.logger.warn(
          `subscription leases not renewed (${String(error)})`,
        ),
      )
      .finally(() => {
        this.beat = undefined;
      });
    return this.beat;
  }

  private async renewAndAsk(): Promise<void> {
    const held = [...this.held.values()];
    if (held.length > 0) {
      const askedAt = this.now();
      const renewed = await this.leases.renewMany(held, this.options.ttlMs);
      held.forEach((lease, i) => {
        const now = renewed[i];
        const id = lease.name.slice('subscription:'.length);
        // Given up meanwhile (dropped, or its deadline passed): not taken back here.
        if (this.held.get(id) !== lease) return;
        if (now) this.hold(id, now, askedAt);
        else {
          this.unhold(id);
          this.options.logger.warn(
            `subscription ${id}: lease lost, another instance delivers it`,
          );
          this.options.changed(id);
        }
      });
    }
    for (const id of this.wanted) {
      if (this.stopped) return;
      if (this.held.has(id)) continue;
      const askedAt = this.now();
      const lease = await this.leases.acquire(
        subscriptionLeaseName(id),
        this.options.holder,
        this.options.ttlMs,
      );
      if (!lease) continue;
      if (this.stopped || !this.wanted.has(id)) {
        await this.leases.release(lease);
        continue;
      }
      this.hold(id, lease, askedAt);
      this.options.changed(id);
    }
  }
}
