import type { DataSource } from 'typeorm';
import type { EventStore } from '../infrastructure/event-store/event-store.port';
import {
  connectReadModelDataSource,
  dropReadModelTables,
  type ReadModelSchema,
  type ReadModelTarget,
} from '../infrastructure/read-model-db/read-model-data-source';
import {
  type AnyProjector,
  ProjectionRunner,
  type ProjectionRunnerOptions,
} from './projection-runner';

/** Where to rebuild: a read-model database to open (and close after), not one already open. */
export interface ReadModelsToOpen {
  target: string | ReadModelTarget;
  schema: ReadModelSchema;
}

/**
 * Drops every read model (tables and checkpoints), recreates the schema and replays the
 * whole store from the first event. Returns the position reached. Takes an open data source
 * (left open), or where to open one (closed again when done): on SQLite the file is emptied
 * whole, on PostgreSQL only the read models' own tables go, whatever else the schema holds.
 */
export async function rebuildReadModels(
  store: EventStore,
  readModels: DataSource | ReadModelsToOpen,
  projectors: readonly AnyProjector[],
  options: ProjectionRunnerOptions = {},
): Promise<{ position: number }> {
  if (!isOpenOptions(readModels))
    return replay(store, readModels, projectors, options);
  // Connect without migrating: the tables are dropped first, whatever state they are in.
  const dataSource = await connectReadModelDataSource(
    readModels.target,
    readModels.schema,
  );
  try {
    return await replay(store, dataSource, projectors, options);
  } finally {
    await dataSource.destroy();
  }
}

function isOpenOptions(
  readModels: DataSource | ReadModelsToOpen,
): readModels is ReadModelsToOpen {
  return 'target' in readModels && 'schema' in readModels;
}

async function replay(
  store: EventStore,
  dataSource: DataSource,
  projectors: readonly AnyProjector[],
  options: ProjectionRunnerOptions,
): Promise<{ position: number }> {
  await dropReadModelTables(dataSource);
  await dataSource.runMigrations();
  const runner = new ProjectionRunner(store, dataSource, projectors, options);
  await runner.init();
  const position = await runner.catchUp();
  return { position };
}
