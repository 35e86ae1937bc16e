import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import {
  ANCESTRY_WALK_LIMIT,
  GitCliEngine,
} from '../../../src/infrastructure/git/git-cli-engine';
import { GitFixture } from '../../support/git-fixture';

describe('GitCliEngine on real repositories', () => {
  let fx: GitFixture;
  let engine: GitCliEngine;
  const repo = 'r1';
  const inClone = (...args: string[]) =>
    execFileSync('git', [`--git-dir=${engine.gitDir(repo)}`, ...args], {
      encoding: 'utf8',
    }).trim();

  beforeEach(async () => {
    fx = new GitFixture();
    fx.stack(['a', 'b']);
    engine = new GitCliEngine(join(fx.root, 'repos'));
    await engine.ensureClone(repo, fx.origin);
  });

  afterEach(async () => {
    await engine.close();
    fx.dispose();
  });

  it('clones into a bare repository and lists the remote branches', async () => {
    const heads = await engine.remoteHeads(repo);
    expect(Object.fromEntries(heads)).toEqual({
      main: fx.head('main'),
      a: fx.head('a'),
      b: fx.head('b'),
    });
    expect(inClone('rev-parse', '--is-bare-repository')).toBe('true');
  });

  it('answers ancestry and merge-base questions', async () => {
    const main = fx.head('main');
    expect(await engine.isAncestor(repo, main, fx.head('b'))).toBe(true);
    expect(await engine.isAncestor(repo, fx.head('b'), main)).toBe(false);
    fx.advance();
    await engine.fetch(repo);
    const heads = await engine.remoteHeads(repo);
    expect(
      await engine.mergeBase(repo, heads.get('main')!, heads.get('a')!),
    ).toBe(main);
    expect(
      await engine.commitsBetween(repo, main, heads.get('b')!),
    ).toHaveLength(4);
  });

  it('answers ancestry as git does, across merges, past the walk limit and for unknown ids', async () => {
    // A merge commit on b, then a history longer than the walk reads.
    fx.gitW('checkout', '--quiet', 'b');
    fx.gitW('merge', '--quiet', '--no-ff', '-m', 'merge a', 'a');
    for (let i = 0; i < ANCESTRY_WALK_LIMIT + 4; i++)
      fx.gitW('commit', '--quiet', '--allow-empty', '-m', `long ${i}`);
    fx.gitW('push', '--quiet', 'origin', 'b');
    await engine.fetch(repo);
    const heads = await engine.remoteHeads(repo);
    const tip = heads.get('b')!;
    const merge = inClone('rev-parse', `${tip}~${ANCESTRY_WALK_LIMIT + 4}`);
    const all = inClone('rev-list', '--all').split('\n');
    const questions: Array<[string, string]> = [
      [heads.get('a')!, merge],
      [heads.get('main')!, merge],
      [merge, heads.get('a')!],
      [fx.head('main'), tip],
      [heads.get('a')!, tip],
      [tip, heads.get('main')!],
      ['0'.repeat(40), merge],
    ];
    for (const [ancestor, descendant] of questions) {
      const git = (() => {
        try {
          inClone('merge-base', '--is-ancestor', ancestor, descendant);
          return true;
        } catch {
          return false;
        }
      })();
      const asked = await engine
        .isAncestor(repo, ancestor, descendant)
        .catch(() => false);
      expect([ancestor, descendant, asked]).toEqual([
        ancestor,
        descendant,
        git,
      ]);
    }
    expect(all.length).toBeGreaterThan(ANCESTRY_WALK_LIMIT);
  });

  it('replays a branch onto a moved trunk, keeping author, date and message', async () => {
    const oldMain = fx.head('main');
    const newMain = fx.advance();
    await engine.fetch(repo);
    const result = await engine.replay(repo, {
      branch: 'a',
      from: oldMain,
      to: fx.head('a'),
      onto: newMain,
    });
    expect(result).toMatchObject({ replayed: 2, dropped: 0 });
    const format = '%an|%ae|%ad|%B';
    const original = inClone(
      'log',
      `--format=${format}`,
      '--date=raw',
      `${oldMain}..${fx.head('a')}`,
    );
    const replayed = inClone(
      'log',
      `--format=${format}`,
      '--date=raw',
      `${newMain}..${result.head}`,
    );
    expect(replayed).toEqual(original);
    expect(inClone('rev-parse', `${result.head}~2`)).toBe(newMain);
    // The replayed tree has the trunk's new file and the branch's own files.
    const files = inClone('ls-tree', '-r', '--name-only', result.head).split(
      '\n',
    );
    expect(files).toEqual(
      expect.arrayContaining(['a/file-1.txt', 'a/file-2.txt']),
    );
    expect(files.filter((f) => f.startsWith('trunk-'))).toHaveLength(1);
    // Every object the replay wrote into the clone is well formed (fsck fails otherwise).
    inClone('fsck', '--strict', '--no-progress');
  });

  it('replays trees holding modes git does not write as git merges them: made canonical', async () => {
    // Old tools wrote `100664` files (git fsck only warns); git's merge writes them `100644`.
    const git = (input: string | undefined, ...args: string[]) =>
      execFileSync('git', [`--git-dir=${engine.gitDir(repo)}`, ...args], {
        encoding: 'utf8',
        input,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'A',
          GIT_AUTHOR_EMAIL: 'a@example.com',
          GIT_COMMITTER_NAME: 'A',
          GIT_COMMITTER_EMAIL: 'a@example.com',
        },
      }).trim();
    const blob = (content: string) =>
      git(content, 'hash-object', '-w', '--stdin');
    const tree = (entries: Array<[mode: string, name: string, oid: string]>) =>
      git(
        entries
          .map(([mode, name, oid]) => `${mode} blob ${oid}\t${name}\n`)
          .join(''),
        'mktree',
      );
    const commit = (treeOid: string, parent: string, message: string) =>
      git(undefined, 'commit-tree', treeOid, '-p', parent, '-m', message);
    const [f, g, t] = [blob('f\n'), blob('g\n'), blob('t\n')];
    const root = commit(tree([['100664', 'f', f]]), fx.head('main'), 'p');
    const pick = commit(
      tree([
        ['100664', 'f', f],
        ['100644', 'g', g],
      ]),
      root,
      'pick',
    );
    const ontos = {
      // Trunk changed another path: an entry merge would keep f's mode.
      'trunk added a file': tree([
        ['100664', 'f', f],
        ['100644', 't', t],
      ]),
      // Trunk has the pick's change already: an entry merge would drop the pick.
      'trunk has the change': tree([
        ['100664', 'f', f],
        ['100644', 'g', g],
      ]),
      // Trunk moved without changing the tree: the pick would be kept as it is.
      'trunk kept the tree': tree([['100664', 'f', f]]),
    };
    for (const [label, ontoTree] of Object.entries(ontos)) {
      const onto = commit(ontoTree, root, label);
      // onto and pick are both children of root: merge-tree merges them with root as base.
      const expected = git(undefined, 'merge-tree', '--write-tree', onto, pick);
      const result = await engine.replay(repo, {
        branch: 'a',
        from: root,
        to: pick,
        onto,
      });
      expect({
        label,
        ...result,
        tree: inClone('rev-parse', `${result.head}^{tree}`),
      }).toEqual({
        label,
        head: result.head,
        replayed: 1,
        dropped: 0,
        tree: expected,
      });
      expect(inClone('ls-tree', result.head, 'f')).toMatch(/^100644 /);
    }
  });

  it('reports a conflict with the branch and paths before any ref moves', async () => {
    fx.gitW('checkout', '--quiet', 'main');
    const oldMain = fx.head('main');
    const newMain = fx.advance(
      'main',
      'a/file-1.txt',
      'trunk wrote this first\n',
    );
    await engine.fetch(repo);
    const refsBefore = inClone('for-each-ref');
    await expect(
      engine.replay(repo, {
        branch: 'a',
        from: oldMain,
        to: fx.head('a'),
        onto: newMain,
      }),
    ).rejects.toMatchObject({
      code: 'GIT.CONFLICT',
      details: { conflict: { branch: 'a', files: ['a/file-1.txt'] } },
    });
    expect(inClone('for-each-ref')).toBe(refsBefore);
  });

  it('names the sides of a file/folder conflict by real commits, the same at every attempt: the new base and the picked commit', async () => {
    const oldMain = fx.head('main');
    const branchCommits = fx
      .gitW('rev-list', `${oldMain}..${fx.head('a')}`)
      .split('\n');
    // Trunk makes a file where the branch made a folder.
    const newMain = fx.advance('main', 'a', 'a file, not a folder\n');
    await engine.fetch(repo);
    const attempt = () =>
      engine
        .replay(repo, {
          branch: 'a',
          from: oldMain,
          to: fx.head('a'),
          onto: newMain,
        })
        .then(
          () => [] as string[],
          (error: { details: { conflict: { files: string[] } } }) =>
            error.details.conflict.files,
        );

    const first = await attempt();
    const second = await attempt();

    expect(second).toEqual(first);
    const labels = first.flatMap((f) =>
      f.includes('~') ? [f.slice(f.indexOf('~') + 1)] : [],
    );
    expect(labels.length).toBeGreaterThan(0);
    for (const label of labels)
      expect([newMain, ...branchCommits]).toContain(label);
  });

  it('moves all refs in one transaction, or none when one old value is stale', async () => {
    const a = fx.head('a');
    const b = fx.head('b');
    await engine.moveRefs(repo, [
      { branch: 'a', from: null, to: a },
      { branch: 'b', from: null, to: b },
    ]);
    expect(Object.fromEntries(await engine.localHeads(repo))).toEqual({ a, b });
    await expect(
      engine.moveRefs(repo, [
        { branch: 'a', from: a, to: b },
        { branch: 'b', from: a /* stale */, to: a },
      ]),
    ).rejects.toMatchObject({ code: 'GIT.REF_MOVED' });
    expect(Object.fromEntries(await engine.localHeads(repo))).toEqual({ a, b });
  });

  it('publishes atomically with leases, and changes nothing when the remote moved', async () => {
    const oldMain = fx.head('main');
    const newMain = fx.advance();
    await engine.fetch(repo);
    const a = await engine.replay(repo, {
      branch: 'a',
      from: oldMain,
      to: fx.head('a'),
      onto: newMain,
    });
    await engine.publish(repo, [
      { branch: 'a', from: fx.head('a'), to: a.head },
    ]);
    expect(fx.originHead('a')).toBe(a.head);

    // Someone pushes b after our fetch: a push leased on the old b must fail as a whole.
    const bBefore = fx.head('b');
    fx.advance('b', 'b/late.txt', 'late\n');
    const originBefore = fx.originRefs();
    await expect(
      engine.publish(repo, [
        { branch: 'a', from: a.head, to: oldMain },
        { branch: 'b', from: bBefore, to: oldMain },
      ]),
    ).rejects.toMatchObject({ code: 'GIT.REMOTE_CHANGED' });
    expect(fx.originRefs()).toBe(originBefore);
  });

  it('fails a fetch and a push to a remote it cannot reach with GIT.REMOTE_UNAVAILABLE, which a retry may fix', async () => {
    renameSync(fx.origin, `${fx.origin}.away`);
    const unreachable = {
      code: 'GIT.REMOTE_UNAVAILABLE',
      kind: 'unavailable',
      message: expect.stringContaining(
        'Could not read from remote repository',
      ) as unknown,
    };
    await expect(engine.fetch(repo)).rejects.toMatchObject(unreachable);
    await expect(
      engine.publish(repo, [
        { branch: 'a', from: fx.head('a'), to: fx.head('main') },
      ]),
    ).rejects.toMatchObject(unreachable);
    renameSync(`${fx.origin}.away`, fx.origin);
  });

  it('recognises a squash merge and a rebase merge by patch id', async () => {
    const base = fx.head('main');
    fx.gitW('checkout', '--quiet', 'main');
    fx.gitW('merge', '--quiet', '--squash', 'a');
    fx.gitW('commit', '--quiet', '-m', 'squashed a');
    fx.gitW('push', '--quiet', 'origin', 'main');
    await engine.fetch(repo);
    const heads = await engine.remoteHeads(repo);
    expect(
      await engine.isMergedByPatch(
        repo,
        base,
        heads.get('a')!,
        heads.get('main')!,
      ),
    ).toBe(true);
    expect(
      await engine.isMergedByPatch(
        repo,
        heads.get('a')!,
        heads.get('b')!,
        heads.get('main')!,
      ),
    ).toBe(false);
  });

  it('does not take a branch of empty commits as merged because trunk has an empty commit too', async () => {
    fx.gitW('checkout', '--quiet', '-B', 'empty', 'main');
    fx.gitW('commit', '--quiet', '--allow-empty', '-m', 'start the feature');
    fx.gitW('push', '--quiet', 'origin', 'empty');
    const base = fx.head('main');
    fx.gitW('checkout', '--quiet', 'main');
    fx.gitW('commit', '--quiet', '--allow-empty', '-m', 'trigger CI');
    fx.gitW('push', '--quiet', 'origin', 'main');
    await engine.fetch(repo);
    const heads = await engine.remoteHeads(repo);

    expect(
      await engine.isMergedByPatch(
        repo,
        base,
        heads.get('empty')!,
        heads.get('main')!,
      ),
    ).toBe(false);
  });

  it('refuses a remote URL that carries credentials, without echoing them', async () => {
    const secretEngine = new GitCliEngine(join(fx.root, 'repos2'));
    const failure = secretEngine.ensureClone(
      'r2',
      'https://ann:s3cr3t@127.0.0.1:9/x.git',
    );
    await expect(failure).rejects.toMatchObject({
      code: 'REPO.INVALID_REMOTE_URL',
    });
    const message = String(
      ((await failure.catch((e: unknown) => e)) as Error).message,
    );
    expect(message).not.toContain('s3cr3t');
    await secretEngine.close();
  });

  it('refuses a remote with a transport helper before git runs', async () => {
    const other = new GitCliEngine(join(fx.root, 'repos3'));
    await expect(
      other.ensureClone('r3', 'ext::sh -c touch% /tmp/pwned'),
    ).rejects.toMatchObject({
      code: 'REPO.INVALID_REMOTE_URL',
    });
    await other.close();
  });
});
