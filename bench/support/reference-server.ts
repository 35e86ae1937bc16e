import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { v7 as uuidv7 } from 'uuid';
import { requestMetadata } from '../../src/domain/request-metadata';
import { jobStream, repoStream } from '../../src/domain/streams';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { openReadModelDataSource } from '../../src/infrastructure/read-model-db/read-model-data-source';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { READ_MODEL_PROJECTORS } from '../../src/projections/projectors';
import { READ_MODEL_SCHEMA } from '../../src/read-models/read-model.schema';

/**
 * The references of `bench:accept`, each a bare Nest + Fastify route behind the same HTTP
 * stack as the service: `append` does nothing but the same group-committed durable append;
 * `projected` the same append of the service's own event (its data and metadata, to a job
 * stream of a registered repo) followed live by the service's projection runner writing
 * every read model to a read-model file beside it, as the service does, and nothing else (no
 * auth, validation, decision, log line, metrics or runner bookkeeping): the floor of a
 * request that is appended and projected; `bullmq` does nothing but `queue.add` on Redis.
 * Run as `node reference-server.js <mode> <port> <data dir>`.
 */
async function main(): Promise<void> {
  const [mode, port, dataDir] = process.argv.slice(2);
  let handle: () => Promise<object>;
  if (mode === 'append') {
    // In the bench's own folder, which it removes when it ends.
    mkdirSync(dataDir!, { recursive: true });
    const store = SqliteEventStore.open(join(dataDir!, 'events.sqlite'));
    handle = async () => {
      const jobId = uuidv7();
      await store.appendToStream(
        `repo-action-${jobId}`,
        [
          {
            type: 'RepoActionRequested',
            data: { jobId, action: 'restack_repo' },
          },
        ],
        { expectedVersion: 'no_stream' },
      );
      return { jobId, status: 'queued' };
    };
  } else if (mode === 'projected') {
    mkdirSync(dataDir!, { recursive: true });
    const store = SqliteEventStore.open(join(dataDir!, 'events.sqlite'));
    const readModels = await openReadModelDataSource(
      join(dataDir!, 'read-models.sqlite'),
      READ_MODEL_SCHEMA,
    );
    const runner = new ProjectionRunner(
      store,
      readModels,
      READ_MODEL_PROJECTORS,
    );
    await runner.init();
    runner.start();
    const orgId = 'default';
    const repoId = 'reference';
    await store.appendToStream(
      repoStream(repoId),
      [
        {
          type: 'RepoRegistered',
          data: {
            repoId,
            orgId,
            name: 'reference',
            remoteUrl: 'file:///reference.git',
            trunk: 'main',
          },
          metadata: requestMetadata({
            orgId,
            repoId,
            correlationId: uuidv7(),
            at: new Date().toISOString(),
          }),
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    handle = async () => {
      const jobId = uuidv7();
      await store.appendToStream(
        jobStream(jobId),
        [
          {
            type: 'RepoActionRequested',
            data: { jobId, orgId, repoId, action: 'restack_repo' },
            metadata: requestMetadata({
              orgId,
              repoId,
              correlationId: uuidv7(),
              jobId,
              at: new Date().toISOString(),
            }),
          },
        ],
        { expectedVersion: 'no_stream' },
      );
      return { jobId, status: 'queued' };
    };
  } else if (mode === 'bullmq') {
    const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const queue = new Queue('stackyard-bench', {
      connection: { host: url.hostname, port: Number(url.port || 6379) },
      defaultJobOptions: { removeOnComplete: true },
    });
    await queue.obliterate({ force: true }).catch(() => undefined);
    handle = async () => {
      const job = await queue.add('restack_repo', { action: 'restack_repo' });
      return { jobId: job.id, status: 'queued' };
    };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }

  @Controller('enqueue')
  class EnqueueController {
    @Post()
    @HttpCode(202)
    enqueue(): Promise<object> {
      return handle();
    }
  }
  @Module({ controllers: [EnqueueController] })
  class ReferenceModule {}

  const app = await NestFactory.create<NestFastifyApplication>(
    ReferenceModule,
    new FastifyAdapter({ bodyLimit: 64 * 1024 }),
    { logger: false },
  );
  await app.listen(Number(port), '127.0.0.1');
  process.stdout.write('listening\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
