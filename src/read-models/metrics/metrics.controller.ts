import { Controller, Get, Header, Inject } from '@nestjs/common';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { Public } from '../../infrastructure/auth/public.decorator';
import { MetricsService } from '../../infrastructure/metrics/metrics.service';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  /** Prometheus text format. Public, like /health: it names no org's data. */
  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    this.metrics.projectionLag.set((await this.projections.lag()).lag);
    return this.metrics.registry.metrics();
  }
}
