import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: the `subscriptions` read model (SubscriptionEntity), and the delivery
 * worker's own tables, its checkpoint per subscription (`subscription_cursors`) and its
 * newest attempts (`subscription_deliveries`). Listed for both engines: it branches on the
 * engine for the types, as FollowerCheckpoints1797000000000 does. The two delivery tables are
 * kept through a rebuild (`KEPT_THROUGH_REBUILD`): made only where missing, so that the
 * migrations run again after the drop leave their rows.
 */
export class Subscriptions1802000000000 implements MigrationInterface {
  name = 'Subscriptions1802000000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    // Text in byte order and 64-bit positions on both, as the other read-model tables.
    const text = postgres ? 'text COLLATE "C"' : 'text';
    const position = postgres ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE "subscriptions" (
      "subscriptionId" ${text} PRIMARY KEY NOT NULL,
      "orgId" ${text} NOT NULL,
      "url" ${text} NOT NULL,
      "repoId" ${text},
      "eventTypes" ${text},
      "state" ${text} NOT NULL,
      "pausedReason" ${text},
      "pausedAt" ${text},
      "idempotencyKey" ${text},
      "createdPosition" ${position} NOT NULL,
      "createdAt" ${text} NOT NULL,
      "updatedAt" ${text} NOT NULL,
      "position" ${position} NOT NULL)`);
    await q.query(
      `CREATE INDEX "subscriptions_org_created" ON "subscriptions" ("orgId", "createdAt")`,
    );
    await q.query(`CREATE TABLE IF NOT EXISTS "subscription_cursors" (
      "subscriptionId" ${text} PRIMARY KEY NOT NULL,
      "position" ${position} NOT NULL,
      "failingSince" ${text},
      "updatedAt" ${text} NOT NULL)`);
    await q.query(`CREATE TABLE IF NOT EXISTS "subscription_deliveries" (
      "attemptId" ${text} PRIMARY KEY NOT NULL,
      "subscriptionId" ${text} NOT NULL,
      "eventId" ${text} NOT NULL,
      "position" ${position} NOT NULL,
      "eventType" ${text} NOT NULL,
      "attempt" integer NOT NULL,
      "statusCode" integer,
      "error" ${text},
      "latencyMs" integer NOT NULL,
      "at" ${text} NOT NULL)`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS "subscription_deliveries_newest" ON "subscription_deliveries" ("subscriptionId", "attemptId")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "subscription_deliveries"`);
    await q.query(`DROP TABLE "subscription_cursors"`);
    await q.query(`DROP TABLE "subscriptions"`);
  }
}
