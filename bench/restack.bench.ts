/**
 * npm run bench:restack — restacking a 50-branch stack (3 commits per branch) in a repository
 * of about 5,000 files after trunk moves: our checkout-free engine against, on identical
 * copies, a `git rebase --onto` loop in a work tree, one `git rebase --update-refs`, and
 * `gt restack` when GT_BIN points to a Graphite CLI (nothing is installed by this script).
 * Checks that every contender produced the same trees. Writes bench/results/restack.json.
 *
 * Environment: BENCH_BRANCHES (50), BENCH_FILES (5000), BENCH_COMMITS (3), GT_BIN.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from '../src/domain/stack/stack';
import { emptyStack, evolveStack } from '../src/domain/stack/stack.evolve';
import { GitCliEngine } from '../src/infrastructure/git/git-cli-engine';
import { StackOperations } from '../src/infrastructure/git/operations/stack-operations';
import {
  type BenchRow,
  printTable,
  row,
  timed,
  writeResult,
} from './support/report';

const BRANCHES = Number(process.env.BENCH_BRANCHES ?? 50);
const FILES = Number(process.env.BENCH_FILES ?? 5000);
const COMMITS = Number(process.env.BENCH_COMMITS ?? 3);
const GT_BIN = process.env.GT_BIN;

const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  }).trim();
const names = Array.from(
  { length: BRANCHES },
  (_, i) => `stack/b${String(i).padStart(2, '0')}`,
);

/** Origin with trunk, a linear stack on it, and then a moved trunk. */
function buildOrigin(root: string): { origin: string; oldMain: string } {
  const work = join(root, 'seed');
  const origin = join(root, 'origin.git');
  git(root, 'init', '--quiet', '--initial-branch=main', work);
  for (let f = 0; f < FILES; f++) {
    const dir = join(work, `src/mod${f % 50}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `file${f}.ts`),
      `export const v${f} = ${f};\n`.repeat(20),
    );
  }
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'initial tree');
  let parent = 'main';
  for (const [i, name] of names.entries()) {
    git(work, 'checkout', '--quiet', '-b', name, parent);
    for (let c = 0; c < COMMITS; c++) {
      const f = (i * 7 + c * 1013) % FILES;
      writeFileSync(
        join(work, `src/mod${f % 50}/file${f}.ts`),
        `export const changed${i}_${c} = true;\n`.repeat(20),
      );
      git(work, 'commit', '--quiet', '-am', `${name}: change ${c}`);
    }
    parent = name;
  }
  const oldMain = git(work, 'rev-parse', 'main');
  git(work, 'checkout', '--quiet', 'main');
  for (let t = 0; t < 3; t++) {
    writeFileSync(
      join(work, `src/trunk-${t}.ts`),
      `export const trunk${t} = ${t};\n`,
    );
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', `trunk moves ${t}`);
  }
  git(root, 'clone', '--quiet', '--bare', work, origin);
  return { origin, oldMain };
}

/** A work-tree copy with every stack branch as a local branch. */
function workCopy(root: string, origin: string, name: string): string {
  const dir = join(root, name);
  git(root, 'clone', '--quiet', origin, dir);
  for (const b of names) git(dir, 'branch', '--quiet', '-f', b, `origin/${b}`);
  return dir;
}

/** Each stack branch's head in a copy (or any repository that has the branch refs). */
const branchHeads = (dir: string) =>
  new Map(names.map((b) => [b, git(dir, 'rev-parse', b)]));

const trees = (dir: string, refs: Map<string, string>) =>
  new Map(
    names.map((b) => [b, git(dir, 'rev-parse', `${refs.get(b)!}^{tree}`)]),
  );

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'stackyard-restack-'));
  try {
    process.stdout.write(
      `bench:restack: ${BRANCHES} branches x ${COMMITS} commits, ${FILES} files; building...\n`,
    );
    const { origin, oldMain } = buildOrigin(root);
    const oldHeads = branchHeads(origin);
    const results = new Map<string, Map<string, string>>();
    const rows: BenchRow[] = [];

    // Ours: plan + replay in the object database + one ref transaction.
    const engine = new GitCliEngine(join(root, 'repos'));
    await engine.ensureClone('bench', origin);
    let stack: Stack = emptyStack('main');
    let parent = 'main';
    for (const b of names) {
      const baseSha = parent === 'main' ? oldMain : oldHeads.get(parent)!;
      stack = evolveStack(stack, {
        type: 'BranchTracked',
        data: { branch: b, parent, baseSha },
      });
      parent = b;
    }
    const ops = new StackOperations(engine);
    let ourHeads = new Map<string, string>();
    const ours = await timed(async () => {
      const outcome = await ops.run(
        { repoId: 'bench', jobId: 'bench', action: 'restack_repo' },
        stack,
      );
      await engine.moveRefs(
        'bench',
        outcome.moves.map((m) => ({ ...m, from: null })),
      );
      ourHeads = new Map(outcome.moves.map((m) => [m.branch, m.to!]));
    });
    await engine.close();
    results.set('ours', trees(engine.gitDir('bench'), ourHeads));
    process.stdout.write(`  stackyard engine: ${ours.toFixed(2)} s\n`);

    // A git rebase --onto loop in a work tree, parent-first.
    const loopDir = workCopy(root, origin, 'loop');
    const loop = await timed(() => {
      let onto = 'origin/main';
      let upstream = oldMain;
      for (const b of names) {
        git(loopDir, 'rebase', '--quiet', '--onto', onto, upstream, b);
        onto = b;
        upstream = oldHeads.get(b)!;
      }
      return Promise.resolve();
    });
    results.set('loop', trees(loopDir, branchHeads(loopDir)));
    process.stdout.write(`  git rebase --onto loop: ${loop.toFixed(2)} s\n`);
    rows.push(
      row(
        `restack ${BRANCHES}-branch stack`,
        's',
        ours,
        loop,
        'git rebase --onto loop',
        false,
      ),
    );

    // One rebase of the top branch that moves every branch ref in the stack with it.
    const urDir = workCopy(root, origin, 'update-refs');
    const top = names[names.length - 1]!;
    const updateRefs = await timed(() => {
      git(urDir, 'checkout', '--quiet', top);
      git(urDir, 'rebase', '--quiet', '--update-refs', 'origin/main');
      return Promise.resolve();
    });
    results.set('update-refs', trees(urDir, branchHeads(urDir)));
    process.stdout.write(
      `  git rebase --update-refs: ${updateRefs.toFixed(2)} s\n`,
    );
    rows.push(
      row(
        `restack ${BRANCHES}-branch stack`,
        's',
        ours,
        updateRefs,
        'git rebase --update-refs',
        false,
      ),
    );

    if (GT_BIN) {
      const gtDir = workCopy(root, origin, 'gt');
      const gt = (...args: string[]) =>
        execFileSync(GT_BIN, args, {
          cwd: gtDir,
          env: { ...env },
          encoding: 'utf8',
        });
      gt('init', '--trunk', 'main', '--no-interactive');
      let p = 'main';
      for (const b of names) {
        git(gtDir, 'checkout', '--quiet', b);
        gt('track', '--parent', p, '--no-interactive');
        p = b;
      }
      git(gtDir, 'branch', '--quiet', '-f', 'main', 'origin/main');
      const gtSeconds = await timed(() => {
        gt('restack', '--no-interactive');
        return Promise.resolve();
      });
      results.set('gt', trees(gtDir, branchHeads(gtDir)));
      rows.push(
        row(
          `restack ${BRANCHES}-branch stack`,
          's',
          ours,
          gtSeconds,
          'gt restack',
          false,
        ),
      );
    } else {
      process.stdout.write(
        '  gt restack: skipped (set GT_BIN to a Graphite CLI to include it)\n',
      );
    }

    const reference = results.get('loop')!;
    for (const [name, got] of results) {
      const differing = names.filter((b) => got.get(b) !== reference.get(b));
      if (differing.length > 0) {
        throw new Error(
          `${name} produced different trees for ${differing.join(', ')}`,
        );
      }
    }
    process.stdout.write(
      `  trees agree across ${[...results.keys()].join(', ')}\n`,
    );
    printTable(
      'bench:restack (seconds; ratio = reference / ours, > 1 means faster)',
      rows,
    );
    const file = writeResult('restack', rows, {
      branches: BRANCHES,
      commitsPerBranch: COMMITS,
      files: FILES,
      treesAgree: [...results.keys()],
      git: git(root, 'version'),
    });
    process.stdout.write(`\nwrote ${file}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
