import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ReposAndHistory1764000000000 implements MigrationInterface {
  name = 'ReposAndHistory1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "repos" (
      "repoId" text PRIMARY KEY NOT NULL,
      "orgId" text NOT NULL,
      "name" text NOT NULL,
      "remoteUrl" text NOT NULL,
      "trunk" text NOT NULL,
      "trunkSha" text,
      "updatedAt" text NOT NULL,
      "lastJobId" text,
      "branches" text NOT NULL,
      "remoteBranches" text NOT NULL,
      "position" integer NOT NULL)`);
    await q.query(`CREATE INDEX "repos_org_name" ON "repos" ("orgId", "name")`);
    await q.query(`CREATE TABLE "history" (
      "position" integer PRIMARY KEY NOT NULL,
      "orgId" text NOT NULL,
      "repoId" text NOT NULL,
      "jobId" text,
      "type" text NOT NULL,
      "at" text NOT NULL,
      "data" text NOT NULL)`);
    await q.query(
      `CREATE INDEX "history_repo_position" ON "history" ("repoId", "position")`,
    );
    // Job lists page newest first by request position within a repo and status.
    await q.query(
      `CREATE INDEX "jobs_repo_status" ON "jobs" ("repoId", "status", "requestedAt")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "jobs_repo_status"`);
    await q.query(`DROP TABLE "history"`);
    await q.query(`DROP TABLE "repos"`);
  }
}
