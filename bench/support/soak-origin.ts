import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Git in a closed environment (no system or user config, fixed identity). */
async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Soak',
      GIT_AUTHOR_EMAIL: 'soak@example.com',
      GIT_COMMITTER_NAME: 'Soak',
      GIT_COMMITTER_EMAIL: 'soak@example.com',
    },
  });
  return stdout.trim();
}

/**
 * A real bare origin holding a linear stack (trunk <- names[0] <- names[1] ...), each branch
 * with files of its own so that no restack, rebase or reparent can conflict, and the work
 * tree that pushes new trunk commits to it while the soak runs. Git runs asynchronously, so
 * that the load generator's event loop never stalls on it.
 */
export class SoakOrigin {
  readonly origin: string;
  readonly work: string;
  private tick = 0;

  private constructor(
    readonly dir: string,
    readonly branches: readonly string[],
    readonly trunk: string,
  ) {
    this.origin = join(dir, 'origin.git');
    this.work = join(dir, 'work');
  }

  static async create(
    dir: string,
    branches: readonly string[],
    trunk = 'main',
    commitsPerBranch = 2,
  ): Promise<SoakOrigin> {
    const o = new SoakOrigin(dir, branches, trunk);
    await mkdir(dir, { recursive: true });
    await git(dir, [
      'init',
      '--quiet',
      '--bare',
      `--initial-branch=${trunk}`,
      o.origin,
    ]);
    await git(dir, ['init', '--quiet', `--initial-branch=${trunk}`, o.work]);
    await o.w('remote', 'add', 'origin', o.origin);
    await o.commit('README.md', '# soak\n', 'initial commit');
    await o.w('push', '--quiet', 'origin', trunk);
    let parent = trunk;
    for (const name of branches) {
      await o.w('checkout', '--quiet', '-B', name, parent);
      for (let i = 1; i <= commitsPerBranch; i++)
        await o.commit(
          `${name}/file-${i}.txt`,
          `${name} ${i}\n`,
          `${name}: change ${i}`,
        );
      await o.w('push', '--quiet', '--force', 'origin', name);
      parent = name;
    }
    await o.w('checkout', '--quiet', trunk);
    return o;
  }

  /** Pushes one more commit to trunk, touching a file no branch touches. */
  async advanceTrunk(): Promise<void> {
    await this.commit(
      `trunk/${this.tick}.txt`,
      `trunk ${this.tick}\n`,
      `trunk: advance ${this.tick}`,
    );
    await this.w('push', '--quiet', 'origin', this.trunk);
  }

  private async commit(
    path: string,
    content: string,
    message: string,
  ): Promise<void> {
    this.tick++;
    const file = join(this.work, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    await this.w('add', '--', path);
    await this.w('commit', '--quiet', '-m', message);
  }

  private w(...args: string[]): Promise<string> {
    return git(this.work, args);
  }
}
