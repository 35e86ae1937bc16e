import { execFileSync } from 'node:child_process';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  diskUsage,
  type FolderUsage,
  gitObjectFolder,
} from '../../../src/infrastructure/git/clone-cache';

/** `du`'s figure for the folder, in bytes (allocated blocks, hard links counted once). */
const du = (path: string) =>
  Number(
    execFileSync('du', ['-s', '-B1', path], { encoding: 'utf8' }).split(
      '\t',
    )[0],
  );

describe('diskUsage', () => {
  let root: string;
  let cache: Map<string, FolderUsage>;
  /** The tests' now, fixed, so that a folder aged twice by as much has the same time. */
  let start: number;
  const objects = (name: string) => join(root, 'objects', name);
  /** Sets a folder's time (seconds before the test's start), as if nothing changed since. */
  const age = (folder: string, secondsAgo: number) => {
    const at = new Date(start - secondsAgo * 1000);
    utimesSync(folder, at, at);
  };
  const measured = () =>
    diskUsage(root, {
      cache,
      unchanging: (folder) => gitObjectFolder(relative(root, folder)),
    });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-du-'));
    cache = new Map();
    start = Date.now();
    for (const folder of ['ab', 'cd', 'pack', 'info'])
      mkdirSync(objects(folder), { recursive: true });
    mkdirSync(join(root, 'refs', 'heads'), { recursive: true });
    writeFileSync(join(root, 'config'), '[core]\n\tbare = true\n');
    writeFileSync(join(root, 'refs', 'heads', 'main'), 'a'.repeat(41));
    writeFileSync(join(objects('ab'), 'one'), 'x'.repeat(10_000));
    writeFileSync(join(objects('pack'), 'p.pack'), 'p'.repeat(50_000));
    // The same object linked into two folders counts once.
    linkSync(join(objects('ab'), 'one'), join(objects('cd'), 'linked'));
    for (const folder of ['ab', 'cd', 'pack']) age(objects(folder), 60);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('counts what du counts, with and without a cache', async () => {
    const plain = await diskUsage(root);
    expect(plain!.bytes).toBe(du(root));
    expect((await measured())!.bytes).toBe(du(root));
    // Again from the cache: the same.
    expect((await measured())!.bytes).toBe(du(root));
    expect([...cache.keys()].sort()).toEqual(
      ['ab', 'cd', 'pack'].map(objects).sort(),
    );
    expect(plain!.lastModifiedAt).toBe(
      Math.max(
        ...[
          'config',
          'refs/heads/main',
          'objects/ab/one',
          'objects/pack/p.pack',
        ].map((f) => statSync(join(root, f)).mtimeMs),
      ),
    );
  });

  it('reads an object folder again only when its own time moved', async () => {
    const first = await measured();
    // A file added while the folder's time is put back: the cache cannot know, and proves
    // that it did not read the folder again. A walk without the cache sees it.
    writeFileSync(join(objects('ab'), 'two'), 'y'.repeat(20_000));
    age(objects('ab'), 60);
    expect((await measured())!.bytes).toBe(first!.bytes);
    expect((await diskUsage(root))!.bytes).toBe(du(root));
    // Its time moved (as it does when git adds an object): read again.
    age(objects('ab'), 30);
    expect((await measured())!.bytes).toBe(du(root));
    // Folders that are not object folders are always read.
    writeFileSync(join(root, 'refs', 'heads', 'topic'), 'b'.repeat(41));
    age(join(root, 'refs', 'heads'), 60);
    expect((await measured())!.bytes).toBe(du(root));
  });

  it('keeps no folder whose time has not settled, and forgets the folders that went', async () => {
    writeFileSync(join(objects('cd'), 'new'), 'z'.repeat(5_000));
    await measured();
    expect(cache.has(objects('cd'))).toBe(false);
    // Added within the same clock tick as the last change would leave the time as it was:
    // the folder was not kept, so the next measure reads it anyway.
    const recent = statSync(objects('cd')).mtime;
    writeFileSync(join(objects('cd'), 'newer'), 'w'.repeat(5_000));
    utimesSync(objects('cd'), recent, recent);
    expect((await measured())!.bytes).toBe(du(root));

    rmSync(objects('pack'), { recursive: true });
    expect((await measured())!.bytes).toBe(du(root));
    expect(cache.has(objects('pack'))).toBe(false);
    rmSync(root, { recursive: true });
    expect(await measured()).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('names git object folders only, relative to the clone', () => {
    expect(gitObjectFolder('objects/0a')).toBe(true);
    expect(gitObjectFolder('objects/pack')).toBe(true);
    expect(gitObjectFolder('objects/info')).toBe(false);
    expect(gitObjectFolder('refs/heads')).toBe(false);
    expect(gitObjectFolder('objects/0a/b')).toBe(false);
    expect(gitObjectFolder('refs/heads/objects/ab')).toBe(false);
  });

  it('keeps no object folder that holds a file still being written', async () => {
    writeFileSync(join(objects('pack'), 'tmp_pack_x'), 'partial');
    age(objects('pack'), 60);
    await measured();
    expect(cache.has(objects('pack'))).toBe(false);
    expect(cache.has(objects('ab'))).toBe(true);
  });
});
