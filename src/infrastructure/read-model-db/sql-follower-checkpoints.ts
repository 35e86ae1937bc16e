import type { DataSource } from 'typeorm';
import type { Clock } from '../clock/clock';
import { systemClock } from '../clock/clock';
import type {
  FollowerCheckpoint,
  FollowerCheckpoints,
} from '../checkpoints/follower-checkpoints.port';
import { readModelEngine } from './read-model-data-source';

interface CheckpointRow {
  position: number | string;
  eventId: string;
  version: number | string;
  state: string;
}

/**
 * Follower checkpoints in the read-model database (SQLite file or PostgreSQL schema), one
 * row per follower. A save is one statement that moves the row only forward, so instances
 * sharing the database may all save: each saves a state the store's history fixes, and the
 * latest position wins. It is a single statement on purpose: on SQLite the read models share
 * one connection with the projection runner (whose batches there are synchronous
 * transactions, so no save lands in one); should a save land in a transaction that rolls
 * back, it only leaves an older checkpoint, which is as valid.
 */
export class SqlFollowerCheckpoints implements FollowerCheckpoints {
  /** Known at the first statement: the data source may be opened after this is made. */
  private postgres: boolean | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock = systemClock,
  ) {}

  async load(name: string): Promise<FollowerCheckpoint | undefined> {
    const rows: CheckpointRow[] = await this.db.query(
      `SELECT "position", "eventId", "version", "state" FROM "follower_checkpoints" WHERE "name" = ${this.param(1)}`,
      [name],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      position: Number(row.position),
      eventId: row.eventId,
      version: Number(row.version),
      state: JSON.parse(row.state) as unknown,
    };
  }

  async save(name: string, checkpoint: FollowerCheckpoint): Promise<void> {
    const p = (n: number) => this.param(n);
    await this.db.query(
      `INSERT INTO "follower_checkpoints" ("name", "position", "eventId", "version", "state", "updatedAt")
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)})
       ON CONFLICT ("name") DO UPDATE SET "position" = excluded."position",
         "eventId" = excluded."eventId", "version" = excluded."version",
         "state" = excluded."state", "updatedAt" = excluded."updatedAt"
       WHERE "follower_checkpoints"."position" < excluded."position"`,
      [
        name,
        checkpoint.position,
        checkpoint.eventId,
        checkpoint.version,
        JSON.stringify(checkpoint.state),
        this.clock.now().toISOString(),
      ],
    );
  }

  private param(n: number): string {
    this.postgres ??= readModelEngine(this.db) === 'postgres';
    return this.postgres ? `$${n}` : '?';
  }
}
