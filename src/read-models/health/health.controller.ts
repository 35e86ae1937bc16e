import { Controller, Get, Res, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../../infrastructure/auth/public.decorator';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';

/** Read models may trail the store by this many events and still count as caught up. */
export const MAX_READY_LAG = 1000;

@Controller('health')
export class HealthController {
  constructor(
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  /** 200 when the store answers and the read models are caught up; 503 otherwise. */
  @Get()
  @Public()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const projections = await this.projections.lag();
    const failed = this.projections.failure;
    const ready = !failed && projections.lag <= MAX_READY_LAG;
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ok' : 'unavailable',
      eventStore: 'open',
      projections: {
        ...projections,
        ...(failed ? { error: failed.message } : {}),
      },
    };
  }
}
