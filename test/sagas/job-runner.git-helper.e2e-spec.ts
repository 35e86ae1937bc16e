import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResource } from '../../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../../src/read-models/repo/repo.resource';
import { GitFixture } from '../support/git-fixture';
import { TestApp } from '../support/test-app';

/**
 * A git whose next `cat-file` helper dies as a killed one does: it takes the first request
 * and is killed with it unanswered. Every other git command, and every later helper, is git.
 */
class CrashingHelperGit {
  readonly bin: string;
  private readonly armed: string;

  constructor(dir: string) {
    this.bin = join(dir, 'crashing-git');
    this.armed = join(dir, 'crash-next-cat-file');
    writeFileSync(
      this.bin,
      `#!/bin/sh
for a in "$@"; do
  if [ "$a" = "cat-file" ] && [ -e "${this.armed}" ]; then
    rm -f "${this.armed}"
    read -r request
    kill -9 $$
  fi
done
exec git "$@"
`,
    );
    chmodSync(this.bin, 0o755);
  }

  arm(): void {
    writeFileSync(this.armed, '');
  }

  get crashed(): boolean {
    return !existsSync(this.armed);
  }
}

describe('a job whose git helper dies', () => {
  let fx: GitFixture;
  let dir: string;
  let t: TestApp | undefined;

  beforeEach(() => {
    fx = new GitFixture();
    dir = mkdtempSync(join(tmpdir(), 'stackyard-helper-'));
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    rmSync(dir, { recursive: true, force: true });
    fx.dispose();
  });

  async function run(app: TestApp, repoId: string, body: object) {
    const job = (
      await app.http().post(`/repos/${repoId}/actions`).send(body).expect(202)
    ).body as JobResource;
    await app.jobEnd(job.jobId);
    return app.job(job.jobId);
  }

  it('is retried with a new helper and completes', async () => {
    fx.stack(['a', 'b']);
    const git = new CrashingHelperGit(dir);
    const app = await TestApp.start(join(dir, 'data'), {
      STACKYARD_GIT_BIN: git.bin,
    });
    t = app;
    const repo = (
      await app
        .http()
        .post('/repos')
        .send({ name: 'demo', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    await app.jobEnd(repo.initialJobId);
    for (const branchName of ['a', 'b']) {
      await run(app, repo.repoId, {
        action: 'register_existing_branch',
        branchName,
      });
    }

    fx.advance();
    git.arm();
    const job = await run(app, repo.repoId, { action: 'restack_repo' });

    expect(git.crashed).toBe(true);
    expect(job).toMatchObject({ status: 'completed', attempt: 2, error: null });
    expect(job.result!.changed.map((c) => c.branch)).toEqual(['a', 'b']);
    const retries = (
      await app.store.readStream(`repo-action-${job.jobId}`)
    ).filter((e) => e.type === 'RepoActionRetryScheduled');
    expect(retries).toHaveLength(1);
    expect((retries[0]!.data as { reason: string }).reason).toMatch(
      /git cat-file --batch stopped/,
    );
    // b now sits on the new trunk (merge-base --is-ancestor throws when it does not).
    fx.git(
      fx.origin,
      'merge-base',
      '--is-ancestor',
      fx.originHead('main'),
      fx.originHead('b'),
    );
    // Trees and commits went straight into the clone: no scratch folder was made for them.
    expect(readdirSync(join(dir, 'data'))).not.toContain('tmp');
  });
});
