import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { createApp } from './app.factory';
import { loadConfig, StartupError } from './infrastructure/config/app-config';
import { removeStaleLocks } from './infrastructure/git/stale-locks';
import { openStorage } from './infrastructure/storage/storage';
import { READ_MODEL_SCHEMA } from './read-models/read-model.schema';

async function main(): Promise<void> {
  const config = loadConfig();
  const storage = await openStorage(config.dataDir, READ_MODEL_SCHEMA);
  // A run that ended with its git processes killed mid-update (a power loss, a killed
  // process group) leaves their locks in the clones, and git would refuse every later
  // update there. Nothing in this process runs git before the app starts its job runner.
  const staleLocks = await removeStaleLocks(join(config.dataDir, 'repos'));
  const app = await createApp(config, storage);
  const logger = new Logger('Stackyard');
  if (staleLocks.length > 0)
    logger.warn(
      `removed ${staleLocks.length} git lock file(s) left by a process that died: ${staleLocks.join(', ')}`,
    );
  if (storage.readModelsSetAside)
    logger.warn(
      `the read-model file was not a readable database: moved it to ${storage.readModelsSetAside}; the read models are rebuilt from the event store`,
    );
  await app.listen(config.port, config.host);
  logger.log(`listening on ${await app.getUrl()}`);
  // Nest's own shutdown hooks re-raise the signal after closing, so the process would end
  // "killed by SIGTERM"; a graceful stop should end with status 0 instead.
  const stop = (signal: NodeJS.Signals) => {
    new Logger('Stackyard').log(`${signal} received: shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stackyard: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  // One line a person can act on, and a non-zero exit; the stack only for the unexpected.
  const text =
    error instanceof StartupError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`stackyard: cannot start: ${text}\n`);
  process.exit(1);
});
