import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloneCache } from '../../../src/infrastructure/git/clone-cache';
import { GitCliEngine } from '../../../src/infrastructure/git/git-cli-engine';
import {
  removeOrphanPacks,
  writePack,
} from '../../../src/infrastructure/git/pack-writer';
import { GitFixture } from '../../support/git-fixture';

/** Contents of `count` blobs whose ids start with `prefix` (found by trying). */
function blobsStartingWith(prefix: string, count: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) {
    const content = `object ${i}\n`;
    const id = createHash('sha1')
      .update(`blob ${Buffer.byteLength(content)}\0${content}`)
      .digest('hex');
    if (id.startsWith(prefix)) found.push(content);
  }
  return found;
}

/** Packing a clone's objects, on the engine's real clones of a real bare origin. */
describe("a clone's loose objects", () => {
  let root: string;
  let fx: GitFixture;
  let engine: GitCliEngine;
  let gitDir: string;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-pack-'));
    fx = new GitFixture();
    fx.stack(['a', 'b']);
    engine = new GitCliEngine(join(root, 'repos'));
    await engine.ensureClone('r', fx.origin);
    gitDir = engine.gitDir('r');
  });

  afterEach(async () => {
    await engine.close();
    fx.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const writeLoose = (contents: string[]) =>
    contents.map((c) =>
      fx.gitInput(gitDir, c, 'hash-object', '-w', '--stdin').toString().trim(),
    );
  const countObjects = () =>
    Object.fromEntries(
      fx
        .git(gitDir, 'count-objects', '-v')
        .split('\n')
        .map((line) => line.split(': ') as [string, string]),
    );
  const exists = (id: string) => {
    try {
      fx.git(gitDir, 'cat-file', '-e', id);
      return true;
    } catch {
      return false;
    }
  };

  it('are estimated as git estimates them, from one fan-out folder', async () => {
    expect(await engine.looseObjects('r')).toBe(0);
    writeLoose(blobsStartingWith('17', 3));
    writeLoose(blobsStartingWith('18', 2));
    expect(await engine.looseObjects('r')).toBe(3 * 256);
  });

  it('are packed, those no ref reaches into a cruft pack that keeps them, and those unreachable for two weeks pruned', async () => {
    // A restack's leftovers: objects no ref reaches, and a new commit a ref points to.
    const unreachable = writeLoose(['left behind\n', 'by a restack\n']);
    const tree = fx.git(gitDir, 'rev-parse', `${fx.head('b')}^{tree}`);
    const commit = fx
      .gitInput(
        gitDir,
        '',
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.com',
        'commit-tree',
        tree,
        '-p',
        fx.head('b'),
        '-m',
        'restacked',
      )
      .toString()
      .trim();
    fx.git(gitDir, 'update-ref', 'refs/heads/b', commit);
    expect(Number(countObjects().count)).toBeGreaterThanOrEqual(3);

    // Unreachable for a month: gone, as git gc's prune would drop them.
    const [old] = writeLoose(['unreachable for a month\n']);
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    utimesSync(
      join(gitDir, 'objects', old!.slice(0, 2), old!.slice(2)),
      monthAgo,
      monthAgo,
    );

    await engine.packObjects('r', new AbortController().signal);

    expect(countObjects().count).toBe('0');
    for (const id of [...unreachable, commit, fx.head('a')])
      expect(exists(id)).toBe(true);
    expect(exists(old!)).toBe(false);
    const packs = readdirSync(join(gitDir, 'objects', 'pack'));
    // One pack of what refs reach, one cruft pack (with its objects' times).
    expect(packs.filter((p) => p.endsWith('.pack'))).toHaveLength(2);
    expect(packs.filter((p) => p.endsWith('.mtimes'))).toHaveLength(1);
    expect(fx.git(gitDir, 'fsck', '--connectivity-only', '--no-dangling')).toBe(
      '',
    );
  });

  it('are packed by the clone cache once a measure finds more than its limit', async () => {
    const logged: object[] = [];
    const cache = new CloneCache(engine, {
      budgetBytes: undefined,
      looseObjectLimit: 256,
      logger: {
        log: (l) => logged.push(l as object),
        warn: (l) => logged.push({ warn: l }),
      },
    });
    cache.start();
    const step = async () => {
      await cache.laneBusy('r');
      cache.stepStarted('r');
      cache.stepEnded('r');
      cache.laneIdle('r');
      await cache.settled();
    };
    writeLoose(blobsStartingWith('17', 1));
    await step();
    expect(logged).toEqual([]); // about 256: not over the limit
    const [beyond] = writeLoose(blobsStartingWith('17', 2).slice(1));
    await step();
    expect(logged).toEqual([
      expect.objectContaining({ repoId: 'r', looseObjects: 512, looseLeft: 0 }),
    ]);
    expect(countObjects().count).toBe('0');
    expect(exists(beyond!)).toBe(true);
    // Measured again after the pack.
    expect(cache.clones()[0]!.bytes).toBe(
      (logged[0] as { bytesAfter: number }).bytesAfter,
    );
    await cache.stop();
  });

  /** A pack of one new blob, as a restack's writer leaves one: its blob's id and its name. */
  const writeBlobPack = async (content: string) => {
    const body = Buffer.from(content);
    const oid = createHash('sha1')
      .update(`blob ${body.length}\0`)
      .update(body)
      .digest('hex');
    return {
      oid,
      pack: await writePack(join(gitDir, 'objects'), [
        { oid, type: 'blob', body },
      ]),
    };
  };

  it('are counted in packs as git gc counts them, and packed by the cache past its pack limit', async () => {
    // A fresh clone of a small origin: its objects came loose (git unpacks fewer than 100).
    expect(await engine.packs('r')).toBe(0);
    const written = [
      await writeBlobPack('one\n'),
      await writeBlobPack('two\n'),
      await writeBlobPack('three\n'),
    ];
    expect(await engine.packs('r')).toBe(3);
    // A kept pack is not counted (nor merged by a repack).
    const kept = await writeBlobPack('kept\n');
    writeFileSync(join(gitDir, 'objects', 'pack', `${kept.pack}.keep`), '');
    expect(await engine.packs('r')).toBe(3);

    const logged: object[] = [];
    const cache = new CloneCache(engine, {
      budgetBytes: undefined,
      packLimit: 2,
      logger: {
        log: (l) => logged.push(l as object),
        warn: (l) => logged.push({ warn: l }),
      },
    });
    cache.start();
    await cache.laneBusy('r');
    cache.stepStarted('r');
    cache.stepEnded('r');
    cache.laneIdle('r');
    await cache.settled();
    await cache.stop();

    expect(logged).toEqual([
      expect.objectContaining({ repoId: 'r', packs: 3, packsLeft: 1 }),
    ]);
    // What refs reach in one pack, the new blobs (no ref reaches them) in a cruft pack.
    expect(await engine.packs('r')).toBe(1);
    for (const { oid } of [...written, kept]) expect(exists(oid)).toBe(true);
    expect(
      readdirSync(join(gitDir, 'objects', 'pack')).filter((p) =>
        p.startsWith(kept.pack),
      ),
    ).toHaveLength(3);
    expect(fx.git(gitDir, 'fsck', '--connectivity-only', '--no-dangling')).toBe(
      '',
    );
  });

  it('are packed past a pack a killed writer left without its index, which is removed once a minute old', async () => {
    const orphan = await writeBlobPack('orphaned\n');
    const young = await writeBlobPack('young orphan\n');
    const packDir = join(gitDir, 'objects', 'pack');
    for (const { pack } of [orphan, young])
      rmSync(join(packDir, `${pack}.idx`));
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(
      join(packDir, `${orphan.pack}.pack`),
      twoMinutesAgo,
      twoMinutesAgo,
    );

    // Only the old one goes: a young one's index may be on its way.
    expect(await removeOrphanPacks(join(gitDir, 'objects'), 60_000)).toEqual([
      `${orphan.pack}.pack`,
    ]);
    expect(readdirSync(packDir)).toContain(`${young.pack}.pack`);

    utimesSync(
      join(packDir, `${young.pack}.pack`),
      twoMinutesAgo,
      twoMinutesAgo,
    );
    // git 2.39's repack stops on a pack without its index: packObjects removes it first.
    await engine.packObjects('r', new AbortController().signal);
    expect(
      readdirSync(packDir).filter(
        (p) =>
          p.startsWith('pack-') &&
          p.endsWith('.pack') &&
          !readdirSync(packDir).includes(p.replace(/\.pack$/, '.idx')),
      ),
    ).toEqual([]);
    expect(fx.git(gitDir, 'fsck', '--connectivity-only', '--no-dangling')).toBe(
      '',
    );
  });

  it('are no longer packed once the cache stops: a pack under way is cut off', async () => {
    let aborted: unknown;
    let started!: () => void;
    const packStarted = new Promise<void>((resolve) => (started = resolve));
    const cache = new CloneCache(
      {
        gitDir: (repoId) => engine.gitDir(repoId),
        clones: () => engine.clones(),
        removeClone: (repoId) => engine.removeClone(repoId),
        looseObjects: () => Promise.resolve(10_000),
        // A pack that would run until it is stopped.
        packObjects: (_repoId, signal) =>
          new Promise<void>((_resolve, reject) => {
            started();
            signal.addEventListener('abort', () => {
              aborted = signal.reason;
              reject(signal.reason as Error);
            });
          }),
      },
      { budgetBytes: undefined },
    );
    cache.start();
    await cache.laneBusy('r');
    cache.stepStarted('r');
    cache.stepEnded('r');
    cache.laneIdle('r');
    await packStarted;
    await cache.stop();
    expect(aborted).toEqual(new Error('the clone cache stopped'));
  });
});
