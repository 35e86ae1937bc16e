import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialReadModels1732406400000 implements MigrationInterface {
  name = 'InitialReadModels1732406400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "projection_checkpoints" (
      "name" text PRIMARY KEY NOT NULL,
      "position" integer NOT NULL,
      "updatedAt" text NOT NULL)`);
    await q.query(`CREATE TABLE "jobs" (
      "jobId" text PRIMARY KEY NOT NULL,
      "orgId" text NOT NULL,
      "repoId" text NOT NULL,
      "action" text NOT NULL,
      "branchName" text,
      "parentBranch" text,
      "idempotencyKey" text,
      "status" text NOT NULL,
      "step" text,
      "message" text,
      "progressDone" integer,
      "progressTotal" integer,
      "attempt" integer NOT NULL,
      "cancelRequested" boolean NOT NULL,
      "requestedAt" text NOT NULL,
      "startedAt" text,
      "finishedAt" text,
      "updatedAt" text NOT NULL,
      "result" text,
      "error" text,
      "position" integer NOT NULL)`);
    await q.query(
      `CREATE INDEX "jobs_repo_requested" ON "jobs" ("repoId", "requestedAt")`,
    );
    await q.query(
      `CREATE INDEX "jobs_idempotency" ON "jobs" ("orgId", "repoId", "idempotencyKey")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "jobs"`);
    await q.query(`DROP TABLE "projection_checkpoints"`);
  }
}
