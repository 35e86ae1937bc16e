import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResource } from '../../src/read-models/job/job.resource';
import type {
  RegisteredRepoResource,
  RepoResource,
} from '../../src/read-models/repo/repo.resource';
import { EXIT } from '../../src/cli/exit-codes';
import { GitFixture } from '../support/git-fixture';
import { freePort } from '../support/service-process';
import { GatedGit, TestApp } from '../support/test-app';
import { type CliResult, runCli, startCli } from './cli-process';

const STACK_TRACE = /^\s+at /m;
const ESCAPE = '\x1b[';

const urlOf = (t: TestApp): string => {
  const address = t.app.getHttpServer().address();
  if (address === null || typeof address === 'string')
    throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
};

/** What every run of the CLI without a terminal must be: plain text, no stack trace. */
function plainOutput(run: CliResult): void {
  expect(run.stdout).not.toContain(ESCAPE);
  expect(run.stderr).not.toContain(ESCAPE);
  expect(run.stderr).not.toMatch(STACK_TRACE);
}

describe('the stackyard CLI against the running service', () => {
  let fx: GitFixture;
  let t: TestApp;
  let env: Record<string, string>;
  const cli = async (...args: string[]) => {
    const run = await runCli(args, env);
    plainOutput(run);
    return run;
  };

  beforeEach(async () => {
    fx = new GitFixture();
    t = await TestApp.start();
    env = { STACKYARD_URL: urlOf(t) };
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  const lines = (text: string) => text.split('\n');

  it('registers a repo, tracks its branches and restacks them, each job watched to its end', async () => {
    fx.stack(['a', 'b']);
    const added = await cli('repo', 'add', 'demo', fx.origin);
    expect(added.code).toBe(EXIT.ok);
    expect(added.stdout).toMatch(
      /^registered demo: repo \S+, cloned by job \S+$/m,
    );
    expect(added.stdout).toMatch(/^completed: /m);
    expect((await cli('track', 'demo', 'a')).code).toBe(EXIT.ok);
    expect((await cli('track', 'demo', 'b', '--parent', 'a')).code).toBe(
      EXIT.ok,
    );
    fx.advance();

    const restack = await cli('restack', 'demo');

    expect(restack.code).toBe(EXIT.ok);
    const out = lines(restack.stdout);
    expect(out[0]).toMatch(/^job \S+ {2}restack_repo {2}(queued|running)/);
    for (const step of ['pre_sync', 'execute', 'publish', 'post_sync'])
      expect(out).toContainEqual(
        expect.stringMatching(new RegExp(`^  ✓ ${step}\\b`)),
      );
    expect(out).toContainEqual(expect.stringMatching(/^completed: /));
    // The changed branches, as the remote has them now.
    for (const branch of ['a', 'b'])
      expect(out).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^  ${branch}  [0-9a-f]{7} → ${fx.originHead(branch).slice(0, 7)}$`,
          ),
        ),
      );

    const stack = await cli('stack', 'demo');
    expect(stack.code).toBe(EXIT.ok);
    expect(lines(stack.stdout).slice(3)).toEqual([
      `main  ${fx.originHead('main').slice(0, 7)}`,
      `└── a  ${fx.originHead('a').slice(0, 7)}`,
      `    └── b  ${fx.originHead('b').slice(0, 7)}`,
      '',
    ]);
  });

  it('ends a conflicting restack with the job error code, the branch and the conflicted files', async () => {
    fx.gitW('checkout', '--quiet', '-B', 'a', 'main');
    fx.commit('shared.txt', 'from a\n', 'a: shared');
    fx.gitW('push', '--quiet', 'origin', 'a');
    expect((await cli('repo', 'add', 'demo', fx.origin)).code).toBe(EXIT.ok);
    expect((await cli('track', 'demo', 'a')).code).toBe(EXIT.ok);
    fx.advance('main', 'shared.txt', 'from main\n');

    const restack = await cli('restack', 'demo');

    expect(restack.code).toBe(EXIT.jobError);
    const out = lines(restack.stdout);
    expect(out).toContainEqual(expect.stringMatching(/^ {2}✗ execute$/));
    expect(out).toContainEqual(expect.stringMatching(/^error GIT\.CONFLICT: /));
    expect(out.slice(out.indexOf('conflict on branch a:'))).toEqual([
      'conflict on branch a:',
      '  shared.txt',
      '',
    ]);
  });

  it('writes one JSON document that parses to what the API answers', async () => {
    fx.stack(['a']);
    const added = await cli('--json', 'repo', 'add', 'demo', fx.origin);
    expect(added.code).toBe(EXIT.ok);
    const { repo, job } = JSON.parse(added.stdout) as {
      repo: RegisteredRepoResource;
      job: JobResource;
    };
    expect(repo.name).toBe('demo');
    expect(job).toMatchObject({
      jobId: repo.initialJobId,
      status: 'completed',
    });

    const tracked = await cli('track', 'demo', 'a', '--json');
    const trackedJob = JSON.parse(tracked.stdout) as JobResource;
    expect(trackedJob).toEqual(await t.job(trackedJob.jobId));
    expect(trackedJob.status).toBe('completed');

    const list = await cli('repo', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual(
      (await t.http().get('/repos').expect(200)).body,
    );
    const stack = await cli('stack', 'demo', '--json');
    const overview = JSON.parse(stack.stdout) as RepoResource;
    expect(overview).toEqual(
      (await t.http().get(`/repos/${repo.repoId}`).expect(200)).body,
    );
    expect(overview.branches.map((b) => b.name)).toEqual(['a']);

    const queued = await cli('sync', repo.repoId, '--no-wait', '--json');
    const queuedJob = JSON.parse(queued.stdout) as JobResource;
    expect(queuedJob).toMatchObject({ action: 'sync_repo', status: 'queued' });
    const watched = await cli('watch', queuedJob.jobId, '--json');
    expect(watched.code).toBe(EXIT.ok);
    expect(JSON.parse(watched.stdout)).toEqual(await t.job(queuedJob.jobId));
    const shown = await cli('job', queuedJob.jobId, '--json');
    expect(JSON.parse(shown.stdout)).toEqual(await t.job(queuedJob.jobId));
    const jobs = await cli('jobs', 'demo', '--status', 'completed', '--json');
    expect(
      (JSON.parse(jobs.stdout) as { items: JobResource[] }).items.map(
        (j) => j.jobId,
      ),
    ).toEqual([queuedJob.jobId, trackedJob.jobId, repo.initialJobId]);
  });

  it('adopts a stack, and undoes a restack back to the heads it started from', async () => {
    fx.stack(['a', 'b']);
    const added = await cli('repo', 'add', 'demo', fx.origin, '--json');
    const { repo } = JSON.parse(added.stdout) as {
      repo: RegisteredRepoResource;
    };

    const adopted = await cli('adopt', 'demo');
    expect(adopted.code).toBe(EXIT.ok);
    expect(lines(adopted.stdout)).toEqual(
      expect.arrayContaining(['  tracked a on main', '  tracked b on a']),
    );

    fx.advance();
    const before = { a: fx.originHead('a'), b: fx.originHead('b') };
    const restack = await cli('restack', 'demo', '--json');
    const restacked = JSON.parse(restack.stdout) as JobResource;
    expect(restacked.status).toBe('completed');
    expect(fx.originHead('a')).not.toBe(before.a);

    const undo = await cli('undo', restacked.jobId);
    expect(undo.code).toBe(EXIT.ok);
    expect(lines(undo.stdout)[0]).toMatch(
      new RegExp(`^job \\S+ {2}undo of job ${restacked.jobId} `),
    );
    expect(undo.stdout).toMatch(/^completed: /m);
    expect({ a: fx.originHead('a'), b: fx.originHead('b') }).toEqual(before);

    // The clone moved nothing: there is nothing to undo, and the service says so.
    const nothing = await cli('undo', repo.initialJobId);
    expect(nothing.code).toBe(EXIT.refused);
    expect(nothing.stderr).toMatch(
      /^stackyard: UNDO\.NOTHING_TO_UNDO: .* \(HTTP 409\)$/m,
    );
  });

  it('prints the job id alone with --no-wait, and watch follows that job to its end', async () => {
    expect(
      (await cli('repo', 'add', 'demo', fx.origin, '--no-wait')).code,
    ).toBe(EXIT.ok);
    const queued = await cli('sync', 'demo', '--no-wait');
    expect(queued.code).toBe(EXIT.ok);
    const jobId = queued.stdout.trim();
    expect(queued.stdout).toBe(`${jobId}\n`);

    const watched = await cli('watch', jobId);

    expect(watched.code).toBe(EXIT.ok);
    expect(watched.stdout).toMatch(new RegExp(`^job ${jobId}  sync_repo`));
    expect(watched.stdout).toMatch(/^completed: /m);
    expect((await t.job(jobId)).status).toBe('completed');
  });

  it('says plainly what went wrong, with its exit code: no URL, unknown repo or job, no service', async () => {
    const noUrl = await runCli(['repo', 'list'], {});
    plainOutput(noUrl);
    expect(noUrl.code).toBe(EXIT.usage);
    expect(noUrl.stderr).toContain(
      'no service URL: set STACKYARD_URL or pass --url',
    );

    const unknownRepo = await cli('restack', 'nope');
    expect(unknownRepo.code).toBe(EXIT.refused);
    expect(unknownRepo.stderr).toContain(
      'stackyard: REPO.NOT_FOUND: no repo with the id or name "nope" in your org',
    );

    const unknownJob = await cli('watch', 'no-such-job');
    expect(unknownJob.code).toBe(EXIT.refused);
    expect(unknownJob.stderr).toMatch(
      /^stackyard: JOB\.NOT_FOUND: .* \(HTTP 404\)$/m,
    );

    const usage = await cli('reparent', 'demo', 'b');
    expect(usage.code).toBe(EXIT.usage);

    const nothingThere = await runCli(['repo', 'list'], {
      STACKYARD_URL: `http://127.0.0.1:${await freePort()}`,
    });
    plainOutput(nothingThere);
    expect(nothingThere.code).toBe(EXIT.unreachable);
    expect(nothingThere.stderr).toContain(
      'could not reach the service at http://127.0.0.1:',
    );
    expect(nothingThere.stderr).toContain('connection refused (ECONNREFUSED)');
  });

  it('cancels a queued job; watching it then exits with the cancelled code', async () => {
    const gateDir = mkdtempSync(join(tmpdir(), 'stackyard-cli-'));
    const gate = new GatedGit(gateDir, 'fetch');
    await t.close();
    t.dispose();
    t = await TestApp.start(undefined, {
      STACKYARD_GIT_BIN: gate.bin,
      STACKYARD_SHUTDOWN_GRACE_MS: '0',
    });
    env = { STACKYARD_URL: urlOf(t) };
    try {
      // The clone waits at the gate, so the sync asked for next stays queued behind it.
      expect(
        (await cli('repo', 'add', 'demo', fx.origin, '--no-wait')).code,
      ).toBe(EXIT.ok);
      const jobId = (await cli('sync', 'demo', '--no-wait')).stdout.trim();

      const cancelled = await cli('cancel', jobId);
      expect(cancelled.code).toBe(EXIT.ok);
      expect(cancelled.stdout).toBe(`job ${jobId} cancelled\n`);

      const watched = await cli('watch', jobId);
      expect(watched.code).toBe(EXIT.jobCancelled);
      expect(watched.stdout).toMatch(/^cancelled: the job was cancelled$/m);
      const again = await cli('cancel', jobId);
      expect(again.code).toBe(EXIT.refused);
      expect(again.stderr).toContain('JOB.ALREADY_FINISHED');
    } finally {
      gate.open();
      rmSync(gateDir, { recursive: true, force: true });
    }
  });

  it('keeps watching across a restart of the service, resuming the stream with Last-Event-ID', async () => {
    const gateDir = mkdtempSync(join(tmpdir(), 'stackyard-cli-'));
    const gate = new GatedGit(gateDir, 'fetch');
    const dataDir = t.dataDir;
    await t.close();
    const port = await freePort();
    t = await TestApp.start(
      dataDir,
      { STACKYARD_GIT_BIN: gate.bin, STACKYARD_SHUTDOWN_GRACE_MS: '0' },
      port,
    );
    env = { STACKYARD_URL: urlOf(t) };
    try {
      const registered = await cli(
        'repo',
        'add',
        'demo',
        fx.origin,
        '--no-wait',
        '--json',
      );
      const { repo } = JSON.parse(registered.stdout) as {
        repo: RegisteredRepoResource;
      };
      const watching = startCli(['watch', repo.initialJobId], env);
      await watching.until((out) =>
        out.stdout.includes(`job ${repo.initialJobId}`),
      );

      // The job is held at its fetch; the service goes away and comes back on the same port.
      await t.close();
      await watching.until((out) => out.stderr.includes('event stream lost'));
      gate.open();
      t = await TestApp.start(dataDir, {}, port);
      const run = await watching.exited;

      plainOutput(run);
      expect(run.code).toBe(EXIT.ok);
      // Written while the client was away: only a stream resumed after its last message has them.
      expect(lines(run.stdout)).toEqual(
        expect.arrayContaining([
          '  · interrupted; the job will resume',
          'running (attempt 2)',
        ]),
      );
      expect(run.stdout).toMatch(/^completed: /m);
      expect(await t.job(repo.initialJobId)).toMatchObject({
        status: 'completed',
        attempt: 2,
      });
    } finally {
      gate.open();
      rmSync(gateDir, { recursive: true, force: true });
    }
  });
});

describe('the stackyard CLI against a service with tokens', () => {
  let t: TestApp;
  let url: string;

  beforeEach(async () => {
    t = await TestApp.start(undefined, {
      STACKYARD_TOKENS: 'tok-a=acme,tok-b=umbrella',
    });
    url = urlOf(t);
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
  });

  it("shows the service's 401 plainly, with the auth exit code, and reads only the token's org", async () => {
    const wrong = await runCli(['repo', 'list'], {
      STACKYARD_URL: url,
      STACKYARD_TOKEN: 'nope',
    });
    plainOutput(wrong);
    expect(wrong.code).toBe(EXIT.auth);
    expect(wrong.stderr).toBe(
      'stackyard: AUTH.UNAUTHORIZED: The bearer token is not known (HTTP 401)\n' +
        'The token was refused: check STACKYARD_TOKEN or --token.\n',
    );

    const none = await runCli(['repo', 'list', '--json'], {
      STACKYARD_URL: url,
    });
    plainOutput(none);
    expect(none.code).toBe(EXIT.auth);
    expect(none.stderr).toContain('set STACKYARD_TOKEN or pass --token');
    expect(JSON.parse(none.stdout)).toMatchObject({
      error: { code: 'AUTH.UNAUTHORIZED' },
    });

    const fx = new GitFixture();
    try {
      const added = await runCli(
        ['--token', 'tok-a', 'repo', 'add', 'demo', fx.origin, '--no-wait'],
        { STACKYARD_URL: url, STACKYARD_TOKEN: 'nope' },
      );
      expect(added.code).toBe(EXIT.ok);
      const mine = await runCli(['stack', 'demo'], {
        STACKYARD_URL: url,
        STACKYARD_TOKEN: 'tok-a',
      });
      expect(mine.code).toBe(EXIT.ok);
      const theirs = await runCli(['stack', 'demo'], {
        STACKYARD_URL: url,
        STACKYARD_TOKEN: 'tok-b',
      });
      expect(theirs.code).toBe(EXIT.refused);
      expect(theirs.stderr).toContain('REPO.NOT_FOUND');
    } finally {
      fx.dispose();
    }
  });
});
