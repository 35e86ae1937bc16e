import 'reflect-metadata';
import { loadConfig, StartupError } from './infrastructure/config/app-config';
import { openStorage } from './infrastructure/storage/storage';
import { READ_MODEL_PROJECTORS } from './projections/projectors';
import { rebuildReadModels } from './projections/rebuild-read-models';
import { READ_MODEL_SCHEMA } from './read-models/read-model.schema';

/**
 * `npm run rebuild-read-models`: drops every read model and replays the event store from
 * position 0, in SQLite files or on the PostgreSQL of `STACKYARD_DATABASE_URL`. Stop the
 * service first (every instance): it is the read models' only other writer.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { store, readModels, readModelsSetAside, leases } = await openStorage(
    config.dataDir,
    READ_MODEL_SCHEMA,
    config.database,
  );
  if (readModelsSetAside)
    process.stdout.write(
      `the read-model file was not a readable database: moved it to ${readModelsSetAside}\n`,
    );
  const started = process.hrtime.bigint();
  try {
    const { position } = await rebuildReadModels(
      store,
      readModels,
      READ_MODEL_PROJECTORS,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(
      `rebuilt read models from ${position} events in ${seconds.toFixed(2)} s (${Math.round(position / Math.max(seconds, 1e-9))} events/s)\n`,
    );
  } finally {
    await readModels.destroy();
    await leases?.close();
    await store.close();
  }
}

main().catch((error: unknown) => {
  const text = error instanceof StartupError ? error.message : String(error);
  process.stderr.write(`stackyard: rebuild failed: ${text}\n`);
  process.exit(1);
});
