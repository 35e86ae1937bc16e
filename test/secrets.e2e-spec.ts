import { randomUUID } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { EVENTS_FILE } from '../src/infrastructure/storage/storage';
import { logLines } from './support/log-lines';
import { freePort, startService } from './support/service-process';
import { readSse } from './support/sse';

// A secret in a remote URL would be kept in the event history for ever, answered by reads and
// printed in logs. This registers URLs with secrets wherever a URL can hide one, runs a job
// that fails on a valid but unreachable remote (its failure names the URL), and then reads
// every log line, every stored byte and every answer for the secrets.
describe('secrets in remote URLs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are refused with a coded 400 and reach no log line, no stored event and no answer', async () => {
    const dataDir = join(dir, 'data');
    // Nothing listens on this port: the valid repo's jobs fail to reach their remote.
    const deadPort = await freePort();
    const secret = (where: string) => `S3CRET-${where}-${randomUUID()}`;
    const secretUrls: Array<[string, string]> = [
      [
        'a password',
        `https://ann:${secret('password')}@127.0.0.1:${deadPort}/org/a.git`,
      ],
      [
        'a token as user',
        `https://${secret('user')}@127.0.0.1:${deadPort}/org/b.git`,
      ],
      [
        'a query',
        `https://127.0.0.1:${deadPort}/org/c.git?token=${secret('query')}`,
      ],
      [
        'a fragment',
        `https://127.0.0.1:${deadPort}/org/d.git#access_token=${secret('fragment')}`,
      ],
      [
        'an ssh query',
        `ssh://git@127.0.0.1:${deadPort}/org/e.git?key=${secret('ssh')}`,
      ],
      [
        'a git query',
        `git://127.0.0.1:${deadPort}/org/f.git?token=${secret('git')}`,
      ],
      ['an scp-like query', `git@127.0.0.1:org/g.git?token=${secret('scp')}`],
      ['a file query', `file:///srv/h.git?token=${secret('file')}`],
    ];
    // A token may come in a query (`?access_token=`, for EventSource) or a header: the
    // access log names the path, never a query's values or a header.
    const inQuery = secret('access-token');
    const inHeader = secret('bearer');
    const secrets = [
      ...secretUrls.map(([, url]) => /S3CRET-[\w-]+/.exec(url)![0]),
      inQuery,
      inHeader,
    ];
    const validUrl = `https://127.0.0.1:${deadPort}/org/valid.git`;

    const service = await startService({
      STACKYARD_DATA_DIR: dataDir,
      // Every level, so that any line that could carry a URL is written.
      LOG_LEVEL: 'verbose',
    });
    const answers: string[] = [];
    let requests = 0;
    const call = async (path: string, init?: RequestInit) => {
      requests += 1;
      const res = await fetch(`${service.baseUrl}${path}`, init);
      const text = await res.text();
      answers.push(text);
      return { status: res.status, text };
    };
    const post = (path: string, body: object) =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    let exitCode: number | null;
    try {
      for (const [what, remoteUrl] of secretUrls) {
        const refused = await post('/repos', {
          name: `with ${what}`,
          remoteUrl,
        });
        expect({ what, status: refused.status }).toEqual({ what, status: 400 });
        expect(JSON.parse(refused.text)).toMatchObject({
          error: {
            code: 'REPO.INVALID_REMOTE_URL',
            details: { field: 'remoteUrl' },
          },
        });
      }

      const accepted = await post('/repos', {
        name: 'valid',
        remoteUrl: validUrl,
      });
      expect(accepted.status).toBe(202);
      const repo = JSON.parse(accepted.text) as RegisteredRepoResource;
      const events = await readSse(
        `${service.baseUrl}/events?jobId=${repo.initialJobId}`,
        { 'last-event-id': '0' },
        (e) => e.event === 'RepoActionFailed',
      );
      answers.push(JSON.stringify(events));
      expect(
        (
          await call(`/repos?access_token=${inQuery}`, {
            headers: { authorization: `Bearer ${inHeader}` },
          })
        ).status,
      ).toBe(200);
      for (const path of [
        '/repos',
        `/repos/${repo.repoId}`,
        `/repos/${repo.repoId}/jobs`,
        `/repos/${repo.repoId}/history`,
        `/jobs/${repo.initialJobId}`,
        '/health',
        '/metrics',
      ])
        expect((await call(path)).status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      exitCode = await service.exited;
    }
    expect(exitCode).toBe(0);

    // Every line of the log is a JSON object (logLines checks), so nothing hides beside
    // them; stderr has none. The test would see a leak: the failed job's log line names its
    // remote, and the access log has a line for every request.
    expect(service.stderr()).toBe('');
    const lines = logLines(service.stdout());
    expect(
      lines.some(
        (line) =>
          line.msg.includes('failed: GIT.') &&
          line.msg.includes(`127.0.0.1:${deadPort}/org/valid.git`),
      ),
    ).toBe(true);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'request completed',
        method: 'GET',
        path: '/repos?access_token=…',
        status: 200,
      }),
    );
    const accessLines = lines.filter((l) => l.msg === 'request completed');
    expect(accessLines.length).toBeGreaterThanOrEqual(requests);
    const logText = lines.map((line) => JSON.stringify(line));

    const db = new BetterSqlite3(join(dataDir, EVENTS_FILE), {
      readonly: true,
    });
    const storedEvents = db
      .prepare('SELECT * FROM events ORDER BY global_position')
      .all()
      .map((row) => JSON.stringify(row));
    db.close();
    expect(storedEvents.join('\n')).toContain('RepoActionFailed');
    const storedFiles = readdirSync(dataDir, { recursive: true })
      .map((name) => join(dataDir, String(name)))
      .filter((file) => statSync(file).isFile());
    expect(storedFiles).toContain(join(dataDir, EVENTS_FILE));

    const leaks = (texts: string[]) =>
      texts.flatMap((text) =>
        secrets.filter((s) => text.includes(s)).map((s) => `${s} in ${text}`),
      );
    expect(leaks(logText)).toEqual([]);
    expect(leaks(storedEvents)).toEqual([]);
    expect(leaks(answers)).toEqual([]);
    // Every stored byte, free pages and write-ahead logs included.
    expect(
      storedFiles.filter((file) =>
        secrets.some((s) => readFileSync(file).includes(s)),
      ),
    ).toEqual([]);
  });
});
