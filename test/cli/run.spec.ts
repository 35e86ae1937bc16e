import { EXIT } from '../../src/cli/exit-codes';
import { runCli } from '../../src/cli/run';
import {
  aJob,
  aRepo,
  anEvent,
  Capture,
  FakeApi,
  json,
  sse,
  stream,
} from './cli-fakes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Runs the CLI in process against the fake API, as a terminal-less caller would. */
async function cli(
  api: FakeApi,
  argv: string[],
  env: NodeJS.ProcessEnv = { STACKYARD_URL: 'http://stackyard.test' },
) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env,
    fetch: api.fetch,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const withRepos = () =>
  new FakeApi()
    .on('GET /repos', json(200, { items: [aRepo()] }))
    .on('POST /repos/repo-1/actions', json(202, aJob()));

describe('stackyard, its arguments and its answers', () => {
  it('without a service URL says how to give one, with the usage exit code', async () => {
    const api = new FakeApi();
    const run = await cli(api, ['repo', 'list'], {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(
      'stackyard: CLI.USAGE: no service URL: set STACKYARD_URL or pass --url',
    );
    expect(api.seen).toEqual([]);
  });

  it('refuses unknown commands, missing arguments and URLs that are not http', async () => {
    const api = new FakeApi();
    expect((await cli(api, ['frobnicate'])).code).toBe(EXIT.usage);
    const noOnto = await cli(api, ['reparent', 'demo', 'c']);
    expect(noOnto.code).toBe(EXIT.usage);
    expect(noOnto.stderr).toContain("required option '--onto <parent>'");
    expect((await cli(api, ['rebase', 'demo'])).code).toBe(EXIT.usage);
    const ftp = await cli(api, ['--url', 'ftp://x', 'repos']);
    expect(ftp.code).toBe(EXIT.usage);
    expect(ftp.stderr).toContain('must be http or https');
    expect((await cli(api, ['jobs', 'demo', '--limit', '0'])).code).toBe(
      EXIT.usage,
    );
    expect(api.seen).toEqual([]);
  });

  it('prints its help, with the environment and the exit codes, and exits 0', async () => {
    const run = await cli(new FakeApi(), ['--help']);
    expect(run.code).toBe(EXIT.ok);
    for (const text of [
      'STACKYARD_URL',
      'STACKYARD_TOKEN',
      'Exit codes:',
      '--json',
    ])
      expect(run.stdout).toContain(text);
  });

  it('finds a repo by name or id and asks for the action with a fresh Idempotency-Key each time', async () => {
    const api = withRepos();
    const byName = await cli(api, ['restack', 'demo', 'b', '--no-wait']);
    const byId = await cli(api, ['restack', 'repo-1', '--no-wait']);

    expect([byName.code, byId.code]).toEqual([EXIT.ok, EXIT.ok]);
    expect(byName.stdout).toBe('job-1\n');
    const [first, second] = api.requests('POST /repos/repo-1/actions');
    expect(first!.body).toEqual({ action: 'restack_subtree', branchName: 'b' });
    expect(second!.body).toEqual({ action: 'restack_repo' });
    const keys = [first, second].map((r) => r!.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(UUID);
    expect(keys[1]).toMatch(UUID);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('sends each action its fields, and the key it is given', async () => {
    const api = withRepos().on('POST /jobs/job-0/undo', json(202, aJob()));
    const runs = [
      ['sync', 'demo'],
      ['rebase', 'demo', 'a'],
      ['reparent', 'demo', 'b', '--onto', 'main'],
      ['track', 'demo', 'c'],
      ['track', 'demo', 'c', '--parent', 'b'],
      ['adopt', 'demo', '--idempotency-key', 'adopt-1'],
    ];
    for (const argv of runs)
      expect((await cli(api, [...argv, '--no-wait'])).code).toBe(EXIT.ok);
    expect(
      api.requests('POST /repos/repo-1/actions').map((r) => r.body),
    ).toEqual([
      { action: 'sync_repo' },
      { action: 'rebase_branch', branchName: 'a' },
      { action: 'reparent_branch', branchName: 'b', parentBranch: 'main' },
      { action: 'register_existing_branch', branchName: 'c' },
      {
        action: 'register_existing_branch',
        branchName: 'c',
        parentBranch: 'b',
      },
      { action: 'adopt_stack' },
    ]);
    expect(
      api
        .requests('POST /repos/repo-1/actions')
        .at(-1)!
        .headers.get('idempotency-key'),
    ).toBe('adopt-1');

    const undo = await cli(api, ['undo', 'job-0', '--no-wait', '--json']);
    expect(undo.code).toBe(EXIT.ok);
    expect(JSON.parse(undo.stdout)).toMatchObject({ jobId: 'job-1' });
    const [undoRequest] = api.requests('POST /jobs/job-0/undo');
    expect(undoRequest!.headers.get('idempotency-key')).toMatch(UUID);
    expect(undoRequest!.body).toBeUndefined();
  });

  it('sends the token of --token over STACKYARD_TOKEN, and shows a 401 as an auth failure without a stack', async () => {
    const api = new FakeApi().on(
      'GET /repos',
      json(401, {
        error: {
          code: 'AUTH.UNAUTHORIZED',
          message: 'The bearer token is not known',
        },
      }),
    );
    const run = await cli(api, ['--token', 'wrong', 'repos'], {
      STACKYARD_URL: 'http://stackyard.test',
      STACKYARD_TOKEN: 'from-env',
    });
    expect(api.seen[0]!.headers.get('authorization')).toBe('Bearer wrong');
    expect(run.code).toBe(EXIT.auth);
    expect(run.stderr).toBe(
      'stackyard: AUTH.UNAUTHORIZED: The bearer token is not known (HTTP 401)\n' +
        'The token was refused: check STACKYARD_TOKEN or --token.\n',
    );
  });

  it('names an unknown repo with its code, and with --json writes the error as a document', async () => {
    const run = await cli(withRepos(), ['sync', 'nope', '--json']);
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain(
      'stackyard: REPO.NOT_FOUND: no repo with the id or name "nope" in your org',
    );
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'REPO.NOT_FOUND',
        message: 'no repo with the id or name "nope" in your org',
      },
    });
  });

  it('says so when what answers is not the Stackyard API', async () => {
    const api = new FakeApi().on(
      'GET /repos',
      new Response('<html>hello</html>', { status: 200 }),
    );
    const run = await cli(api, ['repos']);
    expect(run.code).toBe(EXIT.unreachable);
    expect(run.stderr).toContain('CLI.UNEXPECTED_ANSWER');
  });

  it('watches a job to its end, prints its steps and the conflict, and exits with the job error code', async () => {
    const running = aJob({ status: 'running', step: 'pre_sync', attempt: 1 });
    const failed = aJob({
      status: 'error',
      step: 'execute',
      attempt: 1,
      message: 'Restacking b conflicts in f.txt',
      error: {
        code: 'GIT.CONFLICT',
        message: 'Restacking b conflicts in f.txt',
        conflict: { branch: 'b', files: ['f.txt', 'g/h.txt'] },
      },
    });
    const end = anEvent('RepoActionFailed', failed.error!);
    const api = new FakeApi()
      .on(
        'GET /jobs/job-1',
        json(200, running),
        json(200, running),
        json(200, failed),
      )
      .on(
        'GET /repos/repo-1/history',
        json(200, { items: [], nextBefore: null, position: 50 }),
      )
      .on(
        'GET /events',
        stream(
          'retry: 0\nid: 50\n\n' +
            sse([
              anEvent('RepoActionStepCompleted', {
                step: 'pre_sync',
                summary: 'fetched',
              }),
              anEvent('RepoActionStepStarted', { step: 'execute' }),
              anEvent('RepoActionProgressed', {
                step: 'execute',
                message: 'restacking b',
                done: 1,
                total: 2,
              }),
              end,
            ]),
        ),
      );

    const run = await cli(api, ['watch', 'job-1']);

    expect(run.code).toBe(EXIT.jobError);
    expect(run.stdout.split('\n')).toEqual([
      'job job-1  restack_repo  running',
      '  ▸ pre_sync',
      '  ✓ pre_sync   fetched',
      '  ▸ execute',
      '    execute 1/2  restacking b',
      '  ✗ execute',
      'error GIT.CONFLICT: Restacking b conflicts in f.txt',
      'conflict on branch b:',
      '  f.txt',
      '  g/h.txt',
      '',
    ]);
    expect(api.requests('GET /events')[0]!.headers.get('last-event-id')).toBe(
      '50',
    );
    expect(
      api.requests('GET /jobs/job-1').map((r) => r.query.get('minPosition')),
    ).toEqual([null, '50', String(end.position)]);
  });
});
