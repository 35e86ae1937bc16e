import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GIT_NICENESS,
  GitRunner,
  gitLauncherPid,
} from '../../../src/infrastructure/git/git-runner';

/** A process's nice value, from /proc/<pid>/stat (the 19th field). */
function niceOf(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** Whether a process runs: a zombie (killed, not reaped yet) does not. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The processes' ids once none of them runs, or those still running at the deadline. A
 * killed process ending sends no event this test could await, so this polls /proc (every
 * 20 ms, within 5 s).
 */
async function stillRunning(pids: readonly number[]): Promise<number[]> {
  const end = Date.now() + 5_000;
  for (;;) {
    const left = pids.filter(running);
    if (left.length === 0 || Date.now() >= end) return left;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GitRunner', () => {
  let dir: string;
  let pidsFile: string;
  let runner: GitRunner;
  const started: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-git-runner-'));
    pidsFile = join(dir, 'pids');
    // A "git" that leaves a child in the background and then never answers, as a git
    // waiting on ssh to a remote that accepted the connection and went quiet.
    const bin = join(dir, 'git');
    writeFileSync(
      bin,
      `#!/bin/sh\nsleep 600 &\necho "$$ $!" > '${pidsFile}'\nexec sleep 600\n`,
    );
    chmodSync(bin, 0o755);
    runner = new GitRunner(bin);
  });

  afterEach(() => {
    // What a failing run left behind, by the ids it wrote.
    for (const pid of started.splice(0))
      if (running(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The ids of the fake git and its background child, once it has written them. */
  async function hungPids(): Promise<number[]> {
    // Written by the child process as it starts; nothing to await but the file (polled
    // every 20 ms, within 5 s).
    const end = Date.now() + 5_000;
    while (!existsSync(pidsFile) || !readFileSync(pidsFile, 'utf8').trim()) {
      if (Date.now() >= end) throw new Error('the fake git never started');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const pids = readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
    started.push(...pids);
    return pids;
  }

  it('given a signal that aborts, when git hangs, then git and every process it started are killed and the run fails with the abort reason', async () => {
    const abort = new AbortController();
    const reason = new Error('step timed out');
    const run = runner.run(['fetch', 'origin'], { signal: abort.signal });
    const pids = await hungPids();
    expect(pids.filter(running)).toEqual(pids);

    abort.abort(reason);

    await expect(run).rejects.toBe(reason);
    expect(await stillRunning(pids)).toEqual([]);
  });

  it('given an aborted signal, when git is asked for again, then git does not start', async () => {
    const abort = new AbortController();
    abort.abort(new Error('given up'));

    await expect(
      runner.run(['fetch', 'origin'], { signal: abort.signal }),
    ).rejects.toThrow('given up');
    expect(existsSync(pidsFile)).toBe(false);
  });

  it('given no signal, when git answers, then its output and exit code are returned', async () => {
    const git = new GitRunner();

    const result = await git.run(['version']);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^git version \d+\.\d+/);
    await expect(git.run(['no-such-command'])).rejects.toMatchObject({
      code: 'GIT.COMMAND_FAILED',
      exitCode: 1,
    });
  });

  it('runs git below the priority of the service, one-shot commands and long-running helpers alike', async () => {
    // A "git" that answers with its own nice value once it has read a line (or the end) of
    // its input: a helper's priority is lowered right after it starts.
    const bin = join(dir, 'nice-git');
    writeFileSync(
      bin,
      `#!/bin/sh\nread -r line\nstat=$(cat /proc/$$/stat)\nset -- \${stat##*) }\nshift 16\necho "$1"\nexec cat\n`,
    );
    chmodSync(bin, 0o755);
    const git = new GitRunner(bin);

    const oneShot = Number(await git.text(['status']));
    const helper = git.spawn(['cat-file', '--batch'], dir);
    const exited = new Promise((resolve) => helper.once('close', resolve));
    let helperNice = '';
    helper.stdout.on('data', (d: Buffer) => (helperNice += d.toString()));
    helper.stdin.end('\n');
    await exited;

    expect(oneShot).toBeGreaterThanOrEqual(GIT_NICENESS);
    expect(oneShot).toBeGreaterThan(niceOf('self'));
    expect(Number(helperNice.trim())).toBe(oneShot);
  });

  describe('the launcher that starts one-shot git commands', () => {
    it('given it dies while git runs, then that run fails as git that never answered, and the next run starts a new launcher', async () => {
      const run = runner.run(['fetch', 'origin']);
      await hungPids();
      const first = gitLauncherPid()!;
      expect(first).toBeGreaterThan(0);

      process.kill(first, 'SIGKILL');

      await expect(run).rejects.toMatchObject({
        code: 'GIT.COMMAND_FAILED',
        exitCode: -1,
      });
      expect(await stillRunning([first])).toEqual([]);
      const result = await new GitRunner().run(['version']);
      expect(result.stdout).toMatch(/^git version/);
      expect(gitLauncherPid()).not.toBe(first);
    });
  });
});
