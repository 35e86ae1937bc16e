import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import type { JobStep } from '../../domain/events/job.events';

/** Default metrics of prom-client that are gauges with a counter's `_total` suffix. */
const NON_CONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

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
    help: 'Job attempts by outcome (completed, error, cancelled, retry), action and error code (empty unless error or retry)',
    labelNames: ['outcome', 'action', 'code'] as const,
    registers: [this.registry],
  });

  readonly jobsQueued = new Gauge({
    name: 'stackyard_jobs_queued',
    help: 'Jobs accepted and waiting for a turn: not started yet, or waiting for a retry (status queued)',
    registers: [this.registry],
  });

  readonly jobsRunning = new Gauge({
    name: 'stackyard_jobs_running',
    help: "Jobs this instance's runner is running now",
    registers: [this.registry],
  });

  readonly leaseTakeovers = new Counter({
    name: 'stackyard_job_lease_takeovers_total',
    help: 'Jobs this instance took over from another instance whose lease had expired',
    registers: [this.registry],
  });

  readonly claimConflicts = new Counter({
    name: 'stackyard_job_claim_conflicts_total',
    help: 'Claims of a job lost to another writer of its stream',
    registers: [this.registry],
  });

  readonly cloneCacheBytes = new Gauge({
    name: 'stackyard_clone_cache_bytes',
    help: "Bytes this instance's repository clones take on disk, as last measured",
    registers: [this.registry],
  });

  readonly cloneEvictions = new Counter({
    name: 'stackyard_clone_cache_evictions_total',
    help: 'Clones evicted, least recently used first, to keep the clone cache within STACKYARD_CLONE_CACHE_BYTES',
    registers: [this.registry],
  });

  readonly projectionLag = new Gauge({
    name: 'stackyard_projection_lag_events',
    help: 'Events committed to the store and not yet in the read models',
    registers: [this.registry],
  });

  constructor() {
    // The standard process_* and nodejs_* names, as dashboards expect them, but for three
    // gauges named like counters (`_total`), which Prometheus's conventions (and promtool)
    // refuse: their totals are sum(nodejs_active_handles), and so on.
    collectDefaultMetrics({ register: this.registry });
    for (const name of NON_CONFORMING_DEFAULTS)
      this.registry.removeSingleMetric(name);
  }

  /** The clone cache's metric hooks. */
  cloneCacheMetrics() {
    return {
      cacheBytes: (total: number) => this.cloneCacheBytes.set(total),
      evicted: () => this.cloneEvictions.inc(),
    };
  }

  /** The runner's metric hooks. */
  jobMetrics() {
    return {
      queueWait: (seconds: number) => this.queueWait.observe(seconds),
      stepDuration: (step: JobStep, seconds: number) =>
        this.stepDuration.observe({ step }, seconds),
      outcome: (outcome: string, labels: { action: string; code: string }) =>
        this.jobOutcomes.inc({ outcome, ...labels }),
      jobsQueued: (count: number) => this.jobsQueued.set(count),
      jobsRunning: (count: number) => this.jobsRunning.set(count),
      leaseTakeover: () => this.leaseTakeovers.inc(),
      claimConflict: () => this.claimConflicts.inc(),
    };
  }
}
