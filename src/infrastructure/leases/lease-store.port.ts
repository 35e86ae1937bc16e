/**
 * A lease: the right of one instance (`holder`) to act on `name` (a repo's jobs and clone,
 * the projections) until `expiresAt`, renewed by its holder while it works. `token` grows
 * with each new holder, so that a holder that slept through its expiry can tell (its renewal
 * fails) and be told apart from the holder that took over.
 */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  /** Milliseconds since the epoch, on the lease store's clock. */
  readonly expiresAt: number;
}

/**
 * Where the instances sharing one database agree who holds which lease. Times are the
 * store's own (a shared database's clock), never an instance's, so that instances with
 * skewed clocks still agree when a lease has expired.
 */
export interface LeaseStore {
  /**
   * Takes `name` for `holder` for `ttlMs` when it is free, expired, or already this
   * holder's (then it is renewed, keeping its token). Undefined when another holds it.
   */
  acquire(
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<Lease | undefined>;
  /**
   * Extends a held lease by `ttlMs` from now, also one that expired while no one took it
   * (a holder whose renewal came late still holds what no one else took); undefined when
   * another holder took it or it was released.
   */
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  /**
   * Renews several held leases at once (one statement on a database, however many): the
   * answer has each lease renewed, or undefined where it was lost, in the order given.
   */
  renewMany(
    leases: readonly Lease[],
    ttlMs: number,
  ): Promise<(Lease | undefined)[]>;
  /**
   * Gives a held lease up at once, for good: a renewal of it that comes after fails (a lease
   * lost meanwhile is left to its new holder).
   */
  release(lease: Lease): Promise<void>;
  /** Who holds `name` now, if anyone (an expired lease is nobody's). */
  holderOf(name: string): Promise<Lease | undefined>;
  /** The leases `holder` holds now. */
  heldBy(holder: string): Promise<Lease[]>;
}

export const LEASE_STORE = Symbol('LeaseStore');
