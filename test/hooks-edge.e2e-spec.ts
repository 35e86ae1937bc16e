import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { githubSignatureOf } from '../src/infrastructure/hooks/hook-signature';
import { HOOK_BODIES_IN_FLIGHT } from '../src/infrastructure/http/hook-body-gate';
import { GitFixture } from './support/git-fixture';
import { aGithubPush, deliverGithub } from './support/github-hook';
import { postHeadFirst, registerRepo } from './support/hook-repos';
import { TestApp } from './support/test-app';

const SECRET = `hook-secret-${randomUUID()}`;
const MiB = 1024 * 1024;

/** A GitHub push's headers, signed over `body`, for a request sent by hand. */
const githubHeaders = (body: string, contentType = 'application/json') => ({
  'content-type': contentType,
  'x-github-event': 'push',
  'x-github-delivery': randomUUID(),
  'x-hub-signature-256': githubSignatureOf(SECRET, body),
});

/**
 * A sender of a 1 MiB hook body that stops after its first byte; 100 Continue (`continued`)
 * says the service took its headers.
 */
const slowSender = (url: string, path: string) =>
  postHeadFirst(
    url,
    path,
    { ...githubHeaders('{}'), expect: '100-continue' },
    MiB,
    Buffer.from('{'),
  );

describe('hook bodies refused before they are read', () => {
  let fx: GitFixture;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    t = await TestApp.start();
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  it('answers a 2 MiB form body 415, a 30 MiB JSON body to a known repo 413 and a body to an unknown repo 401, each before its first MiB is sent, recording nothing', async () => {
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    const head = await t.store.headPosition();
    const url = await t.app.getUrl();
    const first = Buffer.alloc(64 * 1024, 'x');

    // Each request stops after 64 KiB: only an answer given before the body is read comes.
    const form = postHeadFirst(
      url,
      `/hooks/github/${repo.repoId}`,
      githubHeaders('payload=', 'application/x-www-form-urlencoded'),
      2 * MiB,
      first,
    );
    const big = postHeadFirst(
      url,
      `/hooks/github/${repo.repoId}`,
      githubHeaders('{}'),
      30 * MiB,
      first,
    );
    const unknown = postHeadFirst(
      url,
      `/hooks/github/${randomUUID()}`,
      githubHeaders('{}'),
      2 * MiB,
      first,
    );

    expect(await form.answer).toMatchObject({
      status: 415,
      body: { error: { code: 'HOOK.UNSUPPORTED_MEDIA_TYPE' } },
    });
    expect(await big.answer).toMatchObject({
      status: 413,
      body: { error: { code: 'HTTP.PAYLOAD_TOO_LARGE' } },
    });
    const refused = await unknown.answer;
    expect(refused.status).toBe(401);
    // The very answer a wrong signature to a known repo gets.
    const wrong = await deliverGithub(t, repo.repoId, {
      secret: `${SECRET}-other`,
      payload: aGithubPush({
        ref: 'refs/heads/main',
        before: fx.originHead('main'),
        after: fx.originHead('main'),
        cloneUrl: fx.origin,
      }),
    }).expect(401);
    expect(refused.body).toEqual(wrong.body);
    // … headers too, but for the ones that differ by request and by client connection.
    const named = (headers: object) =>
      Object.keys(headers)
        .filter((h) => !['date', 'connection', 'keep-alive'].includes(h))
        .sort();
    expect(named(refused.headers)).toEqual(named(wrong.headers));
    // The gate runs after the application's own hooks: its refusals carry the request id.
    expect(refused.headers['x-request-id']).toEqual(expect.any(String));
    expect(await t.store.headPosition()).toBe(head);
  });

  it(`takes at most ${HOOK_BODIES_IN_FLIGHT} large hook bodies at once: the next is refused 503 HOOK.BUSY with Retry-After before its body is read, and a small one is still taken`, async () => {
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    const head = await t.store.headPosition();
    const url = await t.app.getUrl();
    const path = `/hooks/github/${repo.repoId}`;
    const slow = Array.from({ length: HOOK_BODIES_IN_FLIGHT }, () =>
      slowSender(url, path),
    );
    try {
      await Promise.all(slow.map((s) => s.continued));

      const next = await postHeadFirst(
        url,
        path,
        githubHeaders('{}'),
        MiB,
        Buffer.from('{'),
      ).answer;

      expect(next).toMatchObject({
        status: 503,
        headers: { 'retry-after': '1' },
        body: { error: { code: 'HOOK.BUSY' } },
      });
      expect(await t.store.headPosition()).toBe(head);
      // A body within the API's own limit costs what any request does: not counted.
      await deliverGithub(t, repo.repoId, {
        event: 'ping',
        secret: SECRET,
        payload: { zen: 'Small is taken.' },
      }).expect(200);
    } finally {
      slow.forEach((s) => s.destroy());
    }
  });

  it('gives a large body its place back once the body is received, and once its sender leaves', async () => {
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    const url = await t.app.getUrl();
    const path = `/hooks/github/${repo.repoId}`;
    /**
     * Whether a new large body is taken (read whole, then refused 401 for its signature, over
     * other bytes) rather than refused 503 before it is read.
     */
    const taken = async (): Promise<boolean> => {
      const sender = postHeadFirst(
        url,
        path,
        githubHeaders('{}'),
        MiB,
        Buffer.from('{'),
      );
      sender.finish(Buffer.alloc(MiB - 1, ' '));
      const { status } = await sender.answer;
      expect([401, 503]).toContain(status);
      return status === 401;
    };
    /** Asks until a large body is taken: the service frees a place when it sees why. */
    const takenSoon = async (): Promise<boolean> => {
      for (let attempt = 0; attempt < 300; attempt++)
        if (await taken()) return true;
      return false;
    };
    const slow = Array.from({ length: HOOK_BODIES_IN_FLIGHT }, () =>
      slowSender(url, path),
    );
    try {
      await Promise.all(slow.map((s) => s.continued));
      expect(await taken()).toBe(false);

      // A body received whole (signed over other bytes: refused 401 once read).
      slow[0]!.finish(Buffer.alloc(MiB - 1, ' '));
      expect((await slow[0]!.answer).status).toBe(401);
      expect(await takenSoon()).toBe(true);

      // All places held again, then a sender that leaves in the middle of its body.
      const refill = slowSender(url, path);
      slow.push(refill);
      await refill.continued;
      expect(await taken()).toBe(false);
      slow[1]!.destroy();
      expect(await takenSoon()).toBe(true);
    } finally {
      slow.forEach((s) => s.destroy());
    }
  });
});

describe('a webhook secret sealed under another key', () => {
  let fx: GitFixture;
  let dataDir: string;
  let t: TestApp | undefined;
  const logs: string[] = [];

  beforeEach(() => {
    fx = new GitFixture();
    dataDir = mkdtempSync(join(tmpdir(), 'stackyard-hook-key-'));
    logs.length = 0;
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    fx.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a correctly signed delivery the 401 of a wrong signature, and warns the operator once without the secret', async () => {
    const key = () => ({
      STACKYARD_SECRETS_KEY: randomBytes(32).toString('base64'),
    });
    t = await TestApp.start(dataDir, key());
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    await t.close();
    // The same data dir under another key: the sealed secret cannot be opened.
    t = await TestApp.start(dataDir, key(), 0, {
      level: 'warn',
      destination: { write: (line: string) => void logs.push(line) },
    });
    const head = await t.store.headPosition();
    const push = aGithubPush({
      ref: 'refs/heads/main',
      before: fx.originHead('main'),
      after: fx.advance(),
      cloneUrl: fx.origin,
    });

    const answers = [];
    for (const secret of [SECRET, SECRET, `${SECRET}-other`])
      answers.push(
        await deliverGithub(t, repo.repoId, { secret, payload: push }),
      );

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    expect(answers[0]!.body).toMatchObject({
      error: { code: 'HOOK.UNAUTHORIZED' },
    });
    expect(answers[0]!.body).toEqual(answers[2]!.body);
    expect(await t.store.headPosition()).toBe(head);
    const warnings = logs.filter((l) => l.includes(repo.repoId));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cannot be opened');
    expect(logs.join('')).not.toContain(SECRET);
  });
});
