import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { RecordedEvent } from '../src/infrastructure/event-store/event-store.port';
import { fuzz, fuzzRuns } from './support/fuzz/run';
import { send, type WireResponse } from './support/fuzz/wire';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

/** Requests sent at once with one key. */
const CONCURRENT = 50;

interface ActionBody {
  action: string;
  branchName?: string;
  parentBranch?: string;
}

/** Requests that ask for different jobs. */
const BODIES: ActionBody[] = [
  { action: 'restack_repo' },
  { action: 'sync_repo' },
  { action: 'restack_subtree', branchName: 'feature-a' },
  { action: 'rebase_branch', branchName: 'feature-b' },
  {
    action: 'reparent_branch',
    branchName: 'feature-b',
    parentBranch: 'main',
  },
];

const sameRequest = (a: ActionBody, b: ActionBody): boolean =>
  a.action === b.action &&
  a.branchName === b.branchName &&
  a.parentBranch === b.parentBranch;

/** The `Idempotency-Key` the schema allows: 1 to 200 printable ASCII characters. */
const keys = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 200,
});

describe('Idempotency-Key under concurrency', () => {
  let fixture: GitFixture;
  let dataDir: string;
  let t: TestApp;
  let repoId: string;
  /** Keys earlier runs used: each run needs a key of its own. */
  const used = new Set<string>();

  const portOf = (app: TestApp): number => {
    const address = app.app.getHttpServer().address();
    if (address === null || typeof address === 'string')
      throw new Error('no port');
    return address.port;
  };

  const post = (key: string, body: ActionBody): Promise<WireResponse> =>
    send(
      portOf(t),
      {
        method: 'POST',
        target: `/repos/${repoId}/actions`,
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: Buffer.from(JSON.stringify(body)),
      },
      60_000,
    );

  /** Every `RepoActionRequested` the store holds for `key`, in any stream. */
  const requestsWith = async (key: string): Promise<RecordedEvent[]> => {
    const found: RecordedEvent[] = [];
    for (let from = 1; ;) {
      const page = await t.store.readAll({ fromPosition: from, limit: 1000 });
      found.push(
        ...page.events.filter(
          (e) =>
            e.type === 'RepoActionRequested' &&
            (e.data as { idempotencyKey?: string }).idempotencyKey === key,
        ),
      );
      if (page.isEnd) return found;
      from = page.nextPosition;
    }
  };

  beforeAll(async () => {
    fixture = new GitFixture();
    fixture.stack(['feature-a', 'feature-b']);
    dataDir = mkdtempSync(join(tmpdir(), 'stackyard-idempotency-'));
    t = await TestApp.start(dataDir);
    const registered = await t
      .http()
      .post('/repos')
      .send({ name: 'idempotent', remoteUrl: fixture.origin })
      .expect(202);
    repoId = (registered.body as { repoId: string }).repoId;
    await t.jobEnd((registered.body as { initialJobId: string }).initialJobId);
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
    fixture?.dispose();
  });

  it(`makes one job of ${CONCURRENT} requests sent at once with one key, and refuses the key for any other request`, async () => {
    await fuzz(
      'concurrent idempotent requests',
      fc.record({
        key: keys,
        // Indexes into BODIES: one body for all, or several.
        bodies: fc.oneof(
          fc.nat(BODIES.length - 1).map((i) => [i]),
          fc.uniqueArray(fc.nat(BODIES.length - 1), {
            minLength: 2,
            maxLength: BODIES.length,
          }),
        ),
      }),
      async ({ key, bodies }) => {
        fc.pre(!used.has(key));
        used.add(key);
        const sent = Array.from(
          { length: CONCURRENT },
          (_, i) => BODIES[bodies[i % bodies.length]!]!,
        );
        const answers = await Promise.all(sent.map((body) => post(key, body)));

        const recorded = await requestsWith(key);
        expect(recorded).toHaveLength(1);
        const job = recorded[0]!;
        const jobId = job.streamId.replace(/^repo-action-/, '');
        const winner = job.data as ActionBody;
        answers.forEach((answer, i) => {
          const body = JSON.parse(answer.body) as {
            jobId?: string;
            error?: { code: string; details?: { jobId?: string } };
          };
          if (sameRequest(sent[i]!, winner)) {
            expect([200, 202]).toContain(answer.status);
            expect(body.jobId).toBe(jobId);
            expect(answer.headers.location).toBe(`/jobs/${jobId}`);
          } else {
            expect(answer.status).toBe(422);
            expect(body.error).toMatchObject({
              code: 'IDEMPOTENCY.KEY_REUSED',
              details: { jobId },
            });
          }
        });
        expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
      },
      fuzzRuns(4),
    );
  });

  it('gives the same job for the key after a restart on the same data dir', async () => {
    const key = 'survives-a-restart';
    const body = BODIES[2]!;
    const first = await post(key, body);
    expect(first.status).toBe(202);
    const { jobId } = JSON.parse(first.body) as { jobId: string };
    await t.jobEnd(jobId);

    await t.close();
    t = await TestApp.start(dataDir);

    const again = await post(key, body);
    expect(again.status).toBe(200);
    expect((JSON.parse(again.body) as { jobId: string }).jobId).toBe(jobId);
    const other = await post(key, BODIES[0]!);
    expect(other.status).toBe(422);
    expect(JSON.parse(other.body)).toMatchObject({
      error: { code: 'IDEMPOTENCY.KEY_REUSED', details: { jobId } },
    });
    expect(await requestsWith(key)).toHaveLength(1);
  });
});
