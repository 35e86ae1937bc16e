import { DataSource } from 'typeorm';
import { JobEntity } from '../../read-models/job/job.entity';
import { ProjectionCheckpointEntity } from '../../read-models/projection-checkpoint.entity';
import { HistoryEntity } from '../../read-models/history/history.entity';
import { RepoEntity } from '../../read-models/repo/repo.entity';
import { TaskEntity } from '../../read-models/task/task.entity';
import { InitialReadModels1732406400000 } from './migrations/1732406400000-initial-read-models';
import { ReposAndHistory1764000000000 } from './migrations/1764000000000-repos-and-history';
import { Tasks1764200000000 } from './migrations/1764200000000-tasks';

export const READ_MODEL_ENTITIES = [
  ProjectionCheckpointEntity,
  JobEntity,
  RepoEntity,
  HistoryEntity,
  TaskEntity,
];
export const READ_MODEL_MIGRATIONS = [
  InitialReadModels1732406400000,
  ReposAndHistory1764000000000,
  Tasks1764200000000,
];

/**
 * The read models live in their own SQLite file beside the event store (see README,
 * "Storage"): the projector is its only writer, so it never waits for the store's writer and
 * the store's writer never waits for it. Everything in it can be rebuilt from the store, so it
 * commits with synchronous=NORMAL.
 */
export function createReadModelDataSource(fileName: string): DataSource {
  return new DataSource({
    type: 'better-sqlite3',
    database: fileName,
    entities: READ_MODEL_ENTITIES,
    migrations: READ_MODEL_MIGRATIONS,
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
): Promise<DataSource> {
  const dataSource = createReadModelDataSource(fileName);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
