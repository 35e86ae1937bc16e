import fc from 'fast-check';
import { type Stack, subtreeOf } from '../../../../src/domain/stack/stack';
import {
  buildRestackCase,
  buildSyncCase,
  checkAgainstGit,
  type RestackCase,
  type SyncCase,
  restackCaseArb,
  runsFor,
  SEED,
  syncCaseArb,
  Tally,
  inCase,
  type Op,
  withoutGone,
  withParent,
  type World,
} from './oracle-support';
import { GitFixture } from '../../../support/git-fixture';

/**
 * Oracle: on random stacks (edits of one shared file, added, deleted and renamed files, files
 * replaced by folders, binary files, mode changes, empty commits, trunk commits that repeat a
 * branch's change, amended and advanced branches, calm or contended) each stack operation
 * equals plain `git rebase --onto <new head of parent> <old base> <old head>` in a work tree,
 * parent first: the same conflicted branch and paths when git stops, else for every branch the
 * same commits (trees, messages, author names, emails and dates) above its parent's new head,
 * and the same branches left where they were.
 *
 * The old base is where the branch's own commits start: its recorded base, or the newest
 * commit its parent already has when that is newer (the lower part of a branch that reached
 * trunk with a child's merge is not the branch's to replay). With such an upstream, git rebase
 * skips no commit by patch id: a commit whose change the new base has is dropped when it
 * becomes empty, and stops the rebase when trunk changed it further, and so must ours. Commits
 * that start empty are kept, as git rebase keeps them.
 *
 * ORACLE_SEED and ORACLE_RUNS (cases in all, shared among the properties) change the run; a
 * failure names its seed, path and counterexample, which go into `examples` once understood.
 */
const TIMEOUT = 600_000;

const tallies = new Map<string, Tally>();
const tally = (name: string) => {
  const t = new Tally();
  tallies.set(name, t);
  return t;
};

// One fixture for the file: each case writes a repository of its own in its folder.
let fx: GitFixture;

beforeAll(() => {
  console.info(`restack oracle: ORACLE_SEED=${SEED}`);
  fx = new GitFixture();
});

afterAll(() => {
  fx.dispose();
  console.info(
    [...tallies].map(([name, t]) => `${name}: ${t.toString()}`).join('\n'),
  );
});

/** An operation of a fixed example: its kind, the file it picks, the line, variant and author. */
const op = (
  kind: Op['kind'],
  pick = 0,
  line = 0,
  flag = false,
  meta = 0,
): Op => ({ kind, pick, line, flag, meta });

/**
 * Found by this oracle (restack_repo, seed 20261201): trunk renames pool/a.txt, which s2 and
 * s3 delete. git stops on s2 with a rename/delete conflict in moved/main-5-a.txt; the engine's
 * merge of tree entries saw pool/a.txt gone from both sides, in a folder both sides left
 * alike, took the delete as done already and dropped the commit.
 */
const RENAMED_ON_TRUNK_DELETED_ON_BRANCHES: RestackCase = {
  shape: {
    calm: false,
    parents: [-1, -1, 0, -1],
    commits: [
      [op('rename', 58, 4, true, 23)],
      [op('modify', 36, 1, false, 56)],
      [op('chmod', 4, 3, false, 3), op('delete', 1, 1, false, 61)],
      [op('delete', 60, 1, false, 4)],
    ],
    owners: [3, 3, 1, 0, 4],
  },
  mutations: [
    { kind: 'trunk', op: op('rename') },
    { kind: 'cherry', branch: 0, commit: 0, then: false },
  ],
  target: 0,
  newParent: 0,
};

/**
 * Found by this oracle (reparent_branch, seed 2): s1 replaces pool/blob.bin with a folder,
 * which trunk rewrote meanwhile. Both stop on s1 with a directory/file conflict, the file
 * moved aside; the engine names its side by a commit id where git rebase says HEAD (see
 * `sidesByRole`, a known defect modelled in the support module).
 */
const FILE_REPLACED_BY_FOLDER: RestackCase = {
  shape: {
    calm: false,
    parents: [-1, 0, 1, -1],
    commits: [
      [op('delete', 52, 2, false, 29)],
      [
        op('delete', 2, 0, true, 1),
        op('add', 9, 8, true, 19),
        op('delete', 35, 0, true, 10),
      ],
      [op('empty', 14, 8, true, 10), op('rename', 2, 4, true, 58)],
      [op('modify', 11, 2, false, 24), op('delete', 32, 10, true, 2)],
    ],
    owners: [3, 1, 2, 3, 2],
  },
  mutations: [{ kind: 'trunk', op: op('binary') }],
  target: 0,
  newParent: 0,
};

/**
 * Found by this oracle (sync_repo, seed 4242): s3 fast-forwards trunk, bringing in s0's
 * first version (a chmod); s0 is then amended (a rename added) and squash-merged, so trunk's
 * squash commit holds only the rename. No trunk commit has s0's whole patch, yet trunk has
 * every change of s0: it is merged, and its child s1 goes onto trunk.
 */
const SQUASHED_AFTER_PART_REACHED_TRUNK: SyncCase = {
  shape: {
    calm: true,
    parents: [-1, 0, 0, 0],
    commits: [
      [op('chmod', 31, 4, true, 7)],
      [
        op('edit', 42, 2, true, 34),
        op('add', 6, 3, false, 49),
        op('chmod', 8, 10, true, 59),
      ],
      [op('edit', 62, 3, true, 13)],
      [op('edit', 57, 8, true, 4)],
    ],
    owners: [2, 0, 1, 0, -1],
  },
  mutations: [{ kind: 'amend', branch: 0, op: op('rename', 7, 0, false, 0) }],
  fates: ['squash', 'keep', 'delete', 'ff'],
  after: [],
};

const target = (world: World, c: RestackCase) =>
  world.names[c.target % world.names.length]!;

describe('restack oracle (property, against git rebase --onto)', () => {
  /**
   * One action's property over generated stacks: `plan` says what the action is asked, the
   * stack git is to reach and the branches it replays, parent first.
   */
  function restackProperty(
    action: string,
    share: number,
    plan: (
      world: World,
      c: RestackCase,
    ) => {
      request: Parameters<typeof checkAgainstGit>[1];
      stack: Stack;
      scope: readonly string[];
    },
    examples: RestackCase[] = [],
  ): void {
    const runs = runsFor(share);
    it(
      `${action} (seed ${SEED}, ${runs} cases)`,
      async () => {
        const seen = tally(action);
        await fc.assert(
          fc.asyncProperty(restackCaseArb, (c) =>
            inCase(fx, async (dir) => {
              const world = buildRestackCase(fx, dir, c);
              const { request, stack, scope } = plan(world, c);
              await checkAgainstGit(world, request, stack, scope, seen);
            }),
          ),
          {
            seed: SEED,
            numRuns: runs,
            examples: examples.map((example) => [example]),
          },
        );
      },
      TIMEOUT,
    );
  }

  restackProperty(
    'restack_repo',
    0.4,
    (world) => ({
      request: { action: 'restack_repo' },
      stack: world.stack,
      scope: [...world.stack.branches.keys()],
    }),
    [RENAMED_ON_TRUNK_DELETED_ON_BRANCHES],
  );

  restackProperty('restack_subtree', 0.15, (world, c) => {
    const branchName = target(world, c);
    return {
      request: { action: 'restack_subtree', branchName },
      stack: world.stack,
      scope: subtreeOf(world.stack, branchName),
    };
  });

  restackProperty('rebase_branch', 0.15, (world, c) => {
    const branchName = target(world, c);
    return {
      request: { action: 'rebase_branch', branchName },
      stack: world.stack,
      scope: [branchName],
    };
  });

  restackProperty(
    'reparent_branch',
    0.15,
    (world, c) => {
      const branchName = target(world, c);
      // Any parent but the branch and what is stacked on it; its own parent too.
      const below = new Set(subtreeOf(world.stack, branchName));
      const candidates = [
        fx.trunk,
        ...world.names.filter((n) => !below.has(n)),
      ];
      const parentBranch = candidates[c.newParent % candidates.length]!;
      const moved = withParent(world.stack, branchName, parentBranch);
      return {
        request: { action: 'reparent_branch', branchName, parentBranch },
        stack: moved,
        scope: subtreeOf(moved, branchName),
      };
    },
    [FILE_REPLACED_BY_FOLDER],
  );

  const syncRuns = runsFor(0.15);
  it(
    `sync_repo with merged, squash-merged and deleted branches (seed ${SEED}, ${syncRuns} cases)`,
    async () => {
      const seen = tally('sync_repo');
      await fc.assert(
        fc.asyncProperty(syncCaseArb, (c) =>
          inCase(fx, async (dir) => {
            const world = buildSyncCase(fx, dir, c);
            for (const reason of world.gone.values()) seen.add(reason);
            const synced = withoutGone(world.stack, world.gone);
            await checkAgainstGit(
              world,
              { action: 'sync_repo' },
              synced,
              [...synced.branches.keys()],
              seen,
              world.gone,
            );
          }),
        ),
        {
          seed: SEED,
          numRuns: syncRuns,
          examples: [[SQUASHED_AFTER_PART_REACHED_TRUNK]],
        },
      );
    },
    TIMEOUT,
  );
});
