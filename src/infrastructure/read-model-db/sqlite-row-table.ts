import type { Database, Statement } from 'better-sqlite3';
import type { DataSource, EntityTarget } from 'typeorm';
import type { UpsertSpec } from './upsert-rows';

/**
 * The better-sqlite3 connection under a SQLite read-model data source: the one connection
 * TypeORM itself runs every statement on.
 */
export function sqliteConnection(dataSource: DataSource): Database {
  const driver = dataSource.driver as unknown as {
    databaseConnection?: Database;
  };
  if (!driver.databaseConnection)
    throw new Error('the read-model data source is not an open SQLite file');
  return driver.databaseConnection;
}

/** Rows of one read-model table, read and written synchronously by prepared statements. */
export interface SqliteRowTable<Row> {
  /** The rows stored under `keys`, by key. */
  load(keys: readonly string[]): Map<string, Row>;
  /** Upserts every row, deletes every key mapped to null. */
  save(changes: ReadonlyMap<string, Row | null>): void;
}

/** better-sqlite3 binds no booleans (TypeORM turns them into 0/1 as well). */
const bindable = (value: unknown): unknown =>
  typeof value === 'boolean' ? (value ? 1 : 0) : value;

/**
 * A read-model table on the SQLite connection itself, for the projection runner's batches:
 * the same rows and the same statements as through the entity manager (`tableWriter`,
 * `upsertRows`), without the manager's per-statement work (query building, SQL text lookup,
 * promise hops, entity hydration), about a quarter of the service's CPU per accepted
 * request (see README). Rows read back exactly as TypeORM hydrates them: each column of the entity goes
 * through the driver's own `prepareHydratedValue` (booleans, JSON, transformers).
 *
 * Statements are prepared once. Keys are looked up in one statement whatever their number
 * (joined with `json_each` over a JSON array of them).
 */
export function sqliteRowTable<Row extends object>(
  dataSource: DataSource,
  entity: EntityTarget<Row> | undefined,
  upsert: UpsertSpec<Row>,
): SqliteRowTable<Row> {
  const db = sqliteConnection(dataSource);
  const { table, columns, keyColumns } = upsert;
  if (keyColumns !== 1)
    throw new Error(`${table}: a row table has a single-column key`);
  const quoted = columns.map((c) => `"${c}"`);
  const keyColumn = quoted[0]!;
  const encoders = columns.map((c) => upsert.encode?.[c]);
  const insert = db.prepare(
    `INSERT INTO "${table}" (${quoted.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
     ON CONFLICT (${keyColumn}) DO UPDATE SET ${quoted
       .slice(1)
       .map((c) => `${c} = excluded.${c}`)
       .join(', ')}`,
  );
  const remove = db.prepare(`DELETE FROM "${table}" WHERE ${keyColumn} = ?`);

  let select: Statement | undefined;
  let hydrate: ((raw: Record<string, unknown>) => Row) | undefined;
  if (entity !== undefined) {
    const metadata = dataSource.getMetadata(entity);
    const driver = dataSource.driver;
    const entityColumns = metadata.columns;
    // Joined with the keys: `=` compares by the key column's affinity, so the text keys
    // projections give find integer keys too (history's positions; the int test loads one).
    select = db.prepare(
      `SELECT ${entityColumns.map((c) => `t."${c.databaseName}"`).join(', ')}
       FROM "${table}" t JOIN json_each(?) k ON t.${keyColumn} = k.value`,
    );
    hydrate = (raw) => {
      const row = {} as Row;
      for (const column of entityColumns) {
        const value = raw[column.databaseName];
        if (value === undefined) continue;
        column.setEntityValue(
          row,
          driver.prepareHydratedValue(value, column) as unknown,
        );
      }
      return row;
    };
  }

  const keyOf = columns[0]!;
  return {
    load(keys) {
      const rows = new Map<string, Row>();
      if (!select || !hydrate || keys.length === 0) return rows;
      for (const raw of select.all(JSON.stringify(keys)) as Record<
        string,
        unknown
      >[]) {
        const row = hydrate(raw);
        rows.set(String(row[keyOf]), row);
      }
      return rows;
    },
    save(changes) {
      const params: unknown[] = new Array<unknown>(columns.length);
      for (const [key, row] of changes) {
        if (!row) {
          remove.run(key);
          continue;
        }
        for (let k = 0; k < columns.length; k++) {
          const value = row[columns[k]!] as unknown;
          const encoder = encoders[k];
          params[k] = bindable(encoder ? encoder(value) : value);
        }
        insert.run(...params);
      }
    },
  };
}
