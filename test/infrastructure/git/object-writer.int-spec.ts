import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { GitRunner } from '../../../src/infrastructure/git/git-runner';
import {
  ASYNC_DEFLATE_BYTES,
  formatCommit,
  MAX_HELD_BYTES,
  ObjectWriter,
  type NewCommit,
} from '../../../src/infrastructure/git/object-writer';
import {
  serializeTree,
  type TreeEntry,
} from '../../../src/infrastructure/git/tree-merge';
import { GitFixture } from '../../support/git-fixture';

describe('ObjectWriter on a real repository', () => {
  let fx: GitFixture;
  let repo: string;
  let writer: ObjectWriter;

  const git = (...args: string[]) => fx.git(repo, ...args);
  const gitIn = (input: string | Buffer, ...args: string[]) =>
    fx
      .gitInput(repo, input, ...args)
      .toString('utf8')
      .trim();
  const blob = (content: string) =>
    gitIn(content, 'hash-object', '-w', '--stdin');
  const looseFile = (oid: string, at = repo) =>
    join(at, 'objects', oid.slice(0, 2), oid.slice(2));
  /** Every file under the fan-out folders of `objects/`. */
  const looseFiles = (at = repo) =>
    readdirSync(join(at, 'objects'))
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) =>
        readdirSync(join(at, 'objects', d)).map((f) => `${d}/${f}`),
      );
  const expectFsckClean = () => {
    const r = fx.tryGit(repo, 'fsck', '--strict', '--no-progress');
    // Notices (an empty repository has no branch yet) are no findings.
    const findings = r.stderr
      .split('\n')
      .filter((line) => line && !line.startsWith('notice:'));
    expect({ status: r.status, findings }).toEqual({ status: 0, findings: [] });
  };
  const entry = (mode: string, name: string, oid: string): TreeEntry => ({
    mode,
    name: Buffer.from(name, 'utf8'),
    oid,
  });
  /** What `git mktree` makes of the entries (it sorts them itself). */
  const mktree = (entries: readonly TreeEntry[]) =>
    gitIn(
      entries
        .map(
          (e) =>
            `${e.mode.padStart(6, '0')} ${e.mode === '40000' ? 'tree' : 'blob'} ${e.oid}\t${e.name.toString('utf8')}\n`,
        )
        .join(''),
      'mktree',
    );
  /** What `git commit-tree` makes of the same commit. */
  const commitTree = (commit: NewCommit) => {
    const [, authorName, authorEmail, authorDate] = /^(.*) <(.*)> (.*)$/.exec(
      commit.author,
    )!;
    const [, committerName, committerEmail, committerDate] =
      /^(.*) <(.*)> (.*)$/.exec(commit.committer)!;
    return execFileSync(
      'git',
      ['commit-tree', commit.tree, ...commit.parents.flatMap((p) => ['-p', p])],
      {
        cwd: repo,
        input: commit.message,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HOME: fx.root,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_AUTHOR_NAME: authorName,
          GIT_AUTHOR_EMAIL: authorEmail,
          GIT_AUTHOR_DATE: authorDate,
          GIT_COMMITTER_NAME: committerName,
          GIT_COMMITTER_EMAIL: committerEmail,
          GIT_COMMITTER_DATE: committerDate,
        },
      },
    ).trim();
  };

  /** A tree of every kind of entry a restack writes, and the blobs it names. */
  const sampleTree = () => {
    const sub = [entry('100644', 'index.ts', blob('export {};\n'))];
    return [
      entry('100644', 'README.md', blob('# readme\n')),
      entry('100755', 'run.sh', blob('#!/bin/sh\necho hi\n')),
      entry('120000', 'link', blob('README.md')),
      // Sorted as git sorts: `src-a` < `src.txt` < `src/` (a tree sorts with its slash).
      entry('40000', 'src', mktree(sub)),
      entry('100644', 'src.txt', blob('src\n')),
      entry('100644', 'src-a', blob('a\n')),
      entry('100644', 'naïve name.txt', blob('ünïcödé\n')),
    ];
  };

  beforeEach(() => {
    fx = new GitFixture();
    repo = join(fx.root, 'repo.git');
    fx.git(fx.root, 'init', '--quiet', '--bare', repo);
    writer = new ObjectWriter(new GitRunner(), repo);
  });

  afterEach(() => fx.dispose());

  it('writes a tree as git does: the same id, and a loose file holding exactly that object', async () => {
    const entries = sampleTree();
    const content = serializeTree(entries);
    const oid = await writer.write('tree', content);

    expect(oid).toBe(mktree(entries));
    expect(oid).toBe(gitIn(content, 'hash-object', '-t', 'tree', '--stdin'));
    expect(
      inflateSync(readFileSync(looseFile(oid))).equals(
        Buffer.concat([Buffer.from(`tree ${content.length}\0`), content]),
      ),
    ).toBe(true);
    expect(fx.gitInput(repo, '', 'cat-file', 'tree', oid).equals(content)).toBe(
      true,
    );
    expect(git('-c', 'core.quotePath=false', 'cat-file', '-p', oid)).toContain(
      'naïve name.txt',
    );
    // Read-only, as git leaves its objects, and no temporary file is left beside it.
    expect(statSync(looseFile(oid)).mode & 0o777).toBe(0o444);
    expect(
      looseFiles().every((f) => /^[0-9a-f]{2}\/[0-9a-f]{38}$/.test(f)),
    ).toBe(true);
    expectFsckClean();
  });

  it('writes commits as git commit-tree does: a root commit, and one with a parent', async () => {
    const tree = await writer.write('tree', serializeTree(sampleTree()));
    const root: NewCommit = {
      tree,
      parents: [],
      author: 'Ann Author <ann@example.com> 1700000000 +0200',
      committer: 'Stackyard <stackyard@localhost> 1700000060 +0000',
      message: 'first\n',
    };
    const rootId = await writer.write('commit', formatCommit(root));
    expect(rootId).toBe(commitTree(root));

    const child: NewCommit = {
      tree,
      parents: [rootId],
      author: 'Zoë Ünïcode <zoe@example.com> 1700000120 -0530',
      committer: 'Stackyard <stackyard@localhost> 1700000180 +0000',
      message: 'subject with ünïcode\n\nbody line one\nbody line two\n',
    };
    const childId = await writer.write('commit', formatCommit(child));
    expect(childId).toBe(commitTree(child));

    expect(git('cat-file', '-p', childId)).toBe(formatCommit(child).trimEnd());
    expect(git('rev-list', childId)).toBe(`${childId}\n${rootId}`);
    expectFsckClean();
  });

  it('writes the same object twice: the same id, one file, its time freshened', async () => {
    const content = serializeTree(sampleTree());
    const oid = await writer.write('tree', content);
    const file = looseFile(oid);
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(file, old, old);
    const before = statSync(file);

    expect(await writer.write('tree', content)).toBe(oid);
    const after = statSync(file);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBeGreaterThan(before.mtimeMs);
    expect(
      looseFiles().filter((f) => f === `${oid.slice(0, 2)}/${oid.slice(2)}`),
    ).toHaveLength(1);
    expectFsckClean();
  });

  it('takes an object git wrote already, loose or packed, as written', async () => {
    const entries = sampleTree();
    const content = serializeTree(entries);
    const tree = gitIn(content, 'hash-object', '-w', '-t', 'tree', '--stdin');
    expect(await writer.write('tree', content)).toBe(tree);

    // Packed: reachable from a branch, repacked, the loose copies pruned.
    const commit = git('commit-tree', tree, '-m', 'packed');
    git('update-ref', 'refs/heads/main', commit);
    git('repack', '-a', '-d', '-q');
    git('prune-packed');
    expect(existsSync(looseFile(tree))).toBe(false);
    expect(await writer.write('tree', content)).toBe(tree);
    expect(git('cat-file', '-t', tree)).toBe('tree');
    const child = await writer.write(
      'commit',
      formatCommit({
        tree,
        parents: [commit],
        author: 'Ann Author <ann@example.com> 1700000000 +0000',
        committer: 'Stackyard <stackyard@localhost> 1700000000 +0000',
        message: 'on a packed parent\n',
      }),
    );
    expect(git('rev-parse', `${child}^`)).toBe(commit);
    expectFsckClean();
  });

  it('writes a large tree off the event loop, and two identical writes at once both succeed', async () => {
    const file = blob('same\n');
    const entries = Array.from({ length: 3000 }, (_, i) =>
      entry('100644', `file-${String(i).padStart(5, '0')}.ts`, file),
    );
    const content = serializeTree(entries);
    expect(content.length).toBeGreaterThanOrEqual(ASYNC_DEFLATE_BYTES);
    const other = new ObjectWriter(new GitRunner(), repo);

    // Each passes its existence check before either has placed its file.
    const ids = await Promise.all([
      writer.write('tree', content),
      other.write('tree', content),
      writer.write('tree', content),
    ]);

    const expected = mktree(entries);
    expect(ids).toEqual([expected, expected, expected]);
    expect(looseFiles().filter((f) => !f.includes(expected.slice(2)))).toEqual([
      looseFile(file).slice(-41),
    ]);
    expectFsckClean();
  });

  it('asks git when the config names an object format, and writes to a repository that says sha1', async () => {
    git('config', 'core.repositoryformatversion', '1');
    git('config', 'extensions.objectFormat', 'sha1');
    const entries = sampleTree();
    expect(await writer.write('tree', serializeTree(entries))).toBe(
      mktree(entries),
    );
    expectFsckClean();
  });

  it('refuses a repository of another object format, writing nothing', async () => {
    const sha256 = join(fx.root, 'sha256.git');
    fx.git(
      fx.root,
      'init',
      '--quiet',
      '--bare',
      '--object-format=sha256',
      sha256,
    );
    const refused = new ObjectWriter(new GitRunner(), sha256);
    await expect(refused.write('tree', Buffer.alloc(0))).rejects.toThrow(
      /sha256/,
    );
    expect(looseFiles(sha256)).toEqual([]);

    // A second object format kept beside the first: git releases that know it keep a map
    // between the two that this writer does not; git releases that do not refuse the repository.
    git('config', 'core.repositoryformatversion', '1');
    git('config', 'extensions.compatObjectFormat', 'sha256');
    await expect(writer.write('tree', Buffer.alloc(0))).rejects.toThrow();
    expect(looseFiles()).toEqual([]);
  });

  describe('holding objects', () => {
    const packs = () =>
      readdirSync(join(repo, 'objects', 'pack')).filter((f) =>
        f.endsWith('.pack'),
      );
    const exists = (oid: string) =>
      fx.tryGit(repo, 'cat-file', '-e', oid).status === 0;
    /** `n` distinct small trees, as a restack writes them. */
    const trees = (n: number, tag = 't') => {
      const file = blob(`${tag}\n`);
      return Array.from({ length: n }, (_, i) =>
        serializeTree([entry('100644', `${tag}-${i}.ts`, file)]),
      );
    };

    it('keeps new objects in memory until the release, then writes them as one pack', async () => {
      const packing = new ObjectWriter(new GitRunner(), repo, {
        packMinObjects: 3,
      });
      await packing.hold();
      const contents = trees(4);
      const ids: string[] = [];
      for (const c of contents) ids.push(await packing.write('tree', c));
      // Written twice while held: held once.
      expect(await packing.write('tree', contents[0]!)).toBe(ids[0]);
      expect(ids.map(exists)).toEqual([false, false, false, false]);
      expect(
        ids.map((id) => packing.held(id)?.equals(contents[ids.indexOf(id)]!)),
      ).toEqual([true, true, true, true]);

      await packing.release(true);

      expect(ids.map(exists)).toEqual([true, true, true, true]);
      expect(ids.map((id) => packing.held(id))).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(packs()).toHaveLength(1);
      // Only the blob `trees` made with git is loose.
      expect(looseFiles()).toHaveLength(1);
      for (const [i, id] of ids.entries())
        expect(
          fx.gitInput(repo, '', 'cat-file', 'tree', id).equals(contents[i]!),
        ).toBe(true);
      expectFsckClean();
      await expect(packing.release(true)).rejects.toThrow(/without a hold/);
    });

    it('opens one hold at a time: a second waits for the first, whose objects stay its own', async () => {
      const packing = new ObjectWriter(new GitRunner(), repo, {
        packMinObjects: 3,
      });
      await packing.hold();
      const first = await Promise.all(
        trees(3, 'first').map((c) => packing.write('tree', c)),
      );
      let secondOpen = false;
      const second = packing.hold().then(() => (secondOpen = true));
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(secondOpen).toBe(false);

      // The first hold fails: its objects are dropped, and only then does the second open.
      await packing.release(false);
      await second;
      expect(first.some((id) => packing.held(id) !== undefined)).toBe(false);
      const mine = await Promise.all(
        trees(3, 'second').map((c) => packing.write('tree', c)),
      );
      await packing.release(true);
      expect(mine.every(exists)).toBe(true);
      expect(first.some(exists)).toBe(false);
      expectFsckClean();
    });

    it('gives the id of an object a flush is writing only once it is written', async () => {
      const packing = new ObjectWriter(new GitRunner(), repo, {
        packMinObjects: 3,
      });
      await packing.hold();
      const contents = trees(3, 'inflight');
      const ids = await Promise.all(
        contents.map((c) => packing.write('tree', c)),
      );
      const flushed = packing.flush();
      // Asked again while the pack is being written: answered once it is in the repository.
      const again = await packing.write('tree', contents[0]!);
      expect(again).toBe(ids[0]);
      expect(exists(again)).toBe(true);
      await flushed;
      await packing.release(true);
      expect(packs()).toHaveLength(1);
      expectFsckClean();
    });

    it('writes fewer than the pack minimum as loose files, and drops what a failed hold kept', async () => {
      const few = new ObjectWriter(new GitRunner(), repo, {
        packMinObjects: 3,
      });
      await few.hold();
      const kept = await Promise.all(
        trees(2, 'kept').map((c) => few.write('tree', c)),
      );
      await few.release(true);
      expect(kept.map(exists)).toEqual([true, true]);
      expect(kept.every((id) => existsSync(looseFile(id)))).toBe(true);
      expect(packs()).toEqual([]);

      await few.hold();
      const dropped = await Promise.all(
        trees(5, 'dropped').map((c) => few.write('tree', c)),
      );
      await few.release(false);
      expect(dropped.some(exists)).toBe(false);
      expect(dropped.some((id) => few.held(id) !== undefined)).toBe(false);
      expect(packs()).toEqual([]);
      // With no hold open, a write goes straight to a loose file again.
      const direct = await few.write('tree', trees(1, 'direct')[0]!);
      expect(existsSync(looseFile(direct))).toBe(true);
      expectFsckClean();
    });

    it('flushes mid-hold for whoever hands ids to git, and holds what comes after again', async () => {
      const packing = new ObjectWriter(new GitRunner(), repo, {
        packMinObjects: 3,
      });
      await packing.hold();
      const first = await Promise.all(
        trees(3, 'a').map((c) => packing.write('tree', c)),
      );
      await packing.flush();
      expect(first.map(exists)).toEqual([true, true, true]);
      const second = await Promise.all(
        trees(3, 'b').map((c) => packing.write('tree', c)),
      );
      expect(second.some(exists)).toBe(false);
      await packing.release(true);
      expect(second.map(exists)).toEqual([true, true, true]);
      expect(packs()).toHaveLength(2);
      expectFsckClean();
    });

    it('flushes for given roots only what git needs to read them, keeping the rest held', async () => {
      await writer.hold();
      const inner = await writer.write('blob', 'held blob\n');
      const sub = await writer.write(
        'tree',
        serializeTree([entry('100644', 'f.txt', inner)]),
      );
      const root = await writer.write(
        'tree',
        serializeTree([entry('40000', 'dir', sub)]),
      );
      const author = 'Ann Author <ann@example.com> 1700000000 +0000';
      const parent = await writer.write(
        'commit',
        formatCommit({
          tree: root,
          parents: [],
          author,
          committer: author,
          message: 'parent\n',
        }),
      );
      const child = await writer.write(
        'commit',
        formatCommit({
          tree: root,
          parents: [parent],
          author,
          committer: author,
          message: 'child\n',
        }),
      );
      const unrelated = await writer.write(
        'tree',
        serializeTree([entry('100644', 'other.txt', inner)]),
      );

      await writer.flush([child]);
      expect([child, parent, root, sub, inner].map(exists)).toEqual([
        true,
        true,
        true,
        true,
        true,
      ]);
      expect(exists(unrelated)).toBe(false);
      expect(writer.held(unrelated)).toBeDefined();
      expect(git('rev-list', '--objects', child).split('\n')).toHaveLength(5);
      await writer.release(true);
      expect(exists(unrelated)).toBe(true);
      expectFsckClean();
    });

    it('does not pack again what it packed: the pack is freshened instead, and forgotten once repacked', async () => {
      const packing = new ObjectWriter(new GitRunner(), repo, {
        packMinObjects: 3,
      });
      const contents = trees(3, 'again');
      await packing.hold();
      const ids = await Promise.all(
        contents.map((c) => packing.write('tree', c)),
      );
      await packing.release(true);
      const [pack] = packs();
      const packFile = join(repo, 'objects', 'pack', pack!);
      const old = new Date('2001-01-01T00:00:00Z');
      utimesSync(packFile, old, old);

      await packing.hold();
      for (const c of contents) await packing.write('tree', c);
      expect(ids.some((id) => packing.held(id) !== undefined)).toBe(false);
      await packing.release(true);
      expect(packs()).toEqual([pack]);
      expect(statSync(packFile).mtimeMs).toBeGreaterThan(old.getTime());

      // Repacked, the pack gone and with it these objects (no ref reaches them): written again.
      git('repack', '-a', '-d', '-q');
      expect(packs()).not.toContain(pack);
      expect(ids.some(exists)).toBe(false);
      await packing.hold();
      for (const c of contents) await packing.write('tree', c);
      expect(ids.every((id) => packing.held(id) !== undefined)).toBe(true);
      await packing.release(true);
      expect(ids.every(exists)).toBe(true);
      expectFsckClean();
    });

    it('fails a release whose pack cannot be written, leaving no part of it and nothing held', async () => {
      const packing = new ObjectWriter(new GitRunner(), repo, {
        packMinObjects: 3,
      });
      // The pack folder gone, a file in its place: every file of the pack fails to open.
      const packDir = join(repo, 'objects', 'pack');
      rmSync(packDir, { recursive: true });
      writeFileSync(packDir, 'not a folder');
      await packing.hold();
      const ids = await Promise.all(
        trees(3, 'lost').map((c) => packing.write('tree', c)),
      );
      await expect(packing.release(true)).rejects.toThrow(/ENOTDIR/);
      expect(ids.some((id) => packing.held(id) !== undefined)).toBe(false);
      rmSync(packDir);
      mkdirSync(packDir);

      // The same objects again, once the folder is back: written whole.
      await packing.hold();
      for (const c of trees(3, 'lost')) await packing.write('tree', c);
      await packing.release(true);
      expect(ids.every(exists)).toBe(true);
      expect(readdirSync(packDir).filter((f) => f.startsWith('tmp_'))).toEqual(
        [],
      );
      expectFsckClean();
    });

    it('writes at once once what it holds passes its byte bound', async () => {
      await writer.hold();
      const big = randomBytes(MAX_HELD_BYTES / 2 + 1);
      const a = await writer.write('blob', big);
      expect(exists(a)).toBe(false);
      const b = await writer.write(
        'blob',
        Buffer.concat([big, Buffer.from('!')]),
      );
      // Past the bound: both written although the hold is open.
      expect([exists(a), exists(b)]).toEqual([true, true]);
      expect(writer.held(a)).toBeUndefined();
      await writer.release(true);
      expectFsckClean();
    });
  });
});
