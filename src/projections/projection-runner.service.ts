import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  type AppConfig,
} from '../infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
} from '../infrastructure/event-store/event-store.port';
import type { Lease } from '../infrastructure/leases/lease-store.port';
import {
  SHARED_LEASES,
  type SharedLeases,
} from '../infrastructure/storage/storage';
import type {
  ReadModelLag,
  ReadModelProgress,
} from '../read-models/read-model-progress.port';
import { ProjectionCheckpointEntity } from '../read-models/projection-checkpoint.entity';
import { ProjectionRunner } from './projection-runner';
import { READ_MODEL_PROJECTORS } from './projectors';

/** The lease that makes one instance the writer of the shared read models. */
export const PROJECTIONS_LEASE = 'projections';

/** A non-writing instance reads the writer's checkpoints this often while a read waits. */
const FOLLOW_POLL_MS = 25;

/**
 * Runs the projection runner for the life of the app, from boot until shutdown begins, and
 * tells the read side how far it has got. Where instances share a database, only the holder
 * of the projections lease writes the read models: the others take the lease over once it
 * expires (its holder died) or is given up (shutdown), and meanwhile read how far the
 * writer has got from its checkpoints. A writer that lost the lease without knowing cannot
 * apply an event twice: its checkpoints would not move (see ProjectionRunner).
 */
@Injectable()
export class ProjectionRunnerService
  implements
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    ReadModelProgress
{
  readonly runner: ProjectionRunner;
  private readonly logger = new Logger('Projections');
  private lease: Lease | undefined;
  private leading = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private beat: Promise<void> | undefined;
  /** Where the writer's checkpoints were, last time this (non-writing) instance looked. */
  private followed = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SHARED_LEASES) private readonly leases: SharedLeases | null,
  ) {
    this.runner = new ProjectionRunner(
      store,
      dataSource,
      READ_MODEL_PROJECTORS,
      {
        logger: new Logger('Projections'),
      },
    );
  }

  get position(): number {
    return this.leases && !this.leading ? this.followed : this.runner.position;
  }

  get writer(): boolean {
    return !this.leases || this.leading;
  }

  get failure(): Error | undefined {
    return this.leading || !this.leases ? this.runner.failure : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.leases) {
      this.leading = true;
      await this.runner.init();
      this.runner.start();
      return;
    }
    await this.lead();
    this.heartbeat = setInterval(
      () => void this.lead(),
      Math.max(100, Math.floor(this.config.leaseMs / 3)),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.beat;
    await this.runner.stop();
    if (this.lease)
      await this.leases?.store.release(this.lease).catch(() => undefined);
    this.lease = undefined;
  }

  /** One beat of the lease: renew it, or take it when free, or look where the writer is. */
  private lead(): Promise<void> {
    this.beat ??= this.leadOnce()
      .catch((error: unknown) =>
        this.logger.warn(`projections lease: ${String(error)}`),
      )
      .finally(() => {
        this.beat = undefined;
      });
    return this.beat;
  }

  private async leadOnce(): Promise<void> {
    const leases = this.leases!.store;
    const ttl = this.config.leaseMs;
    if (this.lease) {
      this.lease = await leases.renew(this.lease, ttl);
      if (this.lease) return;
      this.logger.warn(
        'lost the projections lease; another instance writes the read models',
      );
      this.leading = false;
      await this.runner.stop();
    }
    this.lease = await leases.acquire(
      PROJECTIONS_LEASE,
      this.config.instanceId,
      ttl,
    );
    if (this.lease) {
      this.logger.log(
        'writing the read models (holding the projections lease)',
      );
      await this.runner.init();
      this.runner.start();
      this.leading = true;
      return;
    }
    await this.follow();
  }

  /** Reads how far the writer's checkpoints are. */
  private async follow(): Promise<number> {
    const rows = await this.dataSource.manager.find(ProjectionCheckpointEntity);
    const names = new Set(READ_MODEL_PROJECTORS.map((p) => p.projection.name));
    const mine = rows.filter((r) => names.has(r.name));
    this.followed =
      mine.length < names.size ? 0 : Math.min(...mine.map((r) => r.position));
    return this.followed;
  }

  /**
   * Waits (at most `maxWaitMs`) until the read models include every event committed now:
   * read-your-writes for a client that asks right after its own 202.
   */
  async catchUpToHead(maxWaitMs = 2000): Promise<void> {
    await this.reach(await this.store.headPosition(), maxWaitMs);
  }

  /**
   * Waits (at most `maxWaitMs`) until the read models include the event at `position`: the
   * read-your-writes token of a client that saw that event (on SSE) and reads after it.
   */
  async reach(position: number | undefined, maxWaitMs = 2000): Promise<void> {
    if (position === undefined || this.position >= position) return;
    // A position the store has not reached yet cannot be waited for: wait for the head.
    position = Math.min(position, await this.store.headPosition());
    if (this.position >= position) return;
    if (this.leases && !this.leading) {
      await this.followTo(position, maxWaitMs);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.runner.waitForPosition(position),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Polls the writer's checkpoints until they reach `position`, at most `maxWaitMs`. */
  private async followTo(position: number, maxWaitMs: number): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    while ((await this.follow()) < position && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
  }

  /** How far the read models trail the store. */
  async lag(): Promise<ReadModelLag> {
    const head = await this.store.headPosition();
    if (this.leases && !this.leading) await this.follow();
    const position = this.position;
    return { position, head, lag: head - position };
  }
}
