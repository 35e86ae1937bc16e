import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import {
  type PackObject,
  storedZlib,
  writePack,
} from '../../../src/infrastructure/git/pack-writer';
import { CatFileBatch } from '../../../src/infrastructure/git/cat-file-batch';
import { GitRunner } from '../../../src/infrastructure/git/git-runner';
import { GitFixture } from '../../support/git-fixture';

/** An object as git names it: SHA-1 of `<type> <size>\0<body>`. */
const object = (type: PackObject['type'], body: Buffer): PackObject => ({
  oid: createHash('sha1')
    .update(`${type} ${body.length}\0`)
    .update(body)
    .digest('hex'),
  type,
  body,
});

describe('storedZlib', () => {
  it.each([0, 1, 15, 16, 127, 4_096, 65_531])(
    'is what zlib makes at level 0, byte for byte, for %i bytes',
    (size) => {
      const data = randomBytes(size);
      expect(storedZlib(data).equals(deflateSync(data, { level: 0 }))).toBe(
        true,
      );
    },
  );

  // zlib cuts its stored blocks a little shorter than the format allows; both inflate alike.
  it.each([0, 65_535, 65_536, 65_537, 200_000])(
    'inflates back to the data, in blocks of at most 65,535 bytes, for %i bytes',
    (size) => {
      const data = randomBytes(size);
      const stored = storedZlib(data);
      expect(inflateSync(stored).equals(data)).toBe(true);
      expect(stored.length).toBe(
        2 + 5 * Math.max(1, Math.ceil(size / 65_535)) + size + 4,
      );
    },
  );
});

describe('writePack on a real repository', () => {
  let fx: GitFixture;
  let repo: string;
  const git = (...args: string[]) => fx.git(repo, ...args);
  const packDir = () => join(repo, 'objects', 'pack');

  beforeEach(() => {
    fx = new GitFixture();
    repo = join(fx.root, 'repo.git');
    fx.git(fx.root, 'init', '--quiet', '--bare', repo);
  });

  afterEach(() => fx.dispose());

  /** Blobs of sizes that cross the entry header's 4- and 7-bit boundaries, a tree, commits. */
  const sample = (): PackObject[] => {
    const blobs = [0, 1, 15, 16, 2_047, 2_048, 70_000, 300_000].map((n) =>
      object('blob', randomBytes(n)),
    );
    const treeBody = Buffer.concat(
      blobs.map((b, i) =>
        Buffer.concat([
          Buffer.from(`100644 f${i}\0`),
          Buffer.from(b.oid, 'hex'),
        ]),
      ),
    );
    const tree = object('tree', treeBody);
    const root = object(
      'commit',
      Buffer.from(
        `tree ${tree.oid}\nauthor A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\nroot\n`,
      ),
    );
    const child = object(
      'commit',
      Buffer.from(
        `tree ${tree.oid}\nparent ${root.oid}\nauthor Zoë <z@x> 1700000001 -0530\ncommitter A <a@x> 1700000001 +0000\n\nchild ünïcode\n`,
      ),
    );
    return [child, ...blobs, tree, root];
  };

  it('writes a pack git reads, with the very index git makes of it, and nothing else', async () => {
    const objects = sample();
    const name = await writePack(join(repo, 'objects'), objects);

    expect(readdirSync(packDir()).sort()).toEqual([
      `${name}.idx`,
      `${name}.pack`,
    ]);
    for (const o of objects) {
      expect(git('cat-file', '-t', o.oid)).toBe(o.type);
      expect(
        fx.gitInput(repo, '', 'cat-file', o.type, o.oid).equals(o.body),
      ).toBe(true);
    }
    // `git index-pack` indexes a copy of the pack as it reads it: the same bytes.
    const copy = join(fx.root, 'copy.pack');
    copyFileSync(join(packDir(), `${name}.pack`), copy);
    fx.git(fx.root, 'index-pack', '-o', join(fx.root, 'copy.idx'), copy);
    expect(
      readFileSync(join(fx.root, 'copy.idx')).equals(
        readFileSync(join(packDir(), `${name}.idx`)),
      ),
    ).toBe(true);
    expect(git('verify-pack', join(packDir(), `${name}.idx`))).toBe('');
    git('update-ref', 'refs/heads/master', objects[0]!.oid);
    const fsck = fx.tryGit(repo, 'fsck', '--strict', '--no-progress');
    expect({ status: fsck.status, stderr: fsck.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(git('rev-list', 'master').split('\n')).toEqual([
      objects[0]!.oid,
      objects[objects.length - 1]!.oid,
    ]);
  });

  it('leaves a pack there already as it is, freshened, and no pack without its index when the index cannot be placed', async () => {
    const objects = [object('blob', Buffer.from('once\n'))];
    const name = await writePack(join(repo, 'objects'), objects);
    const packFile = join(packDir(), `${name}.pack`);
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(packFile, old, old);
    const inode = statSync(packFile).ino;
    expect(await writePack(join(repo, 'objects'), objects)).toBe(name);
    expect(statSync(packFile).ino).toBe(inode);
    expect(statSync(packFile).mtimeMs).toBeGreaterThan(old.getTime());

    // Another repository where the index's name is taken by a folder: the rename fails.
    const other = join(fx.root, 'other.git');
    fx.git(fx.root, 'init', '--quiet', '--bare', other);
    mkdirSync(join(other, 'objects', 'pack', `${name}.idx`));
    await expect(writePack(join(other, 'objects'), objects)).rejects.toThrow();
    expect(readdirSync(join(other, 'objects', 'pack'))).toEqual([
      `${name}.idx`,
    ]);
  });

  it('a long-running reader started before a pack was written reads its objects', async () => {
    const before = object('blob', Buffer.from('before\n'));
    await writePack(join(repo, 'objects'), [before]);
    const reader = new CatFileBatch(new GitRunner(), repo);
    try {
      expect((await reader.read(before.oid))?.toString()).toBe('before\n');
      const after = object('blob', Buffer.from('after\n'));
      expect(await reader.read(after.oid)).toBeUndefined();
      // A second pack beside the first: git looks for new packs when an object is not found.
      await writePack(join(repo, 'objects'), [after]);
      expect((await reader.read(after.oid))?.toString()).toBe('after\n');
      expect(git('count-objects', '-v')).toMatch(/^packs: 2$/m);
    } finally {
      await reader.close();
    }
  });
});
