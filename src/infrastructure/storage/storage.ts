import {
  accessSync,
  constants,
  mkdirSync,
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
): Promise<Storage> {
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
    const readModels = await openReadModelDataSource(
      readModelsFile,
      readModelSchema,
    );
    return { store, readModels };
  } catch (error) {
    await store.close();
    throw new StartupError(
      `read-model database ${readModelsFile} cannot be opened (${reason(error)}); it can be deleted and rebuilt with npm run rebuild-read-models`,
    );
  }
}
