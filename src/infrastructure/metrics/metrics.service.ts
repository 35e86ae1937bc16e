import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import type { JobStep } from '../../domain/events/job.events';

/**
 * The service's Prometheus metrics, in a registry of its own (so that two apps in one
 * process, as in tests, never share counters).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'stackyard_http_request_duration_seconds',
    help: 'HTTP request latency by route; the accept latency is route="/repos/:repoId/actions"',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  readonly queueWait = new Histogram({
    name: 'stackyard_job_queue_wait_seconds',
    help: 'Time from a job request to its first start',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  readonly stepDuration = new Histogram({
    name: 'stackyard_job_step_duration_seconds',
    help: 'Duration of each job step',
    labelNames: ['step'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
    registers: [this.registry],
  });

  readonly jobOutcomes = new Counter({
    name: 'stackyard_job_outcomes_total',
    help: 'Job attempts by outcome (completed, error, cancelled, retry)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly projectionLag = new Gauge({
    name: 'stackyard_projection_lag_events',
    help: 'Events committed to the store and not yet in the read models',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'stackyard_' });
  }

  /** The runner's metric hooks. */
  jobMetrics() {
    return {
      queueWait: (seconds: number) => this.queueWait.observe(seconds),
      stepDuration: (step: JobStep, seconds: number) =>
        this.stepDuration.observe({ step }, seconds),
      outcome: (outcome: string) => this.jobOutcomes.inc({ outcome }),
    };
  }
}
