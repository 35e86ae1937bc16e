import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../clock/clock';
import { systemClock } from '../clock/clock';
import {
  DELIVERIES_KEPT,
  type DeliveryAttempt,
  type DeliveryCursor,
  type DeliveryLog,
} from '../webhooks/delivery-log.port';
import { readModelEngine } from './read-model-data-source';

interface CursorRow {
  subscriptionId: string;
  position: number | string;
  failingSince: string | null;
}

interface AttemptRow extends Omit<DeliveryAttempt, 'position'> {
  position: number | string;
}

/**
 * The delivery log in the read-model database (SQLite file or PostgreSQL schema). Every
 * write is one statement on its own, as the follower checkpoints' are: on SQLite the read
 * models share one connection with the projection runner. Its batches there are synchronous
 * transactions, so no write lands in one; were a transaction open on the connection, a write
 * in it rolled back would only lose an attempt line or leave an older cursor, and an older
 * cursor means a delivery made again, which at-least-once allows.
 */
export class SqlDeliveryLog implements DeliveryLog {
  private postgres: boolean | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock = systemClock,
  ) {}

  async cursor(subscriptionId: string): Promise<DeliveryCursor | undefined> {
    return (await this.cursors([subscriptionId])).get(subscriptionId);
  }

  async cursors(
    subscriptionIds: readonly string[],
  ): Promise<Map<string, DeliveryCursor>> {
    const found = new Map<string, DeliveryCursor>();
    if (subscriptionIds.length === 0) return found;
    const rows: CursorRow[] = await this.db.query(
      `SELECT "subscriptionId", "position", "failingSince" FROM "subscription_cursors"
       WHERE "subscriptionId" IN (${subscriptionIds.map((_, i) => this.param(i + 1)).join(', ')})`,
      [...subscriptionIds],
    );
    for (const row of rows)
      found.set(row.subscriptionId, {
        position: Number(row.position),
        failingSince: row.failingSince,
      });
    return found;
  }

  async record(
    subscriptionId: string,
    cursor: DeliveryCursor,
    attempts: readonly DeliveryAttempt[],
  ): Promise<void> {
    const p = (n: number) => this.param(n);
    if (attempts.length > 0) {
      const columns = 10;
      await this.db.query(
        `INSERT INTO "subscription_deliveries" ("attemptId", "subscriptionId", "eventId", "position",
           "eventType", "attempt", "statusCode", "error", "latencyMs", "at")
         VALUES ${attempts
           .map(
             (_, row) =>
               `(${Array.from({ length: columns }, (__, c) => p(row * columns + c + 1)).join(', ')})`,
           )
           .join(', ')}`,
        attempts.flatMap((a) => [
          uuidv7(),
          a.subscriptionId,
          a.eventId,
          a.position,
          a.eventType,
          a.attempt,
          a.statusCode,
          a.error,
          a.latencyMs,
          a.at,
        ]),
      );
      // Only the newest are kept: everything older than the DELIVERIES_KEPT-th newest goes.
      await this.db.query(
        `DELETE FROM "subscription_deliveries" WHERE "subscriptionId" = ${p(1)} AND "attemptId" < (
           SELECT "attemptId" FROM "subscription_deliveries" WHERE "subscriptionId" = ${p(2)}
           ORDER BY "attemptId" DESC LIMIT 1 OFFSET ${DELIVERIES_KEPT - 1})`,
        [subscriptionId, subscriptionId],
      );
    }
    await this.db.query(
      `INSERT INTO "subscription_cursors" ("subscriptionId", "position", "failingSince", "updatedAt")
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})
       ON CONFLICT ("subscriptionId") DO UPDATE SET
         "position" = CASE WHEN excluded."position" > "subscription_cursors"."position"
                      THEN excluded."position" ELSE "subscription_cursors"."position" END,
         "failingSince" = excluded."failingSince", "updatedAt" = excluded."updatedAt"`,
      [
        subscriptionId,
        cursor.position,
        cursor.failingSince,
        this.clock.now().toISOString(),
      ],
    );
  }

  async attempts(
    subscriptionId: string,
    limit: number,
  ): Promise<DeliveryAttempt[]> {
    const rows: AttemptRow[] = await this.db.query(
      `SELECT "subscriptionId", "eventId", "position", "eventType", "attempt", "statusCode",
         "error", "latencyMs", "at"
       FROM "subscription_deliveries" WHERE "subscriptionId" = ${this.param(1)}
       ORDER BY "attemptId" DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
      [subscriptionId],
    );
    return rows.map((row) => ({
      ...row,
      position: Number(row.position),
      attempt: Number(row.attempt),
      statusCode: row.statusCode === null ? null : Number(row.statusCode),
      latencyMs: Number(row.latencyMs),
    }));
  }

  private param(n: number): string {
    this.postgres ??= readModelEngine(this.db) === 'postgres';
    return this.postgres ? `$${n}` : '?';
  }
}
