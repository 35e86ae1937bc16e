import { Controller, Get, Header } from '@nestjs/common';
import { ProjectionRunnerService } from '../../projections/projection-runner.service';
import { Public } from '../auth/public.decorator';
import { MetricsService } from './metrics.service';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly projections: ProjectionRunnerService,
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
