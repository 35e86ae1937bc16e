import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatFileBatch } from '../../../src/infrastructure/git/cat-file-batch';
import {
  GitCliEngine,
  type GitCliEngineOptions,
} from '../../../src/infrastructure/git/git-cli-engine';
import { GitRunner } from '../../../src/infrastructure/git/git-runner';
import { GitFixture } from '../../support/git-fixture';

/** The real git runner, keeping every long-running helper it starts so a test can kill it. */
class RecordingRunner extends GitRunner {
  readonly children: ChildProcessWithoutNullStreams[] = [];
  private readonly closed = new Map<
    ChildProcessWithoutNullStreams,
    Promise<void>
  >();

  override spawn(
    args: readonly string[],
    gitDir: string,
    options?: { unbuffered?: boolean },
  ): ChildProcessWithoutNullStreams {
    const child = super.spawn(args, gitDir, options);
    this.children.push(child);
    this.closed.set(
      child,
      once(child, 'close').then(() => undefined),
    );
    return child;
  }

  /** Resolves once the process is gone and its pipes are closed. */
  gone(child: ChildProcessWithoutNullStreams): Promise<void> {
    return this.closed.get(child)!;
  }

  /** Kills the process as the system would (OOM killer, `kill -9`) and waits until it is gone. */
  kill(child: ChildProcessWithoutNullStreams): Promise<void> {
    child.kill('SIGKILL');
    return this.gone(child);
  }

  /** Helpers started for one repository. */
  of(gitDir: string): ChildProcessWithoutNullStreams[] {
    return this.children.filter((c) =>
      c.spawnargs.includes(`--git-dir=${gitDir}`),
    );
  }

  alive(): ChildProcessWithoutNullStreams[] {
    return this.children.filter(
      (c) => c.exitCode === null && c.signalCode === null,
    );
  }
}

describe('the git engine’s long-running helpers', () => {
  let fx: GitFixture;
  let runner: RecordingRunner;
  const engines: GitCliEngine[] = [];

  const engineWith = (options: GitCliEngineOptions = {}) => {
    const engine = new GitCliEngine(join(fx.root, 'repos'), runner, {
      scratchDir: join(fx.root, 'data', 'tmp'),
      ...options,
    });
    engines.push(engine);
    return engine;
  };

  /** Restacks `a` onto a moved trunk: reads objects and writes trees and commits. */
  const restackA = async (engine: GitCliEngine, repoId: string) => {
    const heads = await engine.remoteHeads(repoId);
    const onto = heads.get('main')!;
    const from = (await engine.mergeBase(repoId, onto, heads.get('a')!))!;
    return engine.replay(repoId, {
      branch: 'a',
      from,
      to: heads.get('a')!,
      onto,
    });
  };

  const inClone = (engine: GitCliEngine, repoId: string, ...args: string[]) =>
    execFileSync('git', [`--git-dir=${engine.gitDir(repoId)}`, ...args], {
      encoding: 'utf8',
    }).trim();

  beforeEach(() => {
    fx = new GitFixture();
    fx.stack(['a']);
    fx.advance();
    runner = new RecordingRunner();
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    // Every helper a test started has ended with its engine: none is left running.
    expect(runner.alive().map((c) => c.spawnargs.join(' '))).toEqual([]);
    fx.dispose();
  });

  describe('a helper that dies', () => {
    it('fails the read in flight with GIT.HELPER_DIED, which a retry may fix, and reads no more', async () => {
      const engine = engineWith();
      await engine.ensureClone('r1', fx.origin);
      const reader = new CatFileBatch(runner, engine.gitDir('r1'));
      const head = fx.head('a');
      expect((await reader.commit(head)).oid).toBe(head);

      const [child] = runner.of(engine.gitDir('r1'));
      child!.kill('SIGKILL');
      const inFlight = reader.read(head);
      await expect(inFlight).rejects.toMatchObject({
        code: 'GIT.HELPER_DIED',
        kind: 'unavailable',
      });
      await runner.gone(child!);
      expect(reader.dead).toBe(true);
      await expect(reader.read(head)).rejects.toMatchObject({
        code: 'GIT.HELPER_DIED',
      });
    });

    it('is replaced on the next replay: killing the reader between two replays changes nothing', async () => {
      const engine = engineWith();
      await engine.ensureClone('r1', fx.origin);
      const first = await restackA(engine, 'r1');
      // The reader is the one long-running process: trees and commits are written in process.
      const helpers = runner.of(engine.gitDir('r1'));
      expect(helpers.map((c) => c.spawnargs.slice(-2))).toEqual([
        ['cat-file', '--batch'],
      ]);

      for (const child of helpers) await runner.kill(child);
      // Onto a trunk the engine has not read yet: the objects the first replay read are
      // cached, so without new ones the second would need no reader at all.
      const trunkFile = 'trunk-again.txt';
      fx.advance('main', trunkFile);
      await engine.fetch('r1');

      const second = await restackA(engine, 'r1');
      expect(second).toMatchObject({ replayed: first.replayed, dropped: 0 });
      expect(
        inClone(engine, 'r1', 'diff', '--name-only', first.head, second.head),
      ).toBe(trunkFile);
      expect(inClone(engine, 'r1', 'rev-parse', `${second.head}~2`)).toBe(
        fx.head('main'),
      );
      // A new reader took the dead one's place.
      expect(runner.of(engine.gitDir('r1'))).toHaveLength(2);
      expect(runner.alive()).toHaveLength(1);
    });

    it('a replay in flight when its helper dies fails with GIT.HELPER_DIED, and the next one succeeds', async () => {
      const engine = engineWith();
      await engine.ensureClone('r1', fx.origin);
      await restackA(engine, 'r1');
      const [catFile] = runner.of(engine.gitDir('r1'));
      // Onto a trunk the engine has not read: the first read is not in its object cache.
      const before = fx.head('main');
      const onto = fx.advance('main');
      await engine.fetch('r1');
      const request = {
        branch: 'a',
        from: `${before}~1`,
        to: fx.head('a'),
        onto,
      };
      // replay() has sent its first read by the time it returns: the helper dies with that
      // read in flight. It is stopped first, so that it cannot answer the read before the
      // kill lands (on a fast machine it sometimes did, and the replay went on with a new one).
      catFile!.kill('SIGSTOP');
      const replay = engine.replay('r1', request);
      catFile!.kill('SIGKILL');
      await expect(replay).rejects.toMatchObject({
        code: 'GIT.HELPER_DIED',
        kind: 'unavailable',
      });
      await runner.gone(catFile!);
      await expect(engine.replay('r1', request)).resolves.toMatchObject({
        replayed: 2,
      });
    });
  });

  describe('bounds', () => {
    it('keeps helpers for at most maxHelperRepos repositories, closing the least recently used', async () => {
      const engine = engineWith({ maxHelperRepos: 2 });
      const repos = ['r0', 'r1', 'r2', 'r3'];
      for (const repoId of repos) {
        await engine.ensureClone(repoId, fx.origin);
        await restackA(engine, repoId);
      }
      const [early, late] = [repos.slice(0, 2), repos.slice(2)];
      const helpersOf = (ids: string[]) =>
        ids.flatMap((id) => runner.of(engine.gitDir(id)));
      expect(helpersOf(repos)).toHaveLength(4);
      // The two repositories used first had their helpers' input closed, so git ends them.
      expect(helpersOf(early).every((c) => c.stdin.writableEnded)).toBe(true);
      expect(helpersOf(late).some((c) => c.stdin.writableEnded)).toBe(false);
      await Promise.all(helpersOf(early).map((c) => runner.gone(c)));

      expect(runner.alive()).toEqual(helpersOf(late));
      // And the system agrees: the git processes this test started for its repos are two
      // repositories' worth.
      const running = execFileSync(
        'ps',
        ['-o', 'args=', '--ppid', String(process.pid)],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter((line) => line.includes(join(fx.root, 'repos')));
      expect(running).toHaveLength(2);

      // A repository whose helpers were closed gets new ones when it is used again.
      await expect(restackA(engine, 'r0')).resolves.toMatchObject({
        replayed: 2,
      });
    });

    it('closes every helper process on close, and refuses replays after it', async () => {
      const engine = engineWith();
      await engine.ensureClone('r1', fx.origin);
      await restackA(engine, 'r1');
      expect(runner.alive()).toHaveLength(1);
      await engine.close();
      expect(runner.alive()).toEqual([]);
      await expect(restackA(engine, 'r1')).rejects.toMatchObject({
        code: 'GIT.HELPER_DIED',
      });
      expect(runner.children).toHaveLength(1);
    });
  });

  describe('scratch space', () => {
    it('is not used: objects go straight into the clone, with no temporary file left there', async () => {
      const scratch = join(fx.root, 'data', 'tmp');
      const engine = engineWith();
      await engine.ensureClone('r1', fx.origin);
      const result = await restackA(engine, 'r1');
      expect(result.replayed).toBe(2);
      expect(existsSync(scratch)).toBe(false);
      const objects = join(engine.gitDir('r1'), 'objects');
      const loose = readdirSync(objects)
        .filter((d) => /^[0-9a-f]{2}$/.test(d))
        .flatMap((d) => readdirSync(join(objects, d)));
      expect(loose.filter((f) => !/^[0-9a-f]{38}$/.test(f))).toEqual([]);
      expect(inClone(engine, 'r1', 'cat-file', '-t', result.head)).toBe(
        'commit',
      );
    });

    it('clears the folders an earlier version’s killed process left behind when an engine starts', () => {
      const scratch = join(fx.root, 'data', 'tmp');
      const stale = join(scratch, 'objects-Ab12Cd');
      mkdirSync(stale, { recursive: true });
      writeFileSync(join(stale, 'o7'), 'tree 1234\n');
      writeFileSync(join(scratch, 'not-ours.txt'), 'kept\n');

      engineWith();

      expect(existsSync(stale)).toBe(false);
      expect(readdirSync(scratch)).toEqual(['not-ours.txt']);
    });
  });
});
