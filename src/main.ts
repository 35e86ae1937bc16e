import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { loadConfig, StartupError } from './infrastructure/config/app-config';
import { openStorage } from './infrastructure/storage/storage';
import { READ_MODEL_SCHEMA } from './read-models/read-model.schema';

async function main(): Promise<void> {
  const config = loadConfig();
  const storage = await openStorage(config.dataDir, READ_MODEL_SCHEMA);
  const app = await createApp(config, storage);
  await app.listen(config.port, config.host);
  new Logger('Stackyard').log(`listening on ${await app.getUrl()}`);
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
