import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the sagas and the repo directory keep their checkpoints (FollowerCheckpointEntity),
 * so that a start reads only the events after them. Listed for both engines: it branches on
 * the engine for the types, where the two initial migrations differ.
 */
export class FollowerCheckpoints1797000000000 implements MigrationInterface {
  name = 'FollowerCheckpoints1797000000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    // Text in byte order and 64-bit positions on both, as the other read-model tables.
    const text = postgres ? 'text COLLATE "C"' : 'text';
    const position = postgres ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE "follower_checkpoints" (
      "name" ${text} PRIMARY KEY NOT NULL,
      "position" ${position} NOT NULL,
      "eventId" ${text} NOT NULL,
      "version" integer NOT NULL,
      "state" ${text} NOT NULL,
      "updatedAt" ${text} NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "follower_checkpoints"`);
  }
}
