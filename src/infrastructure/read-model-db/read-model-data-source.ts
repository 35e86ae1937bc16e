import {
  DataSource,
  type DataSourceOptions,
  type EntityManager,
  type MixedList,
} from 'typeorm';

/** The engines a read-model database can live on. */
export type ReadModelEngine = 'sqlite' | 'postgres';

/** The tables of a read-model database and the migrations that make them on each engine. */
export interface ReadModelSchema {
  // TypeORM takes entity classes and migration classes of any shape.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  /** Oldest first, one list per engine (read-model.schema.ts says why). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Record<ReadModelEngine, MixedList<Function>>;
}

/**
 * Where the read models live: a SQLite file of their own, or a PostgreSQL database given by
 * URL, in `schema` when one is named (else the URL's default schema, `public` as a rule).
 */
export type ReadModelTarget =
  | { readonly engine: 'sqlite'; readonly file: string }
  | {
      readonly engine: 'postgres';
      readonly url: string;
      readonly schema?: string;
    };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
/** Unquoted PostgreSQL identifiers that need no quoting anywhere, at most 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The target a configured location names: a `postgres://` or `postgresql://` URL is a
 * PostgreSQL database, anything else a SQLite file name. `schema` is for PostgreSQL only.
 */
export function readModelTarget(
  location: string,
  options: { schema?: string } = {},
): ReadModelTarget {
  if (POSTGRES_URL.test(location)) {
    return options.schema === undefined
      ? { engine: 'postgres', url: location }
      : { engine: 'postgres', url: location, schema: options.schema };
  }
  if (options.schema !== undefined)
    throw new Error('a read-model schema can only be named on PostgreSQL');
  return { engine: 'sqlite', file: location };
}

/** The engine a read-model data source (or a manager of one) runs on. */
export function readModelEngine(
  db: Pick<DataSource, 'options'> | Pick<EntityManager, 'connection'>,
): ReadModelEngine {
  const { type } = 'connection' in db ? db.connection.options : db.options;
  if (type === 'better-sqlite3') return 'sqlite';
  if (type === 'postgres') return 'postgres';
  throw new Error(`read models do not run on ${type}`);
}

/**
 * The read models live in their own SQLite file beside the event store (see README,
 * "Storage"): the projector is its only writer, so it never waits for the store's writer and
 * the store's writer never waits for it. Everything in it can be rebuilt from the store, so it
 * commits with synchronous=NORMAL.
 *
 * Its WAL is checkpointed every `READ_MODEL_CHECKPOINT_PAGES` pages instead of SQLite's 1,000:
 * a checkpoint runs inside the projection batch that crosses the threshold, on the event loop,
 * and one of 1,000 pages (copy and sync) held it 5–16 ms under load; one of 200 pages stays
 * under 5 ms, for about 12 % more time in projection batches in all (more, smaller syncs).
 * Runner idle, 16 connections, two interleaved pairs: accept p99 8 → 6 ms. Moving checkpoints
 * to a worker thread instead was measured and not kept: the store's own syncs then waited
 * behind the checkpoint's writes on the same disk (p99.9 15–25 → 41 ms).
 */
export const READ_MODEL_CHECKPOINT_PAGES = 200;

function sqliteOptions(
  file: string,
  schema: ReadModelSchema,
): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: file,
    entities: schema.entities,
    migrations: schema.migrations.sqlite,
    migrationsTransactionMode: 'all',
    statementCacheSize: 200,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`wal_autocheckpoint = ${READ_MODEL_CHECKPOINT_PAGES}`);
      db.pragma('busy_timeout = 5000');
    },
  };
}

/**
 * On PostgreSQL the read models may share a database (and a schema) with other tables, the
 * event store's among them: their migrations are recorded in a table named for them, and a
 * named schema is also every connection's search path, so that unqualified names in
 * migrations and raw statements resolve to it as TypeORM's own qualified ones do.
 */
function postgresOptions(
  target: Extract<ReadModelTarget, { engine: 'postgres' }>,
  schema: ReadModelSchema,
): DataSourceOptions {
  if (target.schema !== undefined && !SCHEMA_NAME.test(target.schema))
    throw new Error(
      `read-model schema ${JSON.stringify(target.schema)} is not a lower-case identifier`,
    );
  return {
    type: 'postgres',
    url: target.url,
    ...(target.schema !== undefined
      ? {
          schema: target.schema,
          extra: { options: `-c search_path=${target.schema}` },
        }
      : {}),
    entities: schema.entities,
    migrations: schema.migrations.postgres,
    migrationsTableName: READ_MODEL_MIGRATIONS_TABLE.postgres,
    migrationsTransactionMode: 'all',
    installExtensions: false,
    applicationName: 'stackyard-read-models',
  };
}

/** The table each engine records applied read-model migrations in. */
export const READ_MODEL_MIGRATIONS_TABLE: Record<ReadModelEngine, string> = {
  // TypeORM's default, as the existing files have it.
  sqlite: 'migrations',
  postgres: 'read_model_migrations',
};

/** A data source for the read models at `target` (a file name is a SQLite file, as before). */
export function createReadModelDataSource(
  target: string | ReadModelTarget,
  schema: ReadModelSchema,
): DataSource {
  const where = typeof target === 'string' ? readModelTarget(target) : target;
  return new DataSource(
    where.engine === 'sqlite'
      ? sqliteOptions(where.file, schema)
      : postgresOptions(where, schema),
  );
}

/**
 * Makes the named schema of a PostgreSQL data source when it is missing. It looks first, so
 * that a role without CREATE on the database can use a schema made for it.
 */
async function ensureSchema(dataSource: DataSource): Promise<void> {
  if (readModelEngine(dataSource) !== 'postgres') return;
  const { schema } = dataSource.options as { schema?: string };
  if (schema === undefined) return;
  const found = await dataSource.query<unknown[]>(
    `SELECT 1 FROM pg_namespace WHERE nspname = $1`,
    [schema],
  );
  if (found.length === 0)
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
}

/** Connects to the read-model database at `target` without touching its tables. */
export async function connectReadModelDataSource(
  target: string | ReadModelTarget,
  schema: ReadModelSchema,
): Promise<DataSource> {
  const dataSource = createReadModelDataSource(target, schema);
  await dataSource.initialize();
  try {
    await ensureSchema(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Opens the read-model database and brings its schema up to date. */
export async function openReadModelDataSource(
  target: string | ReadModelTarget,
  schema: ReadModelSchema,
): Promise<DataSource> {
  const dataSource = await connectReadModelDataSource(target, schema);
  try {
    await dataSource.runMigrations();
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * Tables of the read-model database that are no read model: durable consumer state (each
 * outbound webhook subscription's cursor and its newest attempts) that nothing can rebuild
 * from the store. A rebuild keeps them, or every subscription would deliver its whole history
 * again; their migration makes them only where they are missing.
 */
export const KEPT_THROUGH_REBUILD: readonly string[] = [
  'subscription_cursors',
  'subscription_deliveries',
];

/**
 * Drops the read models' own tables (every entity's and the migrations record) but those
 * `KEPT_THROUGH_REBUILD`, nothing else: on PostgreSQL the schema may hold other tables, which
 * TypeORM's `dropDatabase` would drop too; a SQLite read-model file holds nothing else, and
 * every table of it goes but the kept ones. The drop is one transaction.
 */
export async function dropReadModelTables(
  dataSource: DataSource,
): Promise<void> {
  const kept = new Set(KEPT_THROUGH_REBUILD);
  if (readModelEngine(dataSource) === 'sqlite') {
    const rows = await dataSource.query<Array<{ name: string }>>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
    );
    const tables = rows.map((r) => r.name).filter((name) => !kept.has(name));
    await dataSource.transaction(async (tx) => {
      for (const table of tables)
        await tx.query(`DROP TABLE IF EXISTS "${table.replaceAll('"', '""')}"`);
    });
    return;
  }
  const { driver } = dataSource;
  const schema = driver.schema;
  const qualified = (table: string): string =>
    schema === undefined
      ? driver.escape(table)
      : `${driver.escape(schema)}.${driver.escape(table)}`;
  const tables = [
    ...dataSource.entityMetadatas
      .map((m) => m.tableName)
      .filter((name) => !kept.has(name))
      .map(qualified),
    qualified(READ_MODEL_MIGRATIONS_TABLE.postgres),
  ];
  await dataSource.transaction(async (tx) => {
    for (const table of tables) await tx.query(`DROP TABLE IF EXISTS ${table}`);
  });
}
