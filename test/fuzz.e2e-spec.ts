import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardDir } from '../src/read-models/dashboard/dashboard-assets';
import { takeViolations } from './support/api-contract';
import {
  FuzzCase,
  type FuzzContext,
  operationsOf,
  requestsFor,
  strayRequests,
} from './support/fuzz/openapi-requests';
import { fuzz, fuzzRuns } from './support/fuzz/run';
import { send, type WireRequest, type WireResponse } from './support/fuzz/wire';
import { GitFixture } from './support/git-fixture';
import { GatedGit, TestApp } from './support/test-app';

/** Requests per operation of the document (and as many to targets none describes). */
const RUNS = fuzzRuns(300);
/** A request unanswered this long is a hang. Generous: it only has to end a stuck run. */
const ANSWER_LIMIT_MS = 20_000;

/** The methods Fastify routes; any other has no resource to answer it. */
const ROUTED_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
];

const TOKEN = 'fuzz-token';
const OTHER_TOKEN = 'other-token';

describe('every route of the served API document, fuzzed', () => {
  let fixture: GitFixture;
  let gateDir: string;
  let t: TestApp;
  let port: number;
  /** Values by the name they fit; `''` holds them all. */
  const dictionary = new Map<string, string[]>();
  const remember = (name: string, value: unknown) => {
    if (typeof value !== 'string') return;
    for (const key of [name, '']) {
      const words = dictionary.get(key) ?? [];
      if (words.includes(value)) continue;
      words.push(value);
      // Bounded: the newest values replace the older ones beyond the fixtures'.
      if (words.length > 100) words.splice(10, 1);
      dictionary.set(key, words);
    }
  };
  const ctx: FuzzContext = {
    token: TOKEN,
    otherToken: OTHER_TOKEN,
    known: (name = '') => dictionary.get(name) ?? [],
  };
  const dashboardBuilt = existsSync(join(dashboardDir(), 'index.html'));

  beforeAll(async () => {
    fixture = new GitFixture();
    fixture.stack(['feature-a', 'feature-b']);
    gateDir = mkdtempSync(join(tmpdir(), 'stackyard-fuzz-'));
    // Every fetch waits at the gate, and one job runs at a time: the first repo's first
    // job holds the only slot for the whole run. No job runs, so the fuzzed requests cost
    // no git work, and the store changes almost only by them.
    const gate = new GatedGit(gateDir, 'fetch');
    t = await TestApp.start(undefined, {
      STACKYARD_TOKENS: `${TOKEN}=acme,${OTHER_TOKEN}=umbrella`,
      STACKYARD_GIT_BIN: gate.bin,
      STACKYARD_CONCURRENCY: '1',
      STACKYARD_SHUTDOWN_GRACE_MS: '0',
    });
    const address = t.app.getHttpServer().address();
    if (address === null || typeof address === 'string')
      throw new Error('no port');
    port = address.port;

    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const repo = (
      await t
        .http()
        .post('/repos')
        .set(as(TOKEN))
        .send({ name: 'fuzzed', remoteUrl: fixture.origin })
        .expect(202)
    ).body as { repoId: string; initialJobId: string };
    const other = (
      await t
        .http()
        .post('/repos')
        .set(as(OTHER_TOKEN))
        .send({ name: 'elsewhere', remoteUrl: fixture.origin })
        .expect(202)
    ).body as { repoId: string; initialJobId: string };
    await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${repo.initialJobId}` &&
        e.type === 'RepoActionStepStarted',
    );
    const job = (
      await t
        .http()
        .post(`/repos/${repo.repoId}/actions`)
        .set(as(TOKEN))
        .set('idempotency-key', 'key-1')
        .send({ action: 'restack_subtree', branchName: 'feature-a' })
        .expect(202)
    ).body as { jobId: string };
    const task = (
      await t
        .http()
        .post(`/repos/${repo.repoId}/tasks`)
        .set(as(TOKEN))
        .send({ title: 'Fuzz', branchName: 'feature-b' })
        .expect(202)
    ).body as { taskId: string };
    const fixtures: Record<string, string[]> = {
      repoId: [repo.repoId, other.repoId],
      jobId: [repo.initialJobId, other.initialJobId, job.jobId],
      taskId: [task.taskId],
      name: ['fuzzed', 'elsewhere'],
      remoteUrl: [fixture.origin, `file://${fixture.origin}`],
      branchName: ['feature-a', 'feature-b', 'main'],
      parentBranch: ['feature-a', 'main'],
      trunk: ['main'],
      title: ['Fuzz'],
      'Idempotency-Key': ['key-1', 'key-2'],
      file: ['app.js', 'style.css', 'index.html'],
    };
    for (const [name, words] of Object.entries(fixtures))
      for (const word of words) remember(name, word);
  });

  afterAll(async () => {
    await t?.close();
    t?.dispose();
    fixture?.dispose();
    if (gateDir) rmSync(gateDir, { recursive: true, force: true });
  });

  /** Sends `c`; the answer, and why it breaks a property (nothing when it keeps them all). */
  async function exchange(
    c: FuzzCase,
  ): Promise<{ res?: WireResponse; problems: string[] }> {
    const before = await t.store.headPosition();
    let res: WireResponse;
    try {
      res = await send(port, c.request, ANSWER_LIMIT_MS);
    } catch (error) {
      return { problems: [`no answer: ${String(error)}`] };
    }
    const problems = takeViolations();
    const { method } = c.request;
    // Two 5xx are refusals, not failures: the page of a dashboard that was never built
    // (a checkout without `npm run build`), and 501 for a method no resource serves
    // (CONNECT, or one HTTP does not define), as HTTP asks.
    const dashboardMissing =
      !dashboardBuilt &&
      res.status === 503 &&
      (method === 'HEAD'
        ? new URL(c.request.target, 'http://localhost').pathname === '/'
        : res.body.includes('"DASHBOARD.NOT_BUILT"'));
    const unimplemented =
      res.status === 501 &&
      !ROUTED_METHODS.includes(method) &&
      res.body.includes('"HTTP.NOT_IMPLEMENTED"');
    if (res.status >= 500 && !dashboardMissing && !unimplemented)
      problems.push(`status ${res.status}: ${res.body.slice(0, 500)}`);
    if (res.status >= 400 && res.status < 500 && method !== 'HEAD') {
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        body = undefined;
      }
      const error = (body as { error?: { code?: unknown; message?: unknown } })
        ?.error;
      if (
        !String(res.headers['content-type']).startsWith('application/json') ||
        typeof error?.code !== 'string' ||
        error.code === '' ||
        typeof error.message !== 'string'
      )
        problems.push(
          `status ${res.status} without the coded error body: ${JSON.stringify(res.body.slice(0, 300))}`,
        );
    }
    if (res.status === 405) {
      const allow = String(res.headers.allow ?? '')
        .split(',')
        .map((m) => m.trim());
      const own = method === 'HEAD' ? 'GET' : method;
      if (allow.includes(own) || allow.join('') === '')
        problems.push(`405 with Allow "${res.headers.allow}" for ${method}`);
    }
    const after = await t.store.headPosition();
    if (after !== before) {
      // A request records its events as `org:…`. The background is held (no git fetch
      // ends, one job at a time) and writes only as a worker or a saga: when a saga settles
      // a task whose job an earlier request cancelled, say.
      const recorded = (
        await t.store.readAll({
          fromPosition: before + 1,
          limit: after - before,
        })
      ).events.filter((e) => e.metadata.actor?.startsWith('org:'));
      const accepted = res.status >= 200 && res.status < 300;
      if (
        recorded.length > 0 &&
        (!accepted || method === 'GET' || method === 'HEAD')
      )
        problems.push(
          `status ${res.status}, yet the store moved from ${before} to ${after}: ${recorded.map((e) => e.type).join(', ')}`,
        );
    }
    if (res.status >= 200 && res.status < 300 && !res.cut) harvest(res);
    return { res, problems };
  }

  /** Ids (and ETags) in an accepted answer, for later requests to name. */
  function harvest(res: WireResponse): void {
    remember('If-None-Match', res.headers.etag);
    let value: unknown;
    try {
      value = JSON.parse(res.body);
    } catch {
      return;
    }
    const visit = (v: unknown, depth: number) => {
      if (depth > 3 || typeof v !== 'object' || v === null) return;
      for (const [k, x] of Object.entries(v)) {
        if (/^(repoId|jobId|taskId|nextCursor|cursor)$/.test(k))
          remember(k === 'nextCursor' ? 'cursor' : k, x);
        else if (k === 'initialJobId') remember('jobId', x);
        else visit(x, depth + 1);
      }
    };
    visit(value, 0);
  }

  const check = async (c: FuzzCase) => {
    const { problems } = await exchange(c);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  };

  // The tier's time limit, or more for a longer run (FUZZ_RUNS): a hang is caught by the
  // answer limit, and named with its request.
  it(
    'answers every request to every operation with no 5xx, a coded 4xx, and no write unless accepted',
    async () => {
      const document = (await t.http().get('/docs').expect(200))
        .body as unknown;
      const operations = operationsOf(document);
      // The document is read at run time: a new route is fuzzed without editing this test.
      expect(operations.length).toBeGreaterThan(10);
      for (const operation of operations)
        await fuzz(operation.id, requestsFor(operation, ctx), check, RUNS);
      await fuzz('(no operation)', strayRequests(ctx), check, RUNS);

      const health = await t.http().get('/health').expect(200);
      expect(health.body).toMatchObject({ status: 'ok' });
    },
    Math.max(120_000, RUNS * 400),
  );

  // Requests the fuzzing broke the service with, each kept as it failed.
  const auth = { authorization: `Bearer ${TOKEN}` };
  const json = { ...auth, 'content-type': 'application/json' };
  it.each<[string, number, string, WireRequest]>([
    [
      'an Expect other than 100-continue (was a 417 without a body)',
      417,
      'HTTP.EXPECTATION_FAILED',
      { method: 'GET', target: '/repos', headers: { ...auth, expect: '' } },
    ],
    [
      'CONNECT (was a connection closed without an answer)',
      501,
      'HTTP.NOT_IMPLEMENTED',
      { method: 'CONNECT', target: '/', headers: auth },
    ],
    [
      'a repo name with a lone surrogate (was a 500)',
      400,
      'REQUEST.INVALID',
      {
        method: 'POST',
        target: '/repos',
        headers: json,
        body: Buffer.from('{"name":"\\udc00","remoteUrl":"/tmp/r.git"}'),
      },
    ],
    [
      'GET with an empty path parameter (was a 405 allowing GET)',
      404,
      'HTTP.NOT_FOUND',
      { method: 'GET', target: '/repos/', headers: auth },
    ],
    [
      'POST with an empty path parameter (was a 405 allowing POST)',
      404,
      'HTTP.NOT_FOUND',
      { method: 'POST', target: '/jobs//cancel', headers: auth },
    ],
    [
      'a target that is no path (was a 405 allowing GET)',
      404,
      'HTTP.NOT_FOUND',
      { method: 'GET', target: '*', headers: auth },
    ],
  ])('answers %s with %i %s', async (_, status, code, request) => {
    const { res, problems } = await exchange(new FuzzCase('example', request));
    expect(problems).toEqual([]);
    expect(res?.status).toBe(status);
    expect(JSON.parse(res!.body)).toMatchObject({ error: { code } });
  });

  it('answers a HEAD whose headers are too large with headers alone (was a body a client cannot parse)', async () => {
    const { res, problems } = await exchange(
      new FuzzCase('example', {
        method: 'HEAD',
        target: `/repos?q=${'a'.repeat(17_000)}`,
        headers: auth,
      }),
    );
    expect(problems).toEqual([]);
    expect(res).toMatchObject({ status: 431, body: '' });
  });
});
