import type { Database, Statement } from 'better-sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import { type Clock, systemClock } from '../infrastructure/clock/clock';
import {
  ALL_EVENTS,
  narrow,
  type StackyardEventType,
} from '../domain/events/stackyard-event';
import type {
  EventStore,
  EventSubscription,
  RecordedEvent,
} from '../infrastructure/event-store/event-store.port';
import { readModelEngine } from '../infrastructure/read-model-db/read-model-data-source';
import {
  sqliteConnection,
  type SqliteRowTable,
} from '../infrastructure/read-model-db/sqlite-row-table';
import { ProjectionCheckpointEntity } from '../read-models/projection-checkpoint.entity';
import type { ProjectedEvent, Projector } from './projection';

/** What the runner needs of a logger; Nest's Logger fits. */
export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ProjectionRunnerOptions {
  /** Events read and written per transaction. */
  batchSize?: number;
  logger?: RunnerLogger;
  clock?: Clock;
  /**
   * After a failed batch (the read-model file cannot be written: disk full, I/O error), how
   * long the live loop waits before it tries again, doubling up to `retryMaxMs`.
   */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** Another writer moved a checkpoint since this runner read it. */
export class CheckpointMovedError extends Error {
  override name = 'CheckpointMovedError';
  constructor(projection: string, from: number) {
    super(
      `the checkpoint of projection ${projection} is no longer at ${from}: another writer moved it`,
    );
  }
}

/**
 * A batch the SQLite read-model file refused (disk full, I/O error, a refusing trigger), with
 * the driver's message, as the entity manager's QueryFailedError has it: an Error of this
 * realm (the driver's own error class is registered once per process by its native part).
 */
export class ReadModelWriteError extends Error {
  override name = 'ReadModelWriteError';
}

// The runner holds projectors of different row and event types side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProjector = Projector<any, any, EntityManager>;

/** The events of a batch one projector changes rows for, with the keys they change. */
interface Plan {
  keys: string[];
  relevant: Array<{ key: string; event: ProjectedEvent<StackyardEventType> }>;
}

/**
 * A SQLite read-model file written without the entity manager: every projector's rows and
 * the checkpoint statement prepared on the connection, a batch one synchronous transaction.
 */
interface SqliteBatches {
  db: Database;
  tables: ReadonlyMap<string, SqliteRowTable<unknown>>;
  moveCheckpoint: Statement;
}

/**
 * Folds the event store into read models. It reads the store once for every projector,
 * from the lowest checkpoint, and for each batch writes every projector's rows and its new
 * checkpoint in one transaction: a crash can never leave rows ahead of or behind their
 * checkpoint, and an event at or before a projector's checkpoint is never applied twice.
 * Events of a type no projector knows are skipped and reported once per type.
 */
export class ProjectionRunner {
  private readonly checkpoints = new Map<string, number>();
  private readonly reportedUnknown = new Set<string>();
  private subscription: EventSubscription | undefined;
  private loop: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly logger: RunnerLogger;
  private readonly clock: Clock;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private stopping = false;
  private wakePause: (() => void) | undefined;
  private positionWaiters: Array<{ position: number; resolve: () => void }> =
    [];
  private lastPosition = 0;
  private sqlite: SqliteBatches | undefined;
  /** The error that stopped the live loop, if one did. */
  failure: Error | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    private readonly projectors: readonly AnyProjector[],
    options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2000;
    this.logger = options.logger ?? console;
    this.clock = options.clock ?? systemClock;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
  }

  /** The lowest position every projector has reached. */
  get position(): number {
    return this.lastPosition;
  }

  /** Reads the checkpoints; call once before `catchUp` or `start`. */
  async init(): Promise<void> {
    // Every projector has its row from the start: a batch only ever moves a checkpoint
    // from the position it read (see `apply`).
    await this.dataSource.manager
      .createQueryBuilder()
      .insert()
      .into(ProjectionCheckpointEntity)
      .values(
        this.projectors.map((p) => ({
          name: p.projection.name,
          position: 0,
          updatedAt: this.clock.now().toISOString(),
        })),
      )
      .orIgnore()
      .execute();
    const rows = await this.dataSource.manager.find(ProjectionCheckpointEntity);
    const stored = new Map(rows.map((r) => [r.name, r.position]));
    for (const p of this.projectors) {
      this.checkpoints.set(
        p.projection.name,
        stored.get(p.projection.name) ?? 0,
      );
    }
    this.lastPosition = this.minCheckpoint();
    this.sqlite ??= this.sqliteBatches();
  }

  /**
   * On a SQLite read-model file whose every writer can write synchronously, the statements
   * the runner's batches run; undefined elsewhere (PostgreSQL, a writer without them).
   */
  private sqliteBatches(): SqliteBatches | undefined {
    if (readModelEngine(this.dataSource) !== 'sqlite') return undefined;
    const tables = new Map<string, SqliteRowTable<unknown>>();
    for (const { projection, writer } of this.projectors) {
      if (!writer.sqlite) return undefined;
      tables.set(
        projection.name,
        writer.sqlite(this.dataSource) as SqliteRowTable<unknown>,
      );
    }
    const db = sqliteConnection(this.dataSource);
    const checkpoints = this.dataSource.getMetadata(
      ProjectionCheckpointEntity,
    ).tableName;
    return {
      db,
      tables,
      moveCheckpoint: db.prepare(
        `UPDATE "${checkpoints}" SET "position" = ?, "updatedAt" = ? WHERE "name" = ? AND "position" = ?`,
      ),
    };
  }

  /** Projects everything committed so far, then returns the position reached. */
  async catchUp(): Promise<number> {
    for (;;) {
      const page = await this.store.readAll({
        fromPosition: this.minCheckpoint() + 1,
        limit: this.batchSize,
      });
      if (page.events.length > 0) {
        try {
          await this.apply(page.events);
        } catch (error) {
          if (!(error instanceof CheckpointMovedError)) throw error;
          await this.init();
          continue;
        }
      }
      if (page.isEnd) return this.lastPosition;
    }
  }

  /** Follows the store live in the background until `stop`. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.follow();
  }

  /**
   * Follows the store from the checkpoints. A batch that cannot be written is rolled back
   * with its checkpoints, so after a pause the loop reads it again from the checkpoints and
   * goes on: the read models recover by themselves when the disk does. Until a batch is
   * written again, `failure` says why they trail.
   */
  private async follow(): Promise<void> {
    let delay = this.retryBaseMs;
    while (!this.stopping) {
      const subscription = this.store.subscribe({
        fromPosition: this.minCheckpoint() + 1,
        batchSize: this.batchSize,
      });
      this.subscription = subscription;
      try {
        for await (const batch of subscription) {
          await this.apply(batch);
          delay = this.retryBaseMs;
        }
        return;
      } catch (error) {
        subscription.close();
        if (this.stopping) return;
        if (error instanceof CheckpointMovedError) {
          // Not a failure of the read models: they are ahead. Go on from where they are.
          this.logger.warn(
            `${error.message}; going on from the stored checkpoints`,
          );
          await this.init();
          this.wakeWaiters();
          continue;
        }
        this.failure =
          error instanceof Error ? error : new Error(String(error));
        this.logger.error(
          `projection runner failed: ${this.failure.message}; trying again in ${delay} ms`,
        );
        await this.pause(delay);
        delay = Math.min(delay * 2, this.retryMaxMs);
      }
    }
  }

  /** Waits `ms`, or less when `stop` comes first. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakePause = undefined;
        resolve();
      }, ms);
      this.wakePause = () => {
        clearTimeout(timer);
        this.wakePause = undefined;
        resolve();
      };
    });
  }

  /** Stops following the store after the batch in hand is written. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakePause?.();
    this.subscription?.close();
    await this.loop;
    this.loop = undefined;
    this.subscription = undefined;
    for (const w of this.positionWaiters) w.resolve();
    this.positionWaiters = [];
  }

  /** Resolves once every projector has reached `position` (or the runner stops). */
  waitForPosition(position: number): Promise<void> {
    if (this.lastPosition >= position || !this.loop) return Promise.resolve();
    return new Promise((resolve) =>
      this.positionWaiters.push({ position, resolve }),
    );
  }

  private minCheckpoint(): number {
    return this.checkpoints.size === 0
      ? 0
      : Math.min(...this.checkpoints.values());
  }

  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    const last = events[events.length - 1]!.globalPosition;
    this.reportUnknown(events);
    const now = this.clock.now().toISOString();
    if (this.sqlite) this.applySqlite(this.sqlite, events, last, now);
    else await this.applyThroughManager(events, last, now);
    for (const p of this.projectors) {
      this.checkpoints.set(
        p.projection.name,
        Math.max(last, this.checkpoints.get(p.projection.name) ?? 0),
      );
    }
    // A written batch ends a failure: the read models are catching up again.
    this.failure = undefined;
    this.lastPosition = this.minCheckpoint();
    this.wakeWaiters();
  }

  /**
   * One batch in one synchronous SQLite transaction: nothing else runs on the connection
   * meanwhile, and a throw (a checkpoint another writer moved, a full disk) rolls it all back.
   */
  private applySqlite(
    sqlite: SqliteBatches,
    events: readonly RecordedEvent[],
    last: number,
    now: string,
  ): void {
    // The connection is TypeORM's too. While one of its transactions is open (a writer
    // awaiting between its statements), a batch would land in it and go if it rolls back:
    // the batch fails instead, and the live loop tries again after a pause.
    if (sqlite.db.inTransaction)
      throw new ReadModelWriteError(
        "the read-model file is inside another writer's transaction",
      );
    const batch = sqlite.db.transaction(() => {
      for (const projector of this.projectors) {
        const name = projector.projection.name;
        const from = this.checkpoints.get(name) ?? 0;
        if (last <= from) continue;
        const plan = this.plan(projector, events, from);
        if (plan) {
          const table = sqlite.tables.get(name)!;
          table.save(this.fold(projector, plan, table.load(plan.keys)));
        }
        const moved = sqlite.moveCheckpoint.run(last, now, name, from);
        if (moved.changes !== 1) throw new CheckpointMovedError(name, from);
      }
    });
    try {
      batch();
    } catch (error) {
      if (error instanceof CheckpointMovedError) throw error;
      const message = (error as { message?: unknown } | null)?.message;
      throw new ReadModelWriteError(
        typeof message === 'string' ? message : String(error),
        { cause: error },
      );
    }
  }

  private async applyThroughManager(
    events: readonly RecordedEvent[],
    last: number,
    now: string,
  ): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      for (const projector of this.projectors) {
        const name = projector.projection.name;
        const from = this.checkpoints.get(name) ?? 0;
        if (last <= from) continue;
        await this.applyTo(projector, tx, events, from);
        // Moved only from where this runner read it: a batch another writer (an instance
        // that took the projections over) has written already rolls back here whole.
        const moved = await tx
          .createQueryBuilder()
          .update(ProjectionCheckpointEntity)
          .set({ position: last, updatedAt: now })
          .where('name = :name AND position = :from', { name, from })
          .execute();
        if (moved.affected !== 1) throw new CheckpointMovedError(name, from);
      }
    });
  }

  private async applyTo(
    projector: AnyProjector,
    tx: EntityManager,
    events: readonly RecordedEvent[],
    after: number,
  ): Promise<void> {
    const plan = this.plan(projector, events, after);
    if (!plan) return;
    const loaded = await projector.writer.load(tx, plan.keys);
    await projector.writer.save(tx, this.fold(projector, plan, loaded));
  }

  /** The events after `after` that change rows of `projector`; undefined when none do. */
  private plan(
    projector: AnyProjector,
    events: readonly RecordedEvent[],
    after: number,
  ): Plan | undefined {
    const { projection } = projector;
    const relevant: Plan['relevant'] = [];
    for (const recorded of events) {
      if (recorded.globalPosition <= after) continue;
      const event = narrow(recorded, projection.kind);
      if (!event) continue;
      const key = projection.keyOf(event);
      if (key !== undefined) relevant.push({ key, event });
    }
    if (relevant.length === 0) return undefined;
    return { keys: [...new Set(relevant.map((r) => r.key))], relevant };
  }

  /** The rows the plan's events make of the loaded ones: null for a deleted row. */
  private fold(
    projector: AnyProjector,
    plan: Plan,
    loaded: ReadonlyMap<string, unknown>,
  ): Map<string, unknown> {
    const changes = new Map<string, unknown>();
    for (const { key, event } of plan.relevant) {
      const row: unknown = changes.has(key)
        ? changes.get(key)
        : (loaded.get(key) ?? null);
      changes.set(key, this.safeEvolve(projector.projection, row, event));
    }
    return changes;
  }

  private safeEvolve(
    projection: AnyProjector['projection'],
    row: unknown,
    event: ProjectedEvent<StackyardEventType>,
  ): unknown {
    try {
      return projection.evolve(row, event);
    } catch (error) {
      // A projection is pure and total; if one throws anyway, keep the row and go on.
      this.logger.error(
        `projection ${projection.name} failed on event ${event.globalPosition} (${event.type}): ${String(error)}; event skipped`,
      );
      return row;
    }
  }

  private reportUnknown(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (ALL_EVENTS.has(event.type) || this.reportedUnknown.has(event.type))
        continue;
      this.reportedUnknown.add(event.type);
      this.logger.warn(
        `skipping events of unknown type ${JSON.stringify(event.type)} (first at position ${event.globalPosition})`,
      );
    }
  }

  private wakeWaiters(): void {
    const ready = this.positionWaiters.filter(
      (w) => w.position <= this.lastPosition,
    );
    this.positionWaiters = this.positionWaiters.filter(
      (w) => w.position > this.lastPosition,
    );
    for (const w of ready) w.resolve();
  }
}
