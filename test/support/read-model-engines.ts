import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteConnection } from '../../src/infrastructure/read-model-db/sqlite-row-table';
import { DataSource } from 'typeorm';
import {
  openReadModelDataSource,
  type ReadModelEngine,
  type ReadModelTarget,
} from '../../src/infrastructure/read-model-db/read-model-data-source';
import { READ_MODEL_SCHEMA } from '../../src/read-models/read-model.schema';

export type { ReadModelEngine };

/** The PostgreSQL the pg tier runs against (test/pg-global-setup.js checks it is there). */
export const testDatabaseUrl = (): string =>
  process.env.STACKYARD_TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test';

/**
 * A place for read models of one test: a SQLite file in a directory of its own, or a
 * PostgreSQL schema of its own. `target` is what the read-model functions take to open it.
 */
export interface ReadModelPlace {
  readonly engine: ReadModelEngine;
  readonly target: ReadModelTarget;
  /** Removes the file or drops the schema, with whatever is still in it. */
  remove(): Promise<void>;
}

/** Runs `sql` on a connection of its own to the test database. */
async function onTestDatabase(sql: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url: testDatabaseUrl() });
  await admin.initialize();
  try {
    await admin.query(sql);
  } finally {
    await admin.destroy();
  }
}

export async function makeReadModelPlace(
  engine: ReadModelEngine,
): Promise<ReadModelPlace> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'stackyard-read-models-'));
    return {
      engine,
      target: { engine, file: join(dir, 'read-models.sqlite') },
      remove: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const schema = `read_models_${process.pid}_${randomBytes(6).toString('hex')}`;
  await onTestDatabase(`CREATE SCHEMA "${schema}"`);
  return {
    engine,
    target: { engine, url: testDatabaseUrl(), schema },
    remove: () => onTestDatabase(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  };
}

/** A migrated read-model database of one test; `close` closes and removes it. */
export interface TestReadModels {
  readonly engine: ReadModelEngine;
  readonly place: ReadModelPlace;
  readonly ds: DataSource;
  /**
   * Makes `tables` (all the read models' by default) refuse every write until
   * `acceptWrites`, as a full or read-only disk would; reads go on.
   */
  refuseWrites(tables?: readonly string[]): Promise<void>;
  acceptWrites(): Promise<void>;
  close(): Promise<void>;
}

const READ_MODEL_TABLES = [
  'projection_checkpoints',
  'jobs',
  'repos',
  'history',
  'tasks',
] as const;

export async function openTestReadModels(
  engine: ReadModelEngine,
): Promise<TestReadModels> {
  const place = await makeReadModelPlace(engine);
  let ds: DataSource;
  try {
    ds = await openReadModelDataSource(place.target, READ_MODEL_SCHEMA);
  } catch (error) {
    await place.remove();
    throw error;
  }
  const refusals = new Map<string, readonly string[]>();
  const run = async (statements: readonly string[]) => {
    for (const sql of statements) await ds.query(sql);
  };
  return {
    engine,
    place,
    ds,
    async refuseWrites(tables = READ_MODEL_TABLES) {
      if (engine === 'sqlite' && tables === READ_MODEL_TABLES) {
        // The connection itself refuses writes, as a read-only file does.
        sqliteConnection(ds).pragma('query_only = ON');
        refusals.set('*', []);
        return;
      }
      for (const table of tables) {
        const refusal =
          engine === 'sqlite'
            ? sqliteRefusal(table)
            : postgresRefusal(schemaOf(place), table);
        await run(refusal.create);
        refusals.set(table, refusal.drop);
      }
    },
    async acceptWrites() {
      for (const [table, drop] of refusals) {
        if (table === '*') sqliteConnection(ds).pragma('query_only = OFF');
        else await run(drop);
      }
      refusals.clear();
    },
    async close() {
      try {
        if (ds.isInitialized) await ds.destroy();
      } finally {
        await place.remove();
      }
    },
  };
}

interface Refusal {
  create: readonly string[];
  drop: readonly string[];
}

const schemaOf = (place: ReadModelPlace): string => {
  if (place.target.engine !== 'postgres' || !place.target.schema)
    throw new Error('not a PostgreSQL schema');
  return place.target.schema;
};

/** SQLite triggers are of one operation each. */
const sqliteRefusal = (table: string): Refusal => {
  const ops = ['INSERT', 'UPDATE', 'DELETE'];
  return {
    create: ops.map(
      (op) =>
        `CREATE TRIGGER "refuse_${op}_${table}" BEFORE ${op} ON "${table}"
         BEGIN SELECT RAISE(ABORT, 'writes refused'); END`,
    ),
    drop: ops.map((op) => `DROP TRIGGER "refuse_${op}_${table}"`),
  };
};

const postgresRefusal = (schema: string, table: string): Refusal => ({
  create: [
    `CREATE OR REPLACE FUNCTION "${schema}"."refuse_writes"() RETURNS trigger
       LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'writes refused'; END $$`,
    `CREATE TRIGGER "refuse_writes" BEFORE INSERT OR UPDATE OR DELETE
       ON "${schema}"."${table}" FOR EACH STATEMENT
       EXECUTE FUNCTION "${schema}"."refuse_writes"()`,
  ],
  drop: [`DROP TRIGGER "refuse_writes" ON "${schema}"."${table}"`],
});
