import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Stack } from '../../../../src/domain/stack/stack';
import { parentFirstOrder } from '../../../../src/domain/stack/stack';
import {
  emptyStack,
  evolveStack,
} from '../../../../src/domain/stack/stack.evolve';
import { GitCliEngine } from '../../../../src/infrastructure/git/git-cli-engine';
import { StackOperations } from '../../../../src/infrastructure/git/operations/stack-operations';
import { GitFixture } from '../../../support/git-fixture';

/**
 * Oracle: for random conflict-free stacks and trunk changes, the trees our checkout-free
 * restack produces equal the trees `git rebase --onto` produces in a work tree. Commits edit
 * their own files and distinct lines of one shared file, so real 3-way merges happen.
 */
const SHARED_LINES = 400;

interface Shape {
  /** parent index per branch: -1 is trunk, otherwise an earlier branch. */
  parents: number[];
  commits: number[];
  trunkCommits: number;
}

const shapes = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    parents: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.integer({ min: -1, max: i - 1 }),
      ),
    ),
    commits: fc.array(fc.integer({ min: 1, max: 3 }), {
      minLength: n,
      maxLength: n,
    }),
    trunkCommits: fc.integer({ min: 1, max: 3 }),
  }),
);

function editShared(fx: GitFixture, line: number, tag: string): void {
  const file = join(fx.work, 'shared.txt');
  const lines = execFileSync('cat', [file], { encoding: 'utf8' }).split('\n');
  lines[line] = `edited by ${tag}`;
  fx.commit('shared.txt', lines.join('\n'), `${tag}: edit line ${line}`);
}

describe('restack oracle (property)', () => {
  it('gives the same trees as git rebase --onto', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async (shape: Shape) => {
        const fx = new GitFixture();
        const engine = new GitCliEngine(join(fx.root, 'repos'));
        try {
          let nextLine = 0;
          const line = () => (nextLine++ * 5) % SHARED_LINES;
          fx.gitW('checkout', '--quiet', 'main');
          fx.commit(
            'shared.txt',
            Array.from({ length: SHARED_LINES }, (_, i) => `line ${i}`).join(
              '\n',
            ),
            'shared file',
          );
          fx.gitW('push', '--quiet', 'origin', 'main');
          const names = shape.parents.map((_, i) => `s${i}`);
          const parentName = (i: number) =>
            shape.parents[i]! < 0 ? 'main' : names[shape.parents[i]!]!;
          for (const [i, name] of names.entries()) {
            fx.gitW('checkout', '--quiet', '-B', name, parentName(i));
            for (let c = 0; c < shape.commits[i]!; c++) {
              if (c % 2 === 0) editShared(fx, line(), `${name}-${c}`);
              else
                fx.commit(
                  `${name}/f${c}.txt`,
                  `${name} ${c}\n`,
                  `${name}: file ${c}`,
                );
            }
            fx.gitW('push', '--quiet', '--force', 'origin', name);
          }
          const oldHeads = new Map(
            ['main', ...names].map((n) => [n, fx.head(n)]),
          );
          fx.gitW('checkout', '--quiet', 'main');
          for (let t = 0; t < shape.trunkCommits; t++)
            editShared(fx, line(), `main-${t}`);
          fx.gitW('push', '--quiet', 'origin', 'main');

          let stack: Stack = emptyStack('main');
          for (const [i, name] of names.entries()) {
            stack = evolveStack(stack, {
              type: 'BranchTracked',
              data: {
                branch: name,
                parent: parentName(i),
                baseSha: oldHeads.get(parentName(i))!,
              },
            });
          }
          await engine.ensureClone('r', fx.origin);
          const outcome = await new StackOperations(engine).run(
            { repoId: 'r', jobId: 'j', action: 'restack_repo' },
            stack,
          );
          const ours = new Map(outcome.moves.map((m) => [m.branch, m.to!]));

          const expected = new Map<string, string>([['main', fx.head('main')]]);
          for (const name of parentFirstOrder(stack)) {
            const parent = stack.branches.get(name)!.parent;
            fx.gitW('checkout', '--quiet', '--detach', oldHeads.get(name)!);
            fx.gitW(
              'rebase',
              '--quiet',
              '--onto',
              expected.get(parent)!,
              oldHeads.get(parent)!,
            );
            expected.set(name, fx.gitW('rev-parse', 'HEAD'));
          }
          const treeIn = (gitDir: string, sha: string) =>
            execFileSync(
              'git',
              [`--git-dir=${gitDir}`, 'rev-parse', `${sha}^{tree}`],
              {
                encoding: 'utf8',
              },
            ).trim();
          for (const name of names) {
            const oursTree = treeIn(
              engine.gitDir('r'),
              ours.get(name) ?? oldHeads.get(name)!,
            );
            const theirsTree = treeIn(
              join(fx.work, '.git'),
              expected.get(name)!,
            );
            expect([name, oursTree]).toEqual([name, theirsTree]);
          }
        } finally {
          await engine.close();
          fx.dispose();
        }
      }),
      { numRuns: 6 },
    );
  });
});
