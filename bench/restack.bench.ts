/**
 * npm run bench:restack — restacking a stack after trunk moves: our checkout-free engine
 * against, on identical copies, one `git rebase --update-refs` of the top branch, a
 * `git rebase --onto` loop in a work tree (standard case only), `git replay` when
 * GIT_REPLAY_BIN points to a git that has it (≥ 2.44), and `gt restack` when GT_BIN points to
 * a Graphite CLI (nothing is installed by this script). Every figure is the median of
 * BENCH_RUNS runs (3); ours is given cold (a new engine, no helper process started yet) and
 * warm (the same engine again). Checks that every contender produced the same trees. Writes
 * bench/results/restack.json.
 *
 * The cases (BENCH_CASES, a comma list; all by default):
 * - `standard`: 50 branches × 3 commits in a repository of 5,000 files;
 * - `content-merge`: the same, but trunk changed the files the branches change (other lines),
 *   so that every pick needs a three-way content merge;
 * - `branches-200`: 200 branches × 3 commits, 5,000 files;
 * - `files-50k`: 10 branches × 3 commits in a repository of 50,000 files.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

interface Case {
  name: string;
  branches: number;
  files: number;
  commits: number;
  /** Trunk changes the files the branches change, so picks need content merges. */
  contentMerge: boolean;
  /** Whether the (slow) `git rebase --onto` loop runs too. */
  loop: boolean;
}

const CASES: readonly Case[] = [
  {
    name: 'standard',
    branches: 50,
    files: 5_000,
    commits: 3,
    contentMerge: false,
    loop: true,
  },
  {
    name: 'content-merge',
    branches: 50,
    files: 5_000,
    commits: 3,
    contentMerge: true,
    loop: false,
  },
  {
    name: 'branches-200',
    branches: 200,
    files: 5_000,
    commits: 3,
    contentMerge: false,
    loop: false,
  },
  {
    name: 'files-50k',
    branches: 10,
    files: 50_000,
    commits: 3,
    contentMerge: false,
    loop: false,
  },
];

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const SELECTED = process.env.BENCH_CASES?.split(',').map((s) => s.trim());
const GT_BIN = process.env.GT_BIN;
const GIT_REPLAY_BIN = process.env.GIT_REPLAY_BIN;
/** Lines per file: a branch changes the last one, trunk (content-merge) the first. */
const LINES = 20;

const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  // No automatic gc: after the 50,000-file initial commit it repacked the seed in the
  // background while the origin was cloned from it (a loose object gone mid-copy), and would
  // share the cores with the contenders' timed runs.
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'gc.auto',
  GIT_CONFIG_VALUE_0: '0',
};
const run = (bin: string, cwd: string, ...args: string[]) =>
  execFileSync(bin, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  }).trim();
const git = (cwd: string, ...args: string[]) => run('git', cwd, ...args);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const fileLines = (f: number, last: string, first = `// file ${f}`) =>
  [
    first,
    ...Array.from(
      { length: LINES - 2 },
      (_, l) => `export const v${f}_${l} = ${l};`,
    ),
    last,
  ].join('\n') + '\n';

const fileOf = (c: Case, i: number, k: number) => (i * 7 + k * 1013) % c.files;
const pathOf = (f: number) => `src/mod${f % 50}/file${f}.ts`;

/** Origin with trunk, a linear stack on it, and then a moved trunk. */
function buildOrigin(
  c: Case,
  root: string,
  names: readonly string[],
): { origin: string; oldMain: string } {
  const work = join(root, 'seed');
  const origin = join(root, 'origin.git');
  git(root, 'init', '--quiet', '--initial-branch=main', work);
  for (let f = 0; f < c.files; f++) {
    const dir = join(work, `src/mod${f % 50}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(work, pathOf(f)), fileLines(f, `// end ${f}`));
  }
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'initial tree');
  let parent = 'main';
  const touched = new Set<number>();
  for (const [i, name] of names.entries()) {
    git(work, 'checkout', '--quiet', '-b', name, parent);
    for (let k = 0; k < c.commits; k++) {
      const f = fileOf(c, i, k);
      touched.add(f);
      writeFileSync(
        join(work, pathOf(f)),
        fileLines(f, `export const changed${i}_${k} = true;`),
      );
      git(work, 'commit', '--quiet', '-am', `${name}: change ${k}`);
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
  if (c.contentMerge) {
    // The first line of every file a branch changes: each pick merges its file's content.
    for (const f of touched)
      writeFileSync(
        join(work, pathOf(f)),
        fileLines(f, `// end ${f}`, `// file ${f}, touched on trunk`),
      );
    git(work, 'commit', '--quiet', '-am', 'trunk touches the stack files');
  }
  git(root, 'clone', '--quiet', '--bare', work, origin);
  return { origin, oldMain };
}

/** A work-tree copy with every stack branch as a local branch. */
function workCopy(
  root: string,
  origin: string,
  name: string,
  names: readonly string[],
): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  git(root, 'clone', '--quiet', origin, dir);
  for (const b of names) git(dir, 'branch', '--quiet', '-f', b, `origin/${b}`);
  return dir;
}

const branchHeads = (dir: string, names: readonly string[]) =>
  new Map(names.map((b) => [b, git(dir, 'rev-parse', b)]));

const treesOf = (
  dir: string,
  names: readonly string[],
  refs: Map<string, string>,
) =>
  new Map(
    names.map((b) => [b, git(dir, 'rev-parse', `${refs.get(b)!}^{tree}`)]),
  );

/** One case: every contender, median of RUNS each, rows against --update-refs. */
async function runCase(c: Case, rows: BenchRow[]): Promise<void> {
  const names = Array.from(
    { length: c.branches },
    (_, i) => `stack/b${String(i).padStart(3, '0')}`,
  );
  const root = mkdtempSync(join(tmpdir(), 'stackyard-restack-'));
  try {
    process.stdout.write(
      `${c.name}: ${c.branches} branches x ${c.commits} commits, ${c.files} files${c.contentMerge ? ', content merges' : ''}; building...\n`,
    );
    const { origin, oldMain } = buildOrigin(c, root, names);
    const oldHeads = branchHeads(origin, names);
    const results = new Map<string, Map<string, string>>();
    const label = `${c.name}: restack ${c.branches} branches`;

    // Ours: plan + replay in the object database + one ref transaction.
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
    const cold: number[] = [];
    const warm: number[] = [];
    // `git replay`, checkout-free and in git itself, runs right after ours in each run, so
    // that both meet the same state of the machine (its disk's speed drifts by the minute).
    // Its clone is made as ours is, by the pack protocol (`--no-local`): a local clone would
    // hard-link the origin's loose objects, and with them every `objects/xx` folder a new
    // object goes into, which a clone from a real remote does not have. Cold is its first
    // replay on a new clone; warm the same replay again once the refs are put back, so that
    // its objects are there already, as ours are when warm. It prints the ref updates, applied
    // by update-ref --stdin.
    const replayCold: number[] = [];
    const replayWarm: number[] = [];
    const top = names[names.length - 1]!;
    const gitReplay = async (bin: string, r: number) => {
      const dir = join(root, `replay-${r}.git`);
      git(root, 'clone', '--quiet', '--mirror', '--no-local', origin, dir);
      const once = () =>
        timed(() => {
          const updates = run(
            bin,
            dir,
            'replay',
            '--contained',
            '--onto',
            'main',
            `${oldMain}..${oldHeads.get(top)!}`,
          );
          execFileSync(bin, ['update-ref', '--stdin'], {
            cwd: dir,
            env,
            input: `${updates}\n`,
          });
          return Promise.resolve();
        });
      replayCold.push(await once());
      if (r === 0)
        results.set('git replay', treesOf(dir, names, branchHeads(dir, names)));
      execFileSync('git', ['update-ref', '--stdin'], {
        cwd: dir,
        env,
        input:
          names
            .map((b) => `update refs/heads/${b} ${oldHeads.get(b)!}`)
            .join('\n') + '\n',
      });
      replayWarm.push(await once());
    };
    for (let r = 0; r < RUNS; r++) {
      // A new engine on a new clone: no helper started, nothing of this run cached.
      const engine = new GitCliEngine(join(root, `repos-${r}`));
      await engine.ensureClone('bench', origin);
      const ops = new StackOperations(engine);
      let heads = new Map<string, string>();
      const once = () =>
        timed(async () => {
          const outcome = await ops.run(
            { repoId: 'bench', jobId: 'bench', action: 'restack_repo' },
            stack,
          );
          // The refs move too, as a rebase moves them (one ref transaction).
          await engine.moveRefs(
            'bench',
            outcome.moves.map((m) => ({
              ...m,
              from: heads.get(m.branch) ?? null,
            })),
          );
          heads = new Map(outcome.moves.map((m) => [m.branch, m.to!]));
        });
      cold.push(await once());
      warm.push(await once());
      if (r === 0)
        results.set('ours', treesOf(engine.gitDir('bench'), names, heads));
      await engine.close();
      if (GIT_REPLAY_BIN) await gitReplay(GIT_REPLAY_BIN, r);
    }
    const oursCold = median(cold);
    const oursWarm = median(warm);
    process.stdout.write(
      `  stackyard engine: cold ${oursCold.toFixed(3)} s, warm ${oursWarm.toFixed(3)} s (median of ${RUNS})\n`,
    );

    // One rebase of the top branch that moves every branch ref in the stack with it.
    const ur: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const dir = workCopy(root, origin, 'update-refs', names);
      git(dir, 'checkout', '--quiet', top);
      ur.push(
        await timed(() => {
          git(dir, 'rebase', '--quiet', '--update-refs', 'origin/main');
          return Promise.resolve();
        }),
      );
      if (r === 0)
        results.set(
          'update-refs',
          treesOf(dir, names, branchHeads(dir, names)),
        );
    }
    const updateRefs = median(ur);
    process.stdout.write(
      `  git rebase --update-refs: ${updateRefs.toFixed(3)} s\n`,
    );
    rows.push(
      row(
        `${label}, warm`,
        's',
        oursWarm,
        updateRefs,
        'git rebase --update-refs',
        false,
      ),
      row(
        `${label}, cold`,
        's',
        oursCold,
        updateRefs,
        'git rebase --update-refs',
        false,
      ),
    );

    if (c.loop) {
      const loops: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const dir = workCopy(root, origin, 'loop', names);
        loops.push(
          await timed(() => {
            let onto = 'origin/main';
            let upstream = oldMain;
            for (const b of names) {
              git(dir, 'rebase', '--quiet', '--onto', onto, upstream, b);
              onto = b;
              upstream = oldHeads.get(b)!;
            }
            return Promise.resolve();
          }),
        );
        if (r === 0)
          results.set('loop', treesOf(dir, names, branchHeads(dir, names)));
      }
      const loop = median(loops);
      process.stdout.write(`  git rebase --onto loop: ${loop.toFixed(3)} s\n`);
      rows.push(
        row(
          `${label}, warm`,
          's',
          oursWarm,
          loop,
          'git rebase --onto loop',
          false,
        ),
      );
    }

    if (GIT_REPLAY_BIN) {
      const cold = median(replayCold);
      const warm = median(replayWarm);
      process.stdout.write(
        `  git replay --contained: cold ${cold.toFixed(3)} s, warm ${warm.toFixed(3)} s (median of ${RUNS}, each run right after ours)\n`,
      );
      rows.push(
        row(
          `${label}, warm`,
          's',
          oursWarm,
          warm,
          'git replay --contained, warm',
          false,
        ),
        row(
          `${label}, cold`,
          's',
          oursCold,
          cold,
          'git replay --contained, cold',
          false,
        ),
      );
    }

    if (GT_BIN) {
      // Tracking starts gt once a branch (about a second each here): the stack is tracked
      // once, and each run restacks a copy of that work copy (gt keeps its state in .git).
      const tracked = workCopy(root, origin, 'gt-tracked', names);
      run(GT_BIN, tracked, 'init', '--trunk', 'main', '--no-interactive');
      let p = 'main';
      for (const b of names) {
        git(tracked, 'checkout', '--quiet', b);
        run(GT_BIN, tracked, 'track', '--parent', p, '--no-interactive');
        p = b;
      }
      git(tracked, 'branch', '--quiet', '-f', 'main', 'origin/main');
      const gts: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const dir = join(root, `gt-${r}`);
        cpSync(tracked, dir, { recursive: true });
        const gt = (...args: string[]) => run(GT_BIN, dir, ...args);
        gts.push(
          await timed(() => {
            gt('restack', '--no-interactive');
            return Promise.resolve();
          }),
        );
        if (r === 0)
          results.set('gt', treesOf(dir, names, branchHeads(dir, names)));
      }
      const gtTime = median(gts);
      process.stdout.write(
        `  gt restack: ${gtTime.toFixed(3)} s (median of ${RUNS})\n`,
      );
      rows.push(
        row(`${label}, warm`, 's', oursWarm, gtTime, 'gt restack', false),
        row(`${label}, cold`, 's', oursCold, gtTime, 'gt restack', false),
      );
    }

    const reference = results.get('update-refs')!;
    for (const [name, got] of results) {
      const differing = names.filter((b) => got.get(b) !== reference.get(b));
      if (differing.length > 0)
        throw new Error(
          `${c.name}: ${name} produced different trees for ${differing.slice(0, 5).join(', ')}`,
        );
    }
    process.stdout.write(
      `  trees agree across ${[...results.keys()].join(', ')}\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cases = CASES.filter((c) => !SELECTED || SELECTED.includes(c.name));
  if (cases.length === 0)
    throw new Error(
      `BENCH_CASES names no case: ${CASES.map((c) => c.name).join(', ')}`,
    );
  const load = loadavg()[0]!;
  process.stdout.write(
    `bench:restack (${RUNS} runs per figure, ${git(tmpdir(), 'version')}, load ${load.toFixed(2)})\n`,
  );
  const rows: BenchRow[] = [];
  for (const c of cases) await runCase(c, rows);
  printTable(
    'bench:restack (seconds, medians; ratio = reference / ours, > 1 means faster)',
    rows,
  );
  if (!GIT_REPLAY_BIN)
    process.stdout.write(
      'git replay: not measured (set GIT_REPLAY_BIN to a git ≥ 2.44 to include it)\n',
    );
  if (!GT_BIN)
    process.stdout.write(
      'gt restack: not measured (set GT_BIN to a Graphite CLI to include it)\n',
    );
  const file = writeResult('restack', rows, {
    runs: RUNS,
    cases: cases.map((c) => ({ ...c })),
    git: git(tmpdir(), 'version'),
    loadAtStart: load,
  });
  process.stdout.write(`\nwrote ${file}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
