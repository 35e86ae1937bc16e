import { DataSource, type MixedList } from 'typeorm';

/** The tables of a read-model database and the migrations that make them. */
export interface ReadModelSchema {
  // TypeORM takes entity classes and migration classes of any shape.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
}

/**
 * The read models live in their own SQLite file beside the event store (see README,
 * "Storage"): the projector is its only writer, so it never waits for the store's writer and
 * the store's writer never waits for it. Everything in it can be rebuilt from the store, so it
 * commits with synchronous=NORMAL.
 */
export function createReadModelDataSource(
  fileName: string,
  schema: ReadModelSchema,
): DataSource {
  return new DataSource({
    type: 'better-sqlite3',
    database: fileName,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTransactionMode: 'all',
    statementCacheSize: 200,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
    },
  });
}

/** Opens the read-model database and brings its schema up to date. */
export async function openReadModelDataSource(
  fileName: string,
  schema: ReadModelSchema,
): Promise<DataSource> {
  const dataSource = createReadModelDataSource(fileName, schema);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
