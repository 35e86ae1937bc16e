import type {
  Lease,
  LeaseStore,
} from '../../infrastructure/leases/lease-store.port';
import type { LaneGate } from './job.scheduler';

export interface RepoLeaseGateOptions {
  /** This instance, as lease holder (the runner's worker id). */
  holder: string;
  /** How long a lease lasts unrenewed: how soon a dead instance's repos are taken over. */
  ttlMs: number;
  /** Told when a lease of this instance was lost (it slept past its expiry, say). */
  onLost?: (repoId: string) => void;
  logger?: { warn(message: string): void };
}

/** The lease that gives one instance a repo: its jobs, in order, and its clone. */
export const repoLeaseName = (repoId: string): string => `repo:${repoId}`;

/** The first ask for a repo no one holds waits this long for each repo held already. */
const SPREAD_STEP_MS = 25;
const SPREAD_MAX_MS = 500;

/**
 * The lane gate of instances sharing one store: a repo's lane runs only on the instance
 * holding the repo's lease. The holder renews its leases every third of the ttl for as long
 * as it lives, busy or not, so a repo's jobs keep going to the instance that has its clone
 * (the expensive cache); another instance takes a repo over once its holder stopped
 * renewing (killed) or gave it up (shutdown). A new repo goes to the instance that asks
 * first, and an instance holding many repos asks a little later, so new repos spread.
 */
export class RepoLeaseGate implements LaneGate {
  private readonly held = new Map<string, Lease>();
  private readonly asked = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** Set by `stop`: no lease is taken any more (a lane asking meanwhile would keep one). */
  private stopped = false;

  constructor(
    private readonly leases: LeaseStore,
    private readonly options: RepoLeaseGateOptions,
  ) {}

  /** Starts renewing the held leases. */
  start(): void {
    this.heartbeat ??= setInterval(
      () => void this.renewAll(),
      Math.max(1, Math.floor(this.options.ttlMs / 3)),
    );
  }

  async enter(repoId: string): Promise<number | undefined> {
    if (this.stopped) return this.pollMs();
    if (this.held.has(repoId)) return undefined;
    if (!this.asked.has(repoId)) {
      this.asked.add(repoId);
      const spreadMs = Math.min(SPREAD_MAX_MS, this.held.size * SPREAD_STEP_MS);
      if (spreadMs > 0) return spreadMs;
    }
    const lease = await this.leases.acquire(
      repoLeaseName(repoId),
      this.options.holder,
      this.options.ttlMs,
    );
    if (!lease) return this.pollMs();
    if (this.stopped) {
      // Stopped while asking: give it back at once, as `stop` gave the others.
      await this.leases.release(lease);
      return this.pollMs();
    }
    this.held.set(repoId, lease);
    return undefined;
  }

  /** The lane is empty; the lease stays (the clone is here), renewed by the heartbeat. */
  leave(repoId: string): void {
    this.asked.delete(repoId);
  }

  /**
   * Whether this instance holds the repo's lease, asked of the store now: the lease is taken
   * again (renewed when it is still this instance's, or taken when it expired and no one
   * took it meanwhile). False when another instance holds it; the repo is then dropped and
   * reported lost.
   */
  async confirm(repoId: string): Promise<boolean> {
    if (this.stopped) return false;
    const lease = await this.leases.acquire(
      repoLeaseName(repoId),
      this.options.holder,
      this.options.ttlMs,
    );
    if (lease) {
      this.held.set(repoId, lease);
      return true;
    }
    if (this.held.delete(repoId)) {
      this.options.logger?.warn(
        `lost the lease of repo ${repoId} to another instance`,
      );
      this.options.onLost?.(repoId);
    }
    return false;
  }

  /** Whether this instance holds the repo's lease, as far as it knows. */
  holds(repoId: string): boolean {
    return this.held.has(repoId);
  }

  /** The repos whose leases this instance holds. */
  repos(): string[] {
    return [...this.held.keys()].sort();
  }

  /** Gives a repo up (its clone was evicted): another instance may take it at once. */
  async release(repoId: string): Promise<void> {
    const lease = this.held.get(repoId);
    if (!lease) return;
    this.held.delete(repoId);
    await this.leases.release(lease);
  }

  /** Stops renewing and gives every lease up, so that others take the repos over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.renewing;
    const leases = [...this.held.values()];
    this.held.clear();
    await Promise.allSettled(leases.map((lease) => this.leases.release(lease)));
  }

  /**
   * Renews every held lease once, all in one call of the store; one that was lost is dropped
   * and reported.
   */
  renewAll(): Promise<void> {
    this.renewing ??= this.renewEach().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewEach(): Promise<void> {
    const held = [...this.held];
    if (held.length === 0) return;
    let renewed: (Lease | undefined)[];
    try {
      renewed = await this.leases.renewMany(
        held.map(([, lease]) => lease),
        this.options.ttlMs,
      );
    } catch (error) {
      // The store did not answer: the leases may still be ours; the next beat tries again.
      this.options.logger?.warn(
        `could not renew the leases of ${held.length} repo(s) (${held
          .slice(0, 10)
          .map(([repoId]) => repoId)
          .join(', ')}${held.length > 10 ? ', …' : ''}): ${String(error)}`,
      );
      return;
    }
    for (const [i, [repoId, lease]] of held.entries()) {
      // Released or replaced while the renewal was under way: that is newer.
      if (this.held.get(repoId) !== lease) continue;
      const now = renewed[i];
      if (now) {
        this.held.set(repoId, now);
      } else {
        this.held.delete(repoId);
        this.options.logger?.warn(
          `lost the lease of repo ${repoId} (token ${lease.token}) to another instance`,
        );
        this.options.onLost?.(repoId);
      }
    }
  }

  private pollMs(): number {
    return Math.max(50, Math.min(1_000, Math.floor(this.options.ttlMs / 4)));
  }
}
