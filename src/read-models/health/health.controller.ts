import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../../infrastructure/auth/public.decorator';
import {
  APP_CONFIG,
  type AppConfig,
} from '../../infrastructure/config/app-config';
import {
  STORE_WRITE_HEALTH,
  type StoreWriteHealth,
  type WriteHealth,
} from '../../infrastructure/event-store/event-store.port';
import { ShutdownState } from '../../infrastructure/http/draining';
import {
  READ_MODEL_PROGRESS,
  type ReadModelLag,
  type ReadModelProgress,
} from '../read-model-progress.port';
import type {
  HealthResource,
  LivenessResource,
  NotReadyReason,
  ReadinessResource,
} from './health.resource';
import { INSTANCE_JOBS, type InstanceJobs } from './instance-jobs.port';
import { STORE_ENGINE, type StoreEngine } from './store-engine.port';

/** Read models may trail the store by this many events and still count as caught up. */
export const MAX_READY_LAG = 1000;

/** What one readiness check found. */
interface Readiness {
  reasons: NotReadyReason[];
  store: WriteHealth;
  projections: ReadModelLag;
  projectorError: string | undefined;
}

/**
 * Liveness and readiness, apart, for a balancer in front of several instances: live while
 * the process answers HTTP, ready while it can take commands and answer reads that are
 * current (its store takes writes, its read models are caught up) and is not shutting
 * down. `GET /health` is readiness in its first shape.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
    @Inject(STORE_WRITE_HEALTH)
    private readonly store: StoreWriteHealth,
    @Inject(STORE_ENGINE) private readonly engine: StoreEngine,
    @Inject(INSTANCE_JOBS) private readonly jobs: InstanceJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly shutdown: ShutdownState,
  ) {}

  /** 200 while the process serves HTTP; it checks nothing else. */
  @Get('live')
  @Public()
  live(): LivenessResource {
    return { status: 'ok', instanceId: this.config.instanceId };
  }

  /** 200 when ready, 503 with the reasons when not. */
  @Get('ready')
  @Public()
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReadinessResource> {
    const check = await this.check();
    void reply.status(check.reasons.length === 0 ? 200 : 503);
    const { store, projections, projectorError } = check;
    const repoLeases = this.jobs.repoLeases();
    return {
      status: check.reasons.length === 0 ? 'ok' : 'unavailable',
      instanceId: this.config.instanceId,
      reasons: check.reasons,
      store: {
        engine: this.engine.engine,
        writable: store.writable,
        ...(store.writable ? {} : { error: storeError(store) }),
      },
      projections: {
        position: projections.position,
        head: projections.head,
        lag: projections.lag,
        maxLag: MAX_READY_LAG,
        writer: this.projections.writer,
        ...(projectorError !== undefined ? { error: projectorError } : {}),
      },
      leases: [...this.jobs.leases()],
      ...(repoLeases ? { repoLeases: [...repoLeases] } : {}),
    };
  }

  /**
   * Readiness as it was first answered (the same 200 or 503 as `/health/ready`), kept for
   * the clients and balancers that ask it.
   */
  @Get()
  @Public()
  async health(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthResource> {
    const { reasons, store, projections, projectorError } = await this.check();
    void reply.status(reasons.length === 0 ? 200 : 503);
    return {
      status: reasons.length === 0 ? 'ok' : 'unavailable',
      eventStore: store.writable ? 'open' : 'unavailable',
      ...(store.writable ? {} : { eventStoreError: storeError(store) }),
      projections: {
        position: projections.position,
        head: projections.head,
        lag: projections.lag,
        ...(projectorError !== undefined ? { error: projectorError } : {}),
      },
    };
  }

  private async check(): Promise<Readiness> {
    const store = await this.store.checkWritable();
    const projections = await this.projections.lag();
    const projectorError = this.projections.failure?.message;
    const reasons: NotReadyReason[] = [];
    if (!store.writable) reasons.push('store_unavailable');
    if (projectorError !== undefined) reasons.push('projector_stopped');
    if (projections.lag > MAX_READY_LAG) reasons.push('projections_behind');
    if (this.shutdown.draining) reasons.push('draining');
    return { reasons, store, projections, projectorError };
  }
}

function storeError(store: Extract<WriteHealth, { writable: false }>) {
  return {
    code: store.code,
    message: `cannot record events: ${store.reason}`,
    since: store.since,
  };
}
