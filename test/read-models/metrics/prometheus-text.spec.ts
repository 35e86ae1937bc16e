import { MetricsService } from '../../../src/infrastructure/metrics/metrics.service';
import {
  conventionProblems,
  parseExposition,
  sampleValue,
} from './prometheus-text';

const problemsOf = (text: string) => conventionProblems(parseExposition(text));

describe('the Prometheus conventions check', () => {
  it('passes a scrape that keeps them', () => {
    expect(
      problemsOf(`# HELP app_requests_total Requests served.
# TYPE app_requests_total counter
app_requests_total{route="/a",status="200"} 3
# HELP app_queue_jobs Jobs waiting.
# TYPE app_queue_jobs gauge
app_queue_jobs 2
# HELP app_latency_seconds Latency.
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le="0.1",route="/a"} 1
app_latency_seconds_bucket{le="+Inf",route="/a"} 2
app_latency_seconds_sum{route="/a"} 0.35
app_latency_seconds_count{route="/a"} 2
`),
    ).toEqual([]);
  });

  it.each([
    [
      'a gauge with _total, as prom-client names its active handles',
      '# HELP nodejs_active_handles_total Total number of active handles.\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 4\n',
      "nodejs_active_handles_total: gauge with a counter's _total suffix",
    ],
    [
      'a counter without _total',
      '# HELP app_requests Requests.\n# TYPE app_requests counter\napp_requests 1\n',
      'app_requests: counter without the _total suffix',
    ],
    [
      'no HELP',
      '# TYPE app_jobs gauge\napp_jobs 1\n',
      'app_jobs: no HELP text',
    ],
    [
      'an empty HELP',
      '# HELP app_jobs \n# TYPE app_jobs gauge\napp_jobs 1\n',
      'app_jobs: no HELP text',
    ],
    ['no TYPE', '# HELP app_jobs Jobs.\napp_jobs 1\n', 'app_jobs: no TYPE'],
    [
      'milliseconds',
      '# HELP app_wait_milliseconds Wait.\n# TYPE app_wait_milliseconds gauge\napp_wait_milliseconds 1\n',
      'app_wait_milliseconds: unit "milliseconds": use the base unit "seconds"',
    ],
    [
      'an abbreviated unit',
      '# HELP app_wait_ms Wait.\n# TYPE app_wait_ms gauge\napp_wait_ms 1\n',
      'app_wait_ms: abbreviated unit "ms"',
    ],
    [
      'kilobytes',
      '# HELP app_size_kilobytes Size.\n# TYPE app_size_kilobytes gauge\napp_size_kilobytes 1\n',
      'app_size_kilobytes: unit "kilobytes": use the base unit "bytes"',
    ],
    [
      'minutes',
      '# HELP app_age_minutes Age.\n# TYPE app_age_minutes gauge\napp_age_minutes 1\n',
      'app_age_minutes: unit "minutes": use the base unit "seconds"',
    ],
    [
      'camelCase',
      '# HELP app_queueDepth Depth.\n# TYPE app_queueDepth gauge\napp_queueDepth 1\n',
      'app_queueDepth: name in camelCase, not snake_case',
    ],
    [
      'a camelCase label',
      '# HELP app_jobs Jobs.\n# TYPE app_jobs gauge\napp_jobs{jobKind="a"} 1\n',
      'app_jobs: label "jobKind" in camelCase, not snake_case',
    ],
    [
      'a colon',
      '# HELP app:jobs Jobs.\n# TYPE app:jobs gauge\napp:jobs 1\n',
      'app:jobs: name outside [a-zA-Z_][a-zA-Z0-9_]* (colons are for recording rules)',
    ],
    [
      'the type in the name',
      '# HELP app_jobs_gauge Jobs.\n# TYPE app_jobs_gauge gauge\napp_jobs_gauge 1\n',
      'app_jobs_gauge: the type "gauge" in the name',
    ],
    [
      "a gauge with a histogram's suffix",
      '# HELP app_jobs_count Jobs.\n# TYPE app_jobs_count gauge\napp_jobs_count 1\n',
      'app_jobs_count: a suffix reserved for histograms and summaries',
    ],
    [
      "a gauge with a histogram's label",
      '# HELP app_jobs Jobs.\n# TYPE app_jobs gauge\napp_jobs{le="1"} 1\n',
      'app_jobs: label "le" reserved for histograms and summaries',
    ],
    [
      'a histogram without its +Inf bucket',
      '# HELP app_wait_seconds Wait.\n# TYPE app_wait_seconds histogram\napp_wait_seconds_bucket{le="1"} 1\napp_wait_seconds_sum 0.5\napp_wait_seconds_count 1\n',
      'app_wait_seconds[]: no le="+Inf" bucket',
    ],
    [
      'a histogram without its count',
      '# HELP app_wait_seconds Wait.\n# TYPE app_wait_seconds histogram\napp_wait_seconds_bucket{le="+Inf"} 1\napp_wait_seconds_sum 0.5\n',
      'app_wait_seconds[]: no _count',
    ],
    [
      'a negative counter',
      '# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total -1\n',
      'app_requests_total: negative counter value -1',
    ],
  ])('finds %s', (_, text, problem) => {
    expect(problemsOf(text)).toContain(problem);
  });

  it.each([
    ['a sample it cannot read', 'app_jobs one\n'],
    ['labels it cannot read', 'app_jobs{a=b} 1\n'],
    ['a second TYPE', '# TYPE a gauge\n# TYPE a gauge\n'],
    ['a TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['an unknown type', '# TYPE a meter\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parseExposition(text)).toThrow(/line \d+/);
  });

  it('reads label values with escapes, and values by name and labels', () => {
    const families = parseExposition(
      '# HELP a A.\n# TYPE a gauge\na{x="q\\"uote",y="1"} 2\na{x="n\\nl",y="2"} 3\n',
    );
    expect(families[0]!.samples.map((s) => s.labels.x)).toEqual([
      'q"uote',
      'n\nl',
    ]);
    expect(sampleValue(families, 'a', { y: '2' })).toBe(3);
    expect(sampleValue(families, 'a', { y: '3' })).toBeUndefined();
  });
});

describe("the service's metrics", () => {
  it('keep the conventions, with the standard process and Node names, once every metric has values', async () => {
    const metrics = new MetricsService();
    const hooks = metrics.jobMetrics();
    hooks.queueWait(0.2);
    hooks.stepDuration('execute', 1.5);
    hooks.outcome('completed', { action: 'restack_repo', code: '' });
    hooks.outcome('error', {
      action: 'rebase_branch',
      code: 'GIT.CONFLICT',
    });
    hooks.jobsQueued(3);
    hooks.jobsRunning(1);
    hooks.claimConflict();
    hooks.leaseTakeover();
    metrics.httpDuration.observe(
      { method: 'POST', route: '/repos/:repoId/actions', status: '202' },
      0.004,
    );
    metrics.projectionLag.set(7);

    const families = parseExposition(await metrics.registry.metrics());

    expect(conventionProblems(families)).toEqual([]);
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_active_handles: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
      stackyard_http_request_duration_seconds: 'histogram',
      stackyard_job_queue_wait_seconds: 'histogram',
      stackyard_job_step_duration_seconds: 'histogram',
      stackyard_job_outcomes_total: 'counter',
      stackyard_jobs_queued: 'gauge',
      stackyard_jobs_running: 'gauge',
      stackyard_job_lease_takeovers_total: 'counter',
      stackyard_job_claim_conflicts_total: 'counter',
      stackyard_projection_lag_events: 'gauge',
    });
    // Dashboards know the default metrics by their standard names, unprefixed.
    expect(
      Object.keys(types).filter((name) =>
        /^stackyard_(process|nodejs)_/.test(name),
      ),
    ).toEqual([]);
    expect(
      sampleValue(families, 'stackyard_job_outcomes_total', {
        outcome: 'error',
        action: 'rebase_branch',
        code: 'GIT.CONFLICT',
      }),
    ).toBe(1);
    expect(
      sampleValue(families, 'stackyard_job_outcomes_total', {
        outcome: 'completed',
        action: 'restack_repo',
        code: '',
      }),
    ).toBe(1);
    expect(sampleValue(families, 'stackyard_jobs_queued')).toBe(3);
    expect(sampleValue(families, 'stackyard_jobs_running')).toBe(1);
    expect(sampleValue(families, 'stackyard_job_claim_conflicts_total')).toBe(
      1,
    );
    expect(sampleValue(families, 'stackyard_job_lease_takeovers_total')).toBe(
      1,
    );
  });

  it('start their counters of claims and takeovers at 0', async () => {
    const families = parseExposition(
      await new MetricsService().registry.metrics(),
    );
    expect(sampleValue(families, 'stackyard_job_claim_conflicts_total')).toBe(
      0,
    );
    expect(sampleValue(families, 'stackyard_job_lease_takeovers_total')).toBe(
      0,
    );
  });
});
