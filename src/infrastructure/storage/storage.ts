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
import { StartupError } from '../config/app-config';
import type {
  EventStore,
  StoreWriteHealth,
} from '../event-store/event-store.port';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import {
  openReadModelDataSource,
  type ReadModelSchema,
} from '../read-model-db/read-model-data-source';

/** The service's durable state: the event store and the read-model database. */
export interface Storage {
  store: EventStore & StoreWriteHealth;
  readModels: DataSource;
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

/** Opens the event store and the read models under `dataDir`; one clear error if it cannot. */
export async function openStorage(
  dataDir: string,
  readModelSchema: ReadModelSchema,
): Promise<OpenedStorage> {
  prepareDataDir(dataDir);
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
