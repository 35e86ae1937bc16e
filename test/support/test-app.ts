import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { FINAL_JOB_EVENTS } from '../../src/domain/events/stackyard-event';
import {
  type AppConfig,
  loadConfig,
} from '../../src/infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../src/infrastructure/event-store/event-store.port';
import { openStorage } from '../../src/infrastructure/storage/storage';
import { ProjectionRunnerService } from '../../src/projections/projection-runner.service';
import {
  API_DOCUMENT,
  type ApiDocument,
} from '../../src/read-models/docs/api-document.token';
import type { JobResource } from '../../src/read-models/job/job.resource';
import { READ_MODEL_SCHEMA } from '../../src/read-models/read-model.schema';
import { ApiContract, checkResponses } from './api-contract';

/**
 * The whole app, in process, on a real data dir, listening on a free loopback port. Every
 * response it sends is checked against the OpenAPI document it serves (see `api-contract`).
 */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly dataDir: string,
  ) {}

  static async start(
    /** A temporary folder when none is given; removed again if the app does not start. */
    dataDir?: string,
    env: Record<string, string> = {},
    /** 0 picks a free one; a restart test passes the previous app's port to keep its URL. */
    port = 0,
    /** Where the log lines go, and from which level (by default only errors, nowhere). */
    logs: {
      destination?: DestinationStream;
      level?: AppConfig['logLevel'];
    } = {},
  ): Promise<TestApp> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'stackyard-e2e-'));
    try {
      const config = {
        ...loadConfig({ STACKYARD_DATA_DIR: dir, ...env }),
        logLevel: logs.level ?? ('error' as const),
      };
      const app = await createApp(
        config,
        await openStorage(dir, READ_MODEL_SCHEMA),
        logs.destination ? { logDestination: logs.destination } : {},
      );
      checkResponses(
        app.getHttpAdapter().getInstance(),
        ApiContract.of(app.get<ApiDocument>(API_DOCUMENT)),
      );
      await app.listen(port, '127.0.0.1');
      return new TestApp(app, dir);
    } catch (error) {
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get store(): EventStore {
    return this.app.get<EventStore>(EVENT_STORE);
  }

  http(): ReturnType<typeof request> {
    return request(this.app.getHttpServer());
  }

  /**
   * Resolves with a job's final event once it is in the store and in the read models:
   * awaits the event itself, never a fixed time.
   */
  async jobEnd(jobId: string): Promise<RecordedEvent> {
    const end = await this.firstEvent(
      (e) =>
        e.streamId === `repo-action-${jobId}` && FINAL_JOB_EVENTS.has(e.type),
    );
    await this.app
      .get(ProjectionRunnerService)
      .runner.waitForPosition(end.globalPosition);
    return end;
  }

  /** Resolves once a task's attach outcome is in the store and in the read models. */
  async taskSettled(taskId: string): Promise<RecordedEvent> {
    const end = await this.firstEvent(
      (e) =>
        e.streamId === `task-${taskId}` &&
        (e.type === 'TaskBranchAttached' ||
          e.type === 'TaskBranchAttachFailed'),
    );
    await this.app
      .get(ProjectionRunnerService)
      .runner.waitForPosition(end.globalPosition);
    return end;
  }

  /** The first event (from the start of the store) that matches. */
  async firstEvent(
    match: (e: RecordedEvent) => boolean,
  ): Promise<RecordedEvent> {
    const subscription = this.store.subscribe({ fromPosition: 1 });
    try {
      for await (const batch of subscription) {
        const found = batch.find(match);
        if (found) return found;
      }
    } finally {
      subscription.close();
    }
    throw new Error('the store closed before the event came');
  }

  async job(jobId: string, auth?: string): Promise<JobResource> {
    const req = this.http().get(`/jobs/${jobId}`);
    if (auth) void req.set('authorization', `Bearer ${auth}`);
    const res = await req.expect(200);
    return res.body as JobResource;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  dispose(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * A git that holds every `<command>` (e.g. push) until the gate is opened: a way to catch a
 * job mid-step, deterministically. Everything else runs at once.
 */
export class GatedGit {
  readonly bin: string;
  private readonly gate: string;

  constructor(dir: string, command: 'fetch' | 'push') {
    this.bin = join(dir, `gated-git-${command}`);
    this.gate = join(dir, `gate-${command}`);
    writeFileSync(
      this.bin,
      `#!/bin/sh
for a in "$@"; do
  if [ "$a" = "${command}" ]; then
    # Waits for the gate, or gives up when the test's folder is gone.
    while [ ! -e "${this.gate}" ] && [ -e "${this.bin}" ]; do sleep 0.02; done
    break
  fi
done
exec git "$@"
`,
    );
    chmodSync(this.bin, 0o755);
  }

  open(): void {
    writeFileSync(this.gate, '');
  }
}
