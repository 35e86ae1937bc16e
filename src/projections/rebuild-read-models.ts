import type { DataSource } from 'typeorm';
import type { EventStore } from '../infrastructure/event-store/event-store.port';
import {
  type AnyProjector,
  ProjectionRunner,
  type ProjectionRunnerOptions,
} from './projection-runner';

/**
 * Drops every read model (tables and checkpoints), recreates the schema and replays the
 * whole store from the first event. Returns the position reached and the events read.
 */
export async function rebuildReadModels(
  store: EventStore,
  dataSource: DataSource,
  projectors: readonly AnyProjector[],
  options: ProjectionRunnerOptions = {},
): Promise<{ position: number }> {
  await dataSource.dropDatabase();
  await dataSource.runMigrations();
  const runner = new ProjectionRunner(store, dataSource, projectors, options);
  await runner.init();
  const position = await runner.catchUp();
  return { position };
}
