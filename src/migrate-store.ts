import 'reflect-metadata';
import { join } from 'node:path';
import {
  loadConfig,
  StartupError,
  withoutPassword,
} from './infrastructure/config/app-config';
import {
  MigrationRefusedError,
  migrateSqliteToPostgres,
} from './infrastructure/event-store/migrate-sqlite-to-postgres';
import { PostgresEventStore } from './infrastructure/event-store/postgres-event-store';
import { carryDeliveryCursors } from './infrastructure/read-model-db/carry-delivery-cursors';
import { readModelTarget } from './infrastructure/read-model-db/read-model-data-source';
import {
  EVENTS_FILE,
  READ_MODELS_FILE,
} from './infrastructure/storage/storage';
import { READ_MODEL_PROJECTORS } from './projections/projectors';
import { rebuildReadModels } from './projections/rebuild-read-models';
import { READ_MODEL_SCHEMA } from './read-models/read-model.schema';

const out = (line: string) => process.stdout.write(`${line}\n`);

const USAGE =
  'usage: npm run migrate-store [-- --from <events.sqlite>] [--batch-size <n>]';

/** The command line: `--from <file>` (default `<data dir>/events.sqlite`) and `--batch-size`. */
function parseArgs(args: readonly string[]): {
  from?: string;
  batchSize?: number;
} {
  const parsed: { from?: string; batchSize?: number } = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string?];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '')
        throw new StartupError(`${flag} needs a value; ${USAGE}`);
      return v;
    };
    if (flag === '--help' || flag === '-h') {
      out(USAGE);
      process.exit(0);
    } else if (flag === '--from') parsed.from = value();
    else if (flag === '--batch-size') {
      const text = value();
      const n = Number(text);
      if (!/^\d+$/.test(text) || n < 1 || n > 50_000)
        throw new StartupError(
          `--batch-size ${text} is not valid: expected an integer from 1 to 50000`,
        );
      parsed.batchSize = n;
    } else throw new StartupError(`unknown argument ${args[i]}; ${USAGE}`);
  }
  return parsed;
}

/**
 * `npm run migrate-store`: copies the SQLite event history (`<STACKYARD_DATA_DIR>/events.sqlite`,
 * or `--from <file>`) into the empty PostgreSQL store of `STACKYARD_DATABASE_URL` and
 * `STACKYARD_DATABASE_SCHEMA`, verifies the copy and rebuilds the read models there from
 * it. Stop the service first (every instance, on SQLite and on PostgreSQL): the copy is of
 * the history as it was when the copy began.
 */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const database = config.database;
  if (!database)
    throw new StartupError(
      'STACKYARD_DATABASE_URL is not set: it names the PostgreSQL database to migrate to',
    );
  const sourceFile = args.from ?? join(config.dataDir, EVENTS_FILE);
  const where = `PostgreSQL at ${withoutPassword(database.url)} (schema ${database.schema})`;
  out(`migrating ${sourceFile} to ${where}`);

  const migrated = await migrateSqliteToPostgres({
    sourceFile,
    url: database.url,
    schema: database.schema,
    ...(args.batchSize === undefined ? {} : { batchSize: args.batchSize }),
    log: out,
  });

  out('rebuilding the read models from the copy');
  const rebuildStarted = process.hrtime.bigint();
  const store = await PostgresEventStore.open(database.url, {
    schema: database.schema,
    applicationName: `stackyard-migrate-store:${database.schema}`,
  });
  let position: number;
  try {
    // The store itself must hand out the position after the last copied one.
    const head = await store.headPosition();
    if (head !== migrated.lastPosition)
      throw new Error(
        `the events are copied and verified, but the PostgreSQL store reports its head at ${head}, not at the last copied position ${migrated.lastPosition}`,
      );
    const target = readModelTarget(database.url, { schema: database.schema });
    try {
      ({ position } = await rebuildReadModels(
        store,
        { target, schema: READ_MODEL_SCHEMA },
        READ_MODEL_PROJECTORS,
      ));
      // The webhook subscriptions' checkpoints are no read model: carried over, not rebuilt.
      const carried = await carryDeliveryCursors(
        join(config.dataDir, READ_MODELS_FILE),
        target,
        READ_MODEL_SCHEMA,
      );
      if (carried > 0)
        out(`carried the delivery checkpoints of ${carried} subscription(s)`);
    } catch (error) {
      throw new Error(
        `the events are copied and verified, but rebuilding the read models failed (run npm run rebuild-read-models with the same settings): ${String(error)}`,
      );
    }
  } finally {
    await store.close();
  }
  const rebuildSeconds = Number(process.hrtime.bigint() - rebuildStarted) / 1e9;
  const { events, streams, seconds } = migrated;
  out(
    `migrated ${events} events of ${streams} streams in ${seconds.toFixed(2)} s (${Math.round(events / Math.max(seconds, 1e-9))} events/s); ` +
      `read models rebuilt to position ${position} in ${rebuildSeconds.toFixed(2)} s; ` +
      `appends continue at position ${migrated.lastPosition + 1}`,
  );
}

main().catch((error: unknown) => {
  const refused = error instanceof MigrationRefusedError;
  let text = error instanceof Error ? error.message : String(error);
  const url = process.env.STACKYARD_DATABASE_URL;
  if (url) text = text.split(url).join(withoutPassword(url));
  process.stderr.write(
    `stackyard: migrate-store ${refused ? 'refused' : 'failed'}: ${text.replace(/\s*\n\s*/g, ' ')}\n`,
  );
  process.exit(1);
});
