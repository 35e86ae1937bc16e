import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApp } from './app.factory';
import {
  loadConfig,
  StartupError,
  unknownSettings,
} from './infrastructure/config/app-config';
import { removeStaleLocks } from './infrastructure/git/stale-locks';
import { openStorage } from './infrastructure/storage/storage';
import { READ_MODEL_SCHEMA } from './read-models/read-model.schema';

async function main(): Promise<void> {
  const config = loadConfig();
  const storage = await openStorage(
    config.dataDir,
    READ_MODEL_SCHEMA,
    config.database,
  );
  // A run that ended with its git processes killed mid-update (a power loss, a killed
  // process group) leaves their locks in the clones, and git would refuse every later
  // update there. Nothing in this process runs git before the app starts its job runner.
  const staleLocks = await removeStaleLocks(join(config.dataDir, 'repos'));
  const app = await createApp(config, storage);
  const logger = new Logger('Stackyard');
  for (const warning of unknownSettings()) logger.warn(warning);
  if (staleLocks.length > 0)
    logger.warn(
      `removed ${staleLocks.length} git lock file(s) left by a process that died: ${staleLocks.join(', ')}`,
    );
  if (storage.readModelsSetAside)
    logger.warn(
      `the read-model file was not a readable database: moved it to ${storage.readModelsSetAside}; the read models are rebuilt from the event store`,
    );
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    // A port taken or not allowed: the runners have started, so stop them cleanly first.
    await app.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      `cannot listen on ${config.host} port ${config.port}: ${reason.replace(/\s+/g, ' ')}`,
    );
  }
  logger.log(`listening on ${boundUrl(app.getHttpServer().address())}`);
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

/** The address the server is bound to, as it is (`0.0.0.0` included). */
function boundUrl(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') return String(address);
  const host =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
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
