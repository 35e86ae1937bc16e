import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { Pool } from 'pg';
import {
  type DatabaseConfig,
  StartupError,
  withoutPassword,
} from '../config/app-config';
import type {
  EventStore,
  StoreWriteHealth,
} from '../event-store/event-store.port';
import { PostgresEventStore } from '../event-store/postgres-event-store';
import { postgresStorageFailureOf } from '../event-store/postgres-storage-failure';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import type { LeaseStore } from '../leases/lease-store.port';
import { PostgresLeaseStore } from '../leases/postgres-lease-store';
import {
  openReadModelDataSource,
  readModelTarget,
  type ReadModelSchema,
} from '../read-model-db/read-model-data-source';

/** The service's durable state: the event store and the read-model database. */
export interface Storage {
  store: EventStore & StoreWriteHealth;
  readModels: DataSource;
  /**
   * Where instances sharing the database agree who runs what; absent on SQLite, where the
   * service runs as one instance and everything is its own.
   */
  leases?: SharedLeases;
}

/** Nest's token of the shared leases: `null` on SQLite. */
export const SHARED_LEASES = Symbol('SharedLeases');

/** The lease store of a shared database, and how to let its connections go. */
export interface SharedLeases {
  store: LeaseStore;
  close(): Promise<void>;
}

/** Storage as `openStorage` found it. */
export interface OpenedStorage extends Storage {
  /**
   * Where a read-model file SQLite could not read was moved before a new one was made; the
   * projection runner fills the new one from the store.
   */
  readModelsSetAside?: string;
}

export const EVENTS_FILE = 'events.sqlite';
export const READ_MODELS_FILE = 'read-models.sqlite';

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const message = String(e?.message ?? e);
  return e.code && !message.includes(e.code)
    ? `${e.code}: ${message}`
    : message;
}

/** Makes sure `dir` exists, is a directory and takes writes (a probe file, since root ignores modes). */
export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new StartupError(
      `data directory ${dir} is not a writable directory (${reason(error)})`,
    );
  }
}

/**
 * Opens the event store and the read models: in SQLite files under `dataDir`, or on the
 * shared PostgreSQL `database` when one is configured (the data dir then holds only the
 * clones, a cache). One clear error if they cannot be opened.
 */
export async function openStorage(
  dataDir: string,
  readModelSchema: ReadModelSchema,
  database?: DatabaseConfig,
): Promise<OpenedStorage> {
  prepareDataDir(dataDir);
  if (database) return openSharedStorage(database, readModelSchema);
  const eventsFile = join(dataDir, EVENTS_FILE);
  let store: SqliteEventStore;
  try {
    store = SqliteEventStore.open(eventsFile);
  } catch (error) {
    throw new StartupError(
      `event store ${eventsFile} cannot be opened (${reason(error)})`,
    );
  }
  const readModelsFile = join(dataDir, READ_MODELS_FILE);
  try {
    return {
      store,
      ...(await openReadModels(readModelsFile, readModelSchema)),
    };
  } catch (error) {
    await store.close();
    throw new StartupError(
      `read-model database ${readModelsFile} cannot be opened (${reason(error)}); it can be deleted and rebuilt with npm run rebuild-read-models`,
    );
  }
}

/**
 * The store, the read models and the leases in one schema of a PostgreSQL database. A
 * database that cannot be reached yet does not stop the store from opening (it reports
 * itself unavailable until the database answers); the read models wait for it, saying so
 * once in a while, so that a service started before its database comes up by itself.
 */
async function openSharedStorage(
  database: DatabaseConfig,
  readModelSchema: ReadModelSchema,
  waitLog: (line: string) => void = (line) =>
    process.stderr.write(`stackyard: ${line}\n`),
): Promise<OpenedStorage> {
  const where = `PostgreSQL at ${withoutPassword(database.url)} (schema ${database.schema})`;
  let store: PostgresEventStore;
  try {
    store = await PostgresEventStore.open(database.url, {
      schema: database.schema,
    });
  } catch (error) {
    throw new StartupError(
      `event store on ${where} cannot be opened (${reason(error)})`,
    );
  }
  const pool = new Pool({
    connectionString: database.url,
    max: 2,
    connectionTimeoutMillis: 5000,
    application_name: `stackyard-leases:${database.schema}`,
  });
  pool.on('error', () => undefined);
  try {
    let readModels: DataSource | undefined;
    let leases: LeaseStore | undefined;
    for (let waitMs = 500; ; waitMs = Math.min(waitMs * 2, 10_000)) {
      try {
        readModels ??= await openReadModelDataSource(
          readModelTarget(database.url, { schema: database.schema }),
          readModelSchema,
        );
        leases ??= await PostgresLeaseStore.open(pool, {
          schema: database.schema,
        });
        break;
      } catch (error) {
        if (!postgresStorageFailureOf(error)) throw error;
        waitLog(
          `${where} cannot be reached (${reason(error)}); trying again in ${waitMs} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    return {
      store,
      readModels,
      leases: { store: leases, close: () => pool.end() },
    };
  } catch (error) {
    await store.close();
    await pool.end();
    throw new StartupError(
      `read models on ${where} cannot be opened (${reason(error)})`,
    );
  }
}

/**
 * The read-model database, made anew when the file is not one SQLite can read (garbage, a
 * damaged page): the read models are a cache of the store, so the unusable file and its
 * WAL are moved aside (kept for a look, never read again) rather than stopping the service.
 * Any other failure (no access, no space) is the caller's, as a new file would fail alike.
 */
async function openReadModels(
  file: string,
  schema: ReadModelSchema,
): Promise<{ readModels: DataSource; readModelsSetAside?: string }> {
  try {
    return { readModels: await openReadModelDataSource(file, schema) };
  } catch (error) {
    if (!isUnreadableDatabase(error)) throw error;
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    // SQLite's own suffixes, so that the three files still open together.
    for (const suffix of ['', '-wal', '-shm'])
      if (existsSync(`${file}${suffix}`))
        renameSync(`${file}${suffix}`, `${aside}${suffix}`);
    return {
      readModels: await openReadModelDataSource(file, schema),
      readModelsSetAside: aside,
    };
  }
}

/** SQLITE_NOTADB, SQLITE_CORRUPT and its extended codes, also as TypeORM wraps them. */
function isUnreadableDatabase(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.code ?? e?.driverError?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
  );
}
