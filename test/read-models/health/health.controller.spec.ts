import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../../../src/infrastructure/config/app-config';
import type { WriteHealth } from '../../../src/infrastructure/event-store/event-store.port';
import { ShutdownState } from '../../../src/infrastructure/http/draining';
import {
  HealthController,
  MAX_READY_LAG,
} from '../../../src/read-models/health/health.controller';
import {
  HealthResource,
  LivenessResource,
  ReadinessResource,
} from '../../../src/read-models/health/health.resource';
import type { JobLeaseView } from '../../../src/read-models/health/instance-jobs.port';
import { storeEngineOf } from '../../../src/read-models/health/store-engine.port';
import type {
  ReadModelLag,
  ReadModelProgress,
} from '../../../src/read-models/read-model-progress.port';

const FULL: WriteHealth = {
  writable: false,
  code: 'SQLITE_FULL',
  reason: 'database or disk is full',
  since: '2026-01-01T00:00:00.000Z',
};
const LEASE: JobLeaseView = {
  jobId: '0190a0a0-0000-7000-8000-000000000001',
  action: 'restack_repo',
  attempt: 2,
  since: '2026-01-01T00:00:01.000Z',
};

describe('the health routes', () => {
  let store: WriteHealth;
  let lag: ReadModelLag;
  let failure: Error | undefined;
  let leases: JobLeaseView[];
  let repoLeases: string[] | undefined;
  let writer: boolean;
  let shutdown: ShutdownState;

  beforeEach(() => {
    store = { writable: true };
    lag = { position: 40, head: 42, lag: 2 };
    failure = undefined;
    leases = [];
    repoLeases = undefined;
    writer = true;
    shutdown = new ShutdownState();
  });

  const controller = () =>
    new HealthController(
      {
        lag: () => Promise.resolve(lag),
        get failure() {
          return failure;
        },
        get writer() {
          return writer;
        },
      } as ReadModelProgress,
      { checkWritable: () => Promise.resolve(store) },
      storeEngineOf({ engine: 'sqlite' }),
      { leases: () => leases, repoLeases: () => repoLeases },
      { instanceId: 'node-a:7' } as AppConfig,
      shutdown,
    );

  /** Calls a route and returns its status and its body, checked against its schema. */
  async function call<T>(
    route: 'ready' | 'health',
    schema: { parse(body: unknown): T },
  ): Promise<{ status: number; body: T }> {
    let status = 200;
    const reply = {
      status: (code: number) => {
        status = code;
        return reply;
      },
    } as unknown as FastifyReply;
    const body: unknown = await controller()[route](reply);
    return { status, body: schema.parse(body) };
  }
  const ready = () => call('ready', ReadinessResource);
  const health = () => call('health', HealthResource);

  it('is live with the instance id, whatever else is wrong', () => {
    store = FULL;
    failure = new Error('projector broke');
    shutdown.draining = true;
    expect(LivenessResource.parse(controller().live())).toEqual({
      status: 'ok',
      instanceId: 'node-a:7',
    });
  });

  it('is ready when the store takes writes and the read models are caught up, and says who it is, on what store, how far behind, holding what', async () => {
    leases = [LEASE];
    expect(await ready()).toEqual({
      status: 200,
      body: {
        status: 'ok',
        instanceId: 'node-a:7',
        reasons: [],
        store: { engine: 'sqlite', writable: true },
        projections: {
          position: 40,
          head: 42,
          lag: 2,
          maxLag: MAX_READY_LAG,
          writer: true,
        },
        leases: [LEASE],
      },
    });
    expect(await health()).toEqual({
      status: 200,
      body: {
        status: 'ok',
        eventStore: 'open',
        projections: { position: 40, head: 42, lag: 2 },
      },
    });
  });

  it('names, with a shared database, the repos whose leases it holds and whether it writes the read models', async () => {
    repoLeases = ['repo-a', 'repo-b'];
    writer = false;
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body.repoLeases).toEqual(['repo-a', 'repo-b']);
    expect(body.projections.writer).toBe(false);
    repoLeases = undefined;
    expect((await ready()).body).not.toHaveProperty('repoLeases');
  });

  it('is ready with read models exactly the bound behind, and not one event more', async () => {
    lag = { position: 0, head: MAX_READY_LAG, lag: MAX_READY_LAG };
    expect((await ready()).status).toBe(200);
    lag = { position: 0, head: MAX_READY_LAG + 1, lag: MAX_READY_LAG + 1 };
    expect(await ready()).toMatchObject({
      status: 503,
      body: { status: 'unavailable', reasons: ['projections_behind'] },
    });
    expect(await health()).toMatchObject({
      status: 503,
      body: { status: 'unavailable', eventStore: 'open' },
    });
  });

  it('is not ready while the store takes no writes, and says why', async () => {
    store = FULL;
    expect(await ready()).toMatchObject({
      status: 503,
      body: {
        reasons: ['store_unavailable'],
        store: {
          engine: 'sqlite',
          writable: false,
          error: {
            code: 'SQLITE_FULL',
            message: 'cannot record events: database or disk is full',
            since: FULL.since,
          },
        },
      },
    });
    expect(await health()).toMatchObject({
      status: 503,
      body: {
        eventStore: 'unavailable',
        eventStoreError: { code: 'SQLITE_FULL' },
      },
    });
  });

  it('is not ready while the projector is stopped', async () => {
    failure = new Error('disk I/O error');
    expect(await ready()).toMatchObject({
      status: 503,
      body: {
        reasons: ['projector_stopped'],
        projections: { error: 'disk I/O error' },
      },
    });
    expect(await health()).toMatchObject({
      status: 503,
      body: { projections: { error: 'disk I/O error' } },
    });
  });

  it('is not ready while it drains', async () => {
    shutdown.draining = true;
    expect(await ready()).toMatchObject({
      status: 503,
      body: { reasons: ['draining'] },
    });
    expect((await health()).status).toBe(503);
  });

  it('gives every reason at once', async () => {
    store = FULL;
    failure = new Error('stopped');
    lag = { position: 0, head: 5000, lag: 5000 };
    shutdown.draining = true;
    expect((await ready()).body.reasons).toEqual([
      'store_unavailable',
      'projector_stopped',
      'projections_behind',
      'draining',
    ]);
  });

  it("names the store's engine as its adapter does, or unknown", () => {
    expect(storeEngineOf({ engine: 'postgres' })).toEqual({
      engine: 'postgres',
    });
    expect(storeEngineOf({})).toEqual({ engine: 'unknown' });
  });
});
