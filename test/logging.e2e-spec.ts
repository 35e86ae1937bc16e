import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/app.factory';
import { FINAL_JOB_EVENTS } from '../src/domain/events/stackyard-event';
import { jobStream, repoStream } from '../src/domain/streams';
import { loadConfig } from '../src/infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../src/infrastructure/event-store/event-store.port';
import { openStorage } from '../src/infrastructure/storage/storage';
import type { JobResource } from '../src/read-models/job/job.resource';
import { READ_MODEL_SCHEMA } from '../src/read-models/read-model.schema';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { type LogLine, parseLogLine } from './support/log-lines';

const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The fields of an access line, and no others: no header, no body. */
const ACCESS_FIELDS = [
  'context',
  'durationMs',
  'instanceId',
  'level',
  'method',
  'msg',
  'path',
  'requestId',
  'route',
  'status',
  'time',
];

/**
 * The app's log, kept as it is written: each line parsed (so each must be one JSON log
 * line), and lines awaited as they come.
 */
class CapturedLog {
  readonly lines: LogLine[] = [];
  private readonly waiting = new Set<() => void>();

  write(text: string): void {
    for (const line of text.split('\n'))
      if (line !== '') this.lines.push(parseLogLine(line));
    for (const wake of this.waiting) wake();
  }

  /** The first line that matches, once it is written; fails, with the log, at the deadline. */
  line(what: string, match: (line: LogLine) => boolean): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find(match);
        if (!found) return;
        this.waiting.delete(check);
        clearTimeout(deadline);
        resolve(found);
      };
      const deadline = setTimeout(() => {
        this.waiting.delete(check);
        reject(
          new Error(
            `no log line: ${what}\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}`,
          ),
        );
      }, 60_000);
      this.waiting.add(check);
      check();
    });
  }

  accessLine(requestId: string): Promise<LogLine> {
    return this.line(
      `access line of ${requestId}`,
      (l) => l.msg === 'request completed' && l.requestId === requestId,
    );
  }
}

describe('logs an operator can use', () => {
  let dir: string;
  let origin: GitFixture;
  let log: CapturedLog;
  let app: NestFastifyApplication;
  let base: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-logging-'));
    origin = new GitFixture();
    origin.stack(['a']);
    log = new CapturedLog();
    const config = {
      ...loadConfig({ STACKYARD_DATA_DIR: join(dir, 'data') }),
      logLevel: 'log' as const,
    };
    app = await createApp(
      config,
      await openStorage(config.dataDir, READ_MODEL_SCHEMA),
      { logDestination: log },
    );
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterEach(async () => {
    await app?.close();
    origin?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const store = () => app.get<EventStore>(EVENT_STORE);

  const post = (
    path: string,
    body: object,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  /** The job's final event, once it is in the store. */
  async function jobEnd(jobId: string): Promise<RecordedEvent> {
    const subscription = store().subscribe({ fromPosition: 1 });
    try {
      for await (const batch of subscription) {
        const end = batch.find(
          (e) =>
            e.streamId === jobStream(jobId) && FINAL_JOB_EVENTS.has(e.type),
        );
        if (end) return end;
      }
    } finally {
      subscription.close();
    }
    throw new Error('the store closed before the job ended');
  }

  /**
   * Every event of the job: its stream's, and those it appended to its repo's (which name
   * it in `metadata.jobId`).
   */
  async function eventsOfJob(
    repoId: string,
    jobId: string,
  ): Promise<RecordedEvent[]> {
    return [
      ...(await store().readStream(jobStream(jobId))),
      ...(await store().readStream(repoStream(repoId))).filter(
        (e) => e.metadata.jobId === jobId,
      ),
    ];
  }

  async function register(
    headers: Record<string, string> = {},
  ): Promise<{ res: Response; repo: RegisteredRepoResource }> {
    const res = await post(
      '/repos',
      { name: 'logged', remoteUrl: origin.origin },
      headers,
    );
    expect(res.status).toBe(202);
    return { res, repo: (await res.json()) as RegisteredRepoResource };
  }

  it('answers with the X-Request-Id sent, writes one access line under it, and correlates the job it set off by it: its events and its log lines', async () => {
    const { res, repo } = await register({ 'x-request-id': 'op-42.a:b_c' });

    expect(res.headers.get('x-request-id')).toBe('op-42.a:b_c');
    const access = await log.accessLine('op-42.a:b_c');
    expect(Object.keys(access).sort()).toEqual(ACCESS_FIELDS);
    expect(access).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) as unknown,
      instanceId: expect.any(String) as unknown,
      context: 'Http',
      requestId: 'op-42.a:b_c',
      method: 'POST',
      path: '/repos',
      route: '/repos',
      status: 202,
      durationMs: expect.any(Number) as unknown,
      msg: 'request completed',
    });
    expect(log.lines.filter((l) => l.requestId === 'op-42.a:b_c')).toHaveLength(
      1,
    );

    const end = await jobEnd(repo.initialJobId);
    expect(end.type).toBe('RepoActionCompleted');
    const events = await eventsOfJob(repo.repoId, repo.initialJobId);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'RepoActionRequested',
        'RepoActionStarted',
        'RepoActionStepCompleted',
        'RepoBranchesObserved',
        'RepoActionCompleted',
      ]),
    );
    for (const event of events)
      expect({ type: event.type, ...event.metadata }).toMatchObject({
        type: event.type,
        correlationId: 'op-42.a:b_c',
        jobId: repo.initialJobId,
      });
    // The registration the request appended is correlated by it too.
    const [registered] = await store().readStream(repoStream(repo.repoId));
    expect(registered!.metadata.correlationId).toBe('op-42.a:b_c');

    const jobLine = await log.line(
      'the job completed',
      (l) => l.jobId === repo.initialJobId && l.msg.startsWith('completed'),
    );
    expect(jobLine).toMatchObject({
      level: 'info',
      context: 'JobRunner',
      jobId: repo.initialJobId,
      correlationId: 'op-42.a:b_c',
      repoId: repo.repoId,
      action: 'sync_repo',
    });
    expect(jobLine).not.toHaveProperty('message');
  });

  it('makes a request id where none is sent, or the one sent is not a sane token, and the job asked for carries it', async () => {
    const { repo } = await register();
    await jobEnd(repo.initialJobId);

    const res = await post(`/repos/${repo.repoId}/actions`, {
      action: 'restack_repo',
    });
    expect(res.status).toBe(202);
    const requestId = res.headers.get('x-request-id')!;
    expect(requestId).toMatch(UUID);
    const job = (await res.json()) as JobResource;
    expect(await log.accessLine(requestId)).toMatchObject({
      method: 'POST',
      path: `/repos/${repo.repoId}/actions`,
      route: '/repos/:repoId/actions',
      status: 202,
    });
    await jobEnd(job.jobId);
    const events = await eventsOfJob(repo.repoId, job.jobId);
    expect(new Set(events.map((e) => e.metadata.correlationId))).toEqual(
      new Set([requestId]),
    );
    expect(
      await log.line(
        'the restack completed',
        (l) => l.jobId === job.jobId && l.msg.startsWith('completed'),
      ),
    ).toMatchObject({ correlationId: requestId });

    for (const sent of ['two words', 'x'.repeat(129), 'a"b']) {
      const answer = await fetch(`${base}/repos`, {
        headers: { 'x-request-id': sent },
      });
      const made = answer.headers.get('x-request-id')!;
      expect({ sent, made }).toEqual({
        sent,
        made: expect.stringMatching(UUID) as unknown,
      });
      expect(await log.accessLine(made)).toMatchObject({ status: 200 });
    }
    expect(JSON.stringify(log.lines)).not.toContain('two words');
  });

  it("gives an idempotent retry its own request id, and the job keeps the first request's as its correlation id", async () => {
    const { repo } = await register();
    await jobEnd(repo.initialJobId);
    const action = { action: 'sync_repo' };

    const first = await post(`/repos/${repo.repoId}/actions`, action, {
      'idempotency-key': 'k-1',
      'x-request-id': 'first-try',
    });
    const retry = await post(`/repos/${repo.repoId}/actions`, action, {
      'idempotency-key': 'k-1',
      'x-request-id': 'second-try',
    });

    expect([first.status, retry.status]).toEqual([202, 200]);
    expect(retry.headers.get('x-request-id')).toBe('second-try');
    const job = (await first.json()) as JobResource;
    expect(((await retry.json()) as JobResource).jobId).toBe(job.jobId);
    expect(await log.accessLine('second-try')).toMatchObject({ status: 200 });
    await jobEnd(job.jobId);
    const events = await eventsOfJob(repo.repoId, job.jobId);
    expect(new Set(events.map((e) => e.metadata.correlationId))).toEqual(
      new Set(['first-try']),
    );
  });

  it('answers errors with the request id too, and logs the path without the values of its query', async () => {
    const missing = await fetch(`${base}/no-such-route?token=s3cr3t`, {
      headers: { 'x-request-id': 'lost-1', authorization: 'Bearer s3cr3t' },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe('lost-1');
    const access = await log.accessLine('lost-1');
    expect(access).toMatchObject({
      method: 'GET',
      path: '/no-such-route?token=…',
      status: 404,
    });
    expect(access).not.toHaveProperty('route');

    const malformed = await post('/repos', {}, { 'x-request-id': 'bad-body' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-request-id')).toBe('bad-body');
    expect(await log.accessLine('bad-body')).toMatchObject({ status: 400 });

    // A URL the router cannot decode is refused before any hook runs.
    const undecodable = await fetch(`${base}/repos/%E0%A4%A`, {
      headers: { 'x-request-id': 'bad-url' },
    });
    expect(undecodable.status).toBe(400);
    expect(undecodable.headers.get('x-request-id')).toBe('bad-url');
    expect(await log.accessLine('bad-url')).toMatchObject({
      path: '/repos/%E0%A4%A',
      status: 400,
    });

    expect(JSON.stringify(log.lines)).not.toContain('s3cr3t');
  });
});
