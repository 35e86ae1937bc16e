import { Controller, Get, Res, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../../infrastructure/auth/public.decorator';
import {
  STORE_WRITE_HEALTH,
  type StoreWriteHealth,
} from '../../infrastructure/event-store/event-store.port';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import type { HealthResource } from './health.resource';

/** Read models may trail the store by this many events and still count as caught up. */
export const MAX_READY_LAG = 1000;

@Controller('health')
export class HealthController {
  constructor(
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
    @Inject(STORE_WRITE_HEALTH)
    private readonly store: StoreWriteHealth,
  ) {}

  /**
   * 200 when the store takes writes and the read models are caught up; 503 otherwise, so
   * that a balancer stops sending commands that could only fail.
   */
  @Get()
  @Public()
  async health(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthResource> {
    const store = await this.store.checkWritable();
    const projections = await this.projections.lag();
    const failed = this.projections.failure;
    const ready = store.writable && !failed && projections.lag <= MAX_READY_LAG;
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ok' : 'unavailable',
      eventStore: store.writable ? 'open' : 'unavailable',
      ...(store.writable
        ? {}
        : {
            eventStoreError: {
              code: store.code,
              message: `cannot record events: ${store.reason}`,
              since: store.since,
            },
          }),
      projections: {
        ...projections,
        ...(failed ? { error: failed.message } : {}),
      },
    };
  }
}
