import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { GoneReason } from '../../../../src/domain/stack/gone-branch.decision';
import {
  parentFirstOrder,
  type Stack,
  type TrackedBranch,
} from '../../../../src/domain/stack/stack';
import {
  emptyStack,
  evolveStack,
} from '../../../../src/domain/stack/stack.evolve';
import { ReplayConflictError } from '../../../../src/infrastructure/git/git.errors';
import { GitCliEngine } from '../../../../src/infrastructure/git/git-cli-engine';
import {
  type OperationRequest,
  StackOperations,
} from '../../../../src/infrastructure/git/operations/stack-operations';
import type { ExecutionPlan } from '../../../../src/domain/events/job.events';
import type { GitFixture } from '../../../support/git-fixture';

/**
 * Support for the restack oracles. A generated case (a stack, what happened to it since it
 * was tracked) is written with one `git fast-import` into a repository of its own; the
 * operation runs through `StackOperations` and the git engine on a clone of it, and the same
 * work is done with plain `git rebase --onto <new base> <old base>` in that repository's work
 * tree, parent first. The outcomes must match: the same branch and conflicted paths, or for
 * every branch the same commits (tree, message, author name, email and date) between its new
 * head and its parent's new head.
 */

/** The property's seed: printed, and in each test's name, so that a failure can be re-run. */
export const SEED = Number(process.env.ORACLE_SEED ?? 20261201);
/** Cases in all, shared among the operations' properties (see `runsFor`). */
export const RUNS = Number(process.env.ORACLE_RUNS ?? 100);

/** This property's part of `RUNS`: at least one case. */
export function runsFor(share: number): number {
  return Math.max(1, Math.round(RUNS * share));
}

// ---------------------------------------------------------------------------------------
// The model: files as a map, the changes a commit makes as effects that can be applied
// again elsewhere (a cherry-pick, a squash merge).

type Mode = '100644' | '100755';
interface Entry {
  readonly mode: Mode;
  readonly data: Buffer;
}
type Files = ReadonlyMap<string, Entry>;

type Effect =
  | { t: 'line'; path: string; line: number; text: string }
  | { t: 'put'; path: string; entry: Entry }
  | { t: 'del'; path: string }
  | { t: 'mode'; path: string; mode: Mode };

const SHARED = 'shared.txt';
/** Calm stacks edit line 3 + 8k of the shared file: far enough apart for clean merges. */
const SLOT_SPACING = 8;
const SLOTS = 40;
const SHARED_LINES = 3 + SLOT_SPACING * SLOTS;
/** Contended stacks edit one of its first lines, so that edits meet. */
const CONTENDED_LINES = 12;

const isBinary = (path: string) => path.endsWith('.bin');
const text = (lines: readonly string[]) =>
  Buffer.from(lines.map((l) => `${l}\n`).join(''));
const textLines = (name: string, count: number) =>
  text(Array.from({ length: count }, (_, i) => `${name} ${i}`));
const binary = (tag: string) =>
  Buffer.concat([
    Buffer.from([0, 1, 0xff, 0]),
    Buffer.from(tag),
    Buffer.from([0, 0xfe]),
    Buffer.alloc(24, tag.length),
  ]);

/** The files every stack starts from, on trunk; some of them are given to owners when calm. */
const POOL: ReadonlyArray<readonly [string, Entry]> = [
  ['pool/a.txt', { mode: '100644', data: textLines('a', 8) }],
  ['pool/b.txt', { mode: '100644', data: textLines('b', 8) }],
  ['pool/deep/c.txt', { mode: '100644', data: textLines('c', 8) }],
  [
    'pool/run.sh',
    { mode: '100755', data: text(['#!/bin/sh', 'echo run', 'exit 0']) },
  ],
  ['pool/blob.bin', { mode: '100644', data: binary('pool') }],
];

function setLine(data: Buffer, line: number, value: string): Buffer {
  const lines = data.toString('utf8').split('\n');
  // The last element is what follows the final newline: not a line.
  if (line < lines.length - 1) lines[line] = value;
  return Buffer.from(lines.join('\n'));
}

function lineCount(data: Buffer): number {
  return data.toString('utf8').split('\n').length - 1;
}

function applyEffects(
  files: Files,
  effects: readonly Effect[],
): Map<string, Entry> {
  const out = new Map(files);
  for (const e of effects) {
    const at = out.get(e.path);
    switch (e.t) {
      case 'line':
        if (at && !isBinary(e.path))
          out.set(e.path, { ...at, data: setLine(at.data, e.line, e.text) });
        break;
      case 'put':
        out.set(e.path, e.entry);
        break;
      case 'del':
        out.delete(e.path);
        break;
      case 'mode':
        if (at) out.set(e.path, { ...at, mode: e.mode });
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Generated operations on a stack.

const OP_KINDS = [
  'edit',
  'add',
  'modify',
  'delete',
  'rename',
  'binary',
  'chmod',
  'empty',
] as const;
export type OpKind = (typeof OP_KINDS)[number];

/**
 * One commit's change, resolved against the files when it is made: `pick` chooses among the
 * files the author may touch, `line` a line, `flag` a variant (a rename that also edits, a
 * new binary file rather than a rewrite, a file replaced by a folder rather than deleted),
 * `meta` the author, time zone and message style.
 */
export interface Op {
  kind: OpKind;
  pick: number;
  line: number;
  flag: boolean;
  meta: number;
}

const KIND_WEIGHTS: Record<OpKind, number> = {
  edit: 3,
  add: 2,
  modify: 2,
  delete: 1,
  rename: 2,
  binary: 1,
  chmod: 1,
  empty: 1,
};

const opArb = (kinds: readonly OpKind[] = OP_KINDS): fc.Arbitrary<Op> =>
  fc.record({
    kind: fc.oneof(
      ...kinds.map((k) => ({
        arbitrary: fc.constant(k),
        weight: KIND_WEIGHTS[k],
      })),
    ),
    pick: fc.nat(63),
    line: fc.nat(CONTENDED_LINES - 1),
    flag: fc.boolean(),
    meta: fc.nat(63),
  });

/**
 * A stack before anything moves: branch i's parent is trunk (-1) or an earlier branch; each
 * branch has 1 to 3 commits. Calm stacks give each pool file to one owner (-1 trunk, i
 * branch i, anything else nobody) and edit distinct lines, so they rarely conflict; contended
 * ones let everyone touch every file and nearby lines.
 */
export interface Shape {
  calm: boolean;
  parents: number[];
  commits: Op[][];
  owners: number[];
}

/** What happens after the stack was tracked, in order. */
export type Mutation =
  /** A commit on trunk. */
  | { kind: 'trunk'; op: Op }
  /** Trunk takes the change of a branch's commit (a cherry-pick), then maybe edits it again. */
  | { kind: 'cherry'; branch: number; commit: number; then: boolean }
  /** A commit on top of a branch. */
  | { kind: 'advance'; branch: number; op: Op }
  /** A branch's last commit replaced by another (an amend): its children keep the old one. */
  | { kind: 'amend'; branch: number; op: Op };

const shapeArb = (
  options: {
    calm?: boolean;
    kinds?: readonly OpKind[];
    firstKinds?: readonly OpKind[];
  } = {},
): fc.Arbitrary<Shape> =>
  fc.integer({ min: 1, max: 5 }).chain((n) =>
    fc.record({
      calm:
        options.calm === undefined ? fc.boolean() : fc.constant(options.calm),
      parents: fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.integer({ min: -1, max: i - 1 }),
        ),
      ),
      commits: fc.array(
        fc
          .tuple(
            opArb(options.firstKinds ?? options.kinds),
            fc.array(opArb(options.kinds), { maxLength: 2 }),
          )
          .map(([first, more]) => [first, ...more]),
        { minLength: n, maxLength: n },
      ),
      owners: fc.array(fc.integer({ min: -1, max: 5 }), {
        minLength: POOL.length,
        maxLength: POOL.length,
      }),
    }),
  );

const mutationArb = (
  branches: number,
  options: {
    cherry?: boolean;
    /** The kinds of commit an advance or an amend adds to a branch. */
    branchKinds?: readonly OpKind[];
  } = {},
): fc.Arbitrary<Mutation> => {
  const branch = fc.nat(branches - 1);
  const trunk = {
    arbitrary: fc.record({
      kind: fc.constant('trunk' as const),
      op: opArb(),
    }),
    weight: 4,
  };
  const cherry = {
    arbitrary: fc.record({
      kind: fc.constant('cherry' as const),
      branch,
      commit: fc.nat(2),
      then: fc.boolean(),
    }),
    weight: 2,
  };
  const onBranch = (kind: 'advance' | 'amend') => ({
    arbitrary: fc.record({
      kind: fc.constant(kind),
      branch,
      op: opArb(options.branchKinds),
    }),
    weight: 1,
  });
  return options.cherry === false
    ? fc.oneof(trunk, onBranch('advance'), onBranch('amend'))
    : fc.oneof(trunk, cherry, onBranch('advance'), onBranch('amend'));
};

/** A stack, what happens to it, and the branches an operation is asked about. */
export interface RestackCase {
  shape: Shape;
  mutations: Mutation[];
  /** The operation's branch: index modulo the branch count. */
  target: number;
  /** reparent_branch's new parent: index among the candidates (trunk and non-descendants). */
  newParent: number;
}

export const restackCaseArb: fc.Arbitrary<RestackCase> = shapeArb().chain(
  (shape) =>
    fc.record({
      shape: fc.constant(shape),
      mutations: fc.array(mutationArb(shape.parents.length), {
        minLength: 1,
        maxLength: 4,
      }),
      target: fc.nat(),
      newParent: fc.nat(),
    }),
);

/**
 * What becomes of a branch before a sync: kept, deleted on the remote, merged into trunk with
 * a merge commit, fast-forwarded into trunk, squash-merged, rebase-merged (each commit copied
 * onto trunk), or merged and then deleted, as hosting services do.
 */
const FATES = [
  'keep',
  'delete',
  'merge',
  'ff',
  'squash',
  'rebase',
  'merge-delete',
  'squash-delete',
] as const;
export type Fate = (typeof FATES)[number];
const FATE_WEIGHTS: Record<Fate, number> = {
  keep: 4,
  delete: 1,
  merge: 1,
  ff: 1,
  squash: 2,
  rebase: 1,
  'merge-delete': 1,
  'squash-delete': 1,
};

export interface SyncCase {
  shape: Shape;
  mutations: Mutation[];
  fates: Fate[];
  /** Trunk commits after the merges. */
  after: Op[];
}

/**
 * Sync cases are calm: a branch's own changes squashed onto trunk give the same patch as the
 * branch (unique lines, files nobody else touches), which is what a squash merge looks like,
 * and nothing else on trunk repeats a branch's patch by chance.
 */
export const syncCaseArb: fc.Arbitrary<SyncCase> = shapeArb({
  calm: true,
  firstKinds: OP_KINDS,
}).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    mutations: fc.array(
      mutationArb(shape.parents.length, {
        cherry: false,
        branchKinds: OP_KINDS,
      }),
      { maxLength: 3 },
    ),
    fates: fc.array(
      fc.oneof(
        ...FATES.map((f) => ({
          arbitrary: fc.constant(f),
          weight: FATE_WEIGHTS[f],
        })),
      ),
      { minLength: shape.parents.length, maxLength: shape.parents.length },
    ),
    after: fc.array(opArb(), { maxLength: 2 }),
  }),
);

// ---------------------------------------------------------------------------------------
// Writing a generated history: every commit in one fast-import stream.

const AUTHORS = [
  'Ann Author <ann@example.com>',
  'Bő Builder <bo@example.org>',
  '陳 Chen <chen@example.net>',
];
const ZONES = ['+0000', '+0530', '-0700', '+1245'];

/** Message styles: plain; with a body; without a final newline; with git-comment-like lines. */
function messageFor(tag: string, what: string, meta: number): string {
  switch ((meta >> 4) % 4) {
    case 0:
      return `${tag}: ${what}\n`;
    case 1:
      return `${tag}: ${what}\n\nWhy: ünïcode in the body.\nSecond line.\n`;
    case 2:
      return `${tag}: ${what}`;
    default:
      return `${tag}: ${what}  \n# not a comment to rebase\n\n\n`;
  }
}

interface Change {
  tag: string;
  what: string;
  effects: Effect[];
}

interface CommitRecord {
  parents: number[];
  files: Files;
  effects: Effect[];
  meta: number;
  message: string;
}

/** Marks are made in order, so parents come first. */
class History {
  private readonly chunks: Buffer[] = [];
  private readonly commits = new Map<number, CommitRecord>();
  private readonly owner = new Map<string, string>();
  private nextMark = 1;
  private nextTag = 0;
  private slot = 0;
  private time = 1_700_100_000;

  constructor(readonly calm: boolean) {}

  record(mark: number): CommitRecord {
    return this.commits.get(mark)!;
  }

  files(mark: number): Files {
    return this.record(mark).files;
  }

  /** Every mark reachable from `mark`, itself included. */
  reachable(mark: number): Set<number> {
    const seen = new Set<number>();
    const todo = [mark];
    while (todo.length > 0) {
      const at = todo.pop()!;
      if (seen.has(at)) continue;
      seen.add(at);
      todo.push(...this.record(at).parents);
    }
    return seen;
  }

  own(path: string, actor: string): void {
    this.owner.set(path, actor);
  }

  commit(
    parents: readonly number[],
    files: Files,
    effects: Effect[],
    meta: number,
    message: string,
  ): number {
    const mark = this.nextMark++;
    const time = (this.time += 97);
    const from = parents[0];
    const msg = Buffer.from(message);
    const out: Buffer[] = [
      Buffer.from(
        `commit refs/oracle/build\nmark :${mark}\n` +
          `author ${AUTHORS[meta % AUTHORS.length]} ${time} ${ZONES[(meta >> 2) % ZONES.length]}\n` +
          `committer Ann Author <ann@example.com> ${time} +0000\n` +
          `data ${msg.length}\n`,
      ),
      msg,
      Buffer.from(
        '\n' +
          parents.map((p, i) => `${i ? 'merge' : 'from'} :${p}\n`).join(''),
      ),
    ];
    const before =
      from === undefined ? new Map<string, Entry>() : this.files(from);
    for (const path of [...before.keys()].sort())
      if (!files.has(path)) out.push(Buffer.from(`D ${path}\n`));
    for (const [path, entry] of [...files].sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      const old = before.get(path);
      if (old && old.mode === entry.mode && old.data.equals(entry.data))
        continue;
      out.push(
        Buffer.from(
          `M ${entry.mode} inline ${path}\ndata ${entry.data.length}\n`,
        ),
        entry.data,
        Buffer.from('\n'),
      );
    }
    out.push(Buffer.from('\n'));
    this.chunks.push(...out);
    this.commits.set(mark, {
      parents: [...parents],
      files,
      effects,
      meta,
      message,
    });
    return mark;
  }

  /** Makes `op` by `actor` on top of `at`; returns the new commit's mark. */
  step(at: number, op: Op, actor: string): number {
    const files = this.files(at);
    const change = this.realize(files, op, actor);
    return this.commit(
      [at],
      applyEffects(files, change.effects),
      change.effects,
      op.meta,
      messageFor(change.tag, change.what, op.meta),
    );
  }

  /** Resolves `op` against `files`: the paths it touches and how. */
  private realize(files: Files, op: Op, actor: string): Change {
    const tag = `${actor}-${this.nextTag++}`;
    const mine = [...files.keys()]
      .filter((p) => !this.calm || this.owner.get(p) === actor)
      .sort();
    const pick = (paths: readonly string[]) =>
      paths.length > 0 ? paths[op.pick % paths.length] : undefined;
    const add = (): Change => {
      const path = `${actor}/${tag}.txt`;
      this.owner.set(path, actor);
      return {
        tag,
        what: `add ${path}`,
        effects: [
          {
            t: 'put',
            path,
            entry: { mode: '100644', data: textLines(tag, 6) },
          },
        ],
      };
    };
    switch (op.kind) {
      case 'empty':
        return { tag, what: 'empty commit', effects: [] };
      case 'add':
        return add();
      case 'edit': {
        if (!files.has(SHARED)) return add();
        const line = this.calm
          ? 3 + SLOT_SPACING * (this.slot++ % SLOTS)
          : op.line;
        return {
          tag,
          what: `edit ${SHARED} line ${line}`,
          effects: [{ t: 'line', path: SHARED, line, text: `${tag} edit` }],
        };
      }
      case 'modify': {
        const path = pick(mine);
        if (path === undefined) return add();
        const entry = files.get(path)!;
        if (isBinary(path))
          return {
            tag,
            what: `rewrite ${path}`,
            effects: [
              { t: 'put', path, entry: { ...entry, data: binary(tag) } },
            ],
          };
        const line = op.line % Math.max(1, lineCount(entry.data));
        return {
          tag,
          what: `modify ${path} line ${line}`,
          effects: [{ t: 'line', path, line, text: `${tag} modify` }],
        };
      }
      case 'delete': {
        const path = pick(mine);
        if (path === undefined) return add();
        if (!op.flag)
          return { tag, what: `delete ${path}`, effects: [{ t: 'del', path }] };
        // A folder where the file was: what was a file on one side is a folder on the other.
        const inner = `${path}/${tag}.txt`;
        this.owner.set(inner, actor);
        return {
          tag,
          what: `replace ${path} with a folder`,
          effects: [
            { t: 'del', path },
            {
              t: 'put',
              path: inner,
              entry: { mode: '100644', data: textLines(tag, 3) },
            },
          ],
        };
      }
      case 'rename': {
        const path = pick(mine);
        if (path === undefined) return add();
        const entry = files.get(path)!;
        const target = `moved/${tag}-${path.split('/').pop()!}`;
        const edited =
          op.flag && !isBinary(path)
            ? { ...entry, data: setLine(entry.data, 0, `${tag} renamed`) }
            : entry;
        this.owner.set(target, actor);
        return {
          tag,
          what: `git mv ${path} ${target}${edited === entry ? '' : ', edited'}`,
          effects: [
            { t: 'del', path },
            { t: 'put', path: target, entry: edited },
          ],
        };
      }
      case 'binary': {
        const path = pick(mine.filter(isBinary));
        if (path === undefined || op.flag) {
          const added = `${actor}/${tag}.bin`;
          this.owner.set(added, actor);
          return {
            tag,
            what: `add binary ${added}`,
            effects: [
              {
                t: 'put',
                path: added,
                entry: { mode: '100644', data: binary(tag) },
              },
            ],
          };
        }
        return {
          tag,
          what: `rewrite binary ${path}`,
          effects: [
            {
              t: 'put',
              path,
              entry: { ...files.get(path)!, data: binary(tag) },
            },
          ],
        };
      }
      case 'chmod': {
        const path = pick(mine);
        if (path === undefined) return add();
        const mode = files.get(path)!.mode === '100755' ? '100644' : '100755';
        return {
          tag,
          what: `chmod ${mode === '100755' ? '+x' : '-x'} ${path}`,
          effects: [{ t: 'mode', path, mode }],
        };
      }
    }
  }

  /** A copy of commit `mark`'s change (author and message too) on top of `at`. */
  copy(at: number, mark: number): number {
    const c = this.record(mark);
    return this.commit(
      [at],
      applyEffects(this.files(at), c.effects),
      c.effects,
      c.meta,
      c.message,
    );
  }

  /** Trunk edits again what commit `mark` changed, so that its copy no longer applies as is. */
  editAgain(at: number, mark: number): number {
    const tag = `main-${this.nextTag++}`;
    const effects: Effect[] = [];
    for (const e of this.record(mark).effects) {
      if (e.t === 'line') effects.push({ ...e, text: `${tag} again` });
      if (e.t === 'put')
        effects.push(
          isBinary(e.path)
            ? {
                t: 'put',
                path: e.path,
                entry: { ...e.entry, data: binary(tag) },
              }
            : { t: 'line', path: e.path, line: 0, text: `${tag} again` },
        );
    }
    if (effects.length === 0) return at;
    const files = applyEffects(this.files(at), effects);
    return this.commit([at], files, effects, 0, `${tag}: edit again\n`);
  }

  stream(refs: ReadonlyMap<string, number>): Buffer {
    const resets = [...refs].map(
      ([name, mark]) => `reset refs/heads/${name}\nfrom :${mark}\n\n`,
    );
    return Buffer.concat([...this.chunks, Buffer.from(resets.join(''))]);
  }
}

// ---------------------------------------------------------------------------------------
// Writing a case to a repository of its own.

const branchName = (i: number) => `s${i}`;

/**
 * A generated case, written to a repository of its own in the fixture's folder: the remote
 * the engine clones, and the work tree where the oracle rebases.
 */
export interface World {
  fx: GitFixture;
  /** The case's folder: its repository and the engine's clones. */
  dir: string;
  repo: string;
  names: string[];
  /** The stack as tracked before anything moved: each base is its parent's head then. */
  stack: Stack;
  /** The remote's heads now (trunk and the branches still on it). */
  heads: Map<string, string>;
  /** The root commit, below everything generated: an empty tree. */
  root: string;
  /**
   * Where `head`'s own commits start when it goes onto `parentHead`: the newest commit of
   * its history that is `base` (its recorded base) or that the parent has already. Commits
   * below it are not its own: replaying them would add again what the parent holds (a lower
   * part of a branch that reached trunk with its child's merge, say).
   */
  ownStart(head: string, parentHead: string, base: string): string;
  /** The commits `to` has and `from` lacks. */
  range(from: string, to: string): Set<string>;
  /** Sync cases: the branches a sync must untrack, and why. */
  gone: Map<string, GoneReason>;
}

interface Built {
  history: History;
  root: number;
  trunk: number;
  heads: number[];
  /** Each branch's recorded base: its parent's head when it was tracked. */
  bases: number[];
  /** Each branch's commits as first made. */
  own: number[][];
}

function buildStack(shape: Shape): Built {
  const history = new History(shape.calm);
  const n = shape.parents.length;
  const pool = new Map<string, Entry>(POOL);
  pool.set(SHARED, {
    mode: '100644',
    data: textLines('line', SHARED_LINES),
  });
  for (const [i, [path]] of POOL.entries()) {
    const owner = shape.owners[i]!;
    if (owner < 0) history.own(path, 'main');
    else if (owner < n) history.own(path, branchName(owner));
  }
  const root = history.commit([], new Map(), [], 0, 'root\n');
  const trunk = history.commit(
    [root],
    pool,
    [],
    0,
    'pool: the files stacks work on\n',
  );
  const built: Built = {
    history,
    root,
    trunk,
    heads: [],
    bases: [],
    own: [],
  };
  for (let i = 0; i < n; i++) {
    const p = shape.parents[i]!;
    const base = p < 0 ? trunk : built.heads[p]!;
    const own: number[] = [];
    let at = base;
    for (const op of shape.commits[i]!) {
      at = history.step(at, op, branchName(i));
      own.push(at);
    }
    built.bases.push(base);
    built.own.push(own);
    built.heads.push(at);
  }
  return built;
}

function applyMutations(built: Built, mutations: readonly Mutation[]): void {
  const { history } = built;
  const n = built.heads.length;
  for (const m of mutations) {
    switch (m.kind) {
      case 'trunk':
        built.trunk = history.step(built.trunk, m.op, 'main');
        break;
      case 'cherry': {
        const picked = built.own[m.branch % n]!;
        const mark = picked[m.commit % picked.length]!;
        built.trunk = history.copy(built.trunk, mark);
        if (m.then) built.trunk = history.editAgain(built.trunk, mark);
        break;
      }
      case 'advance': {
        const b = m.branch % n;
        built.heads[b] = history.step(built.heads[b]!, m.op, branchName(b));
        break;
      }
      case 'amend': {
        const b = m.branch % n;
        const below = history.record(built.heads[b]!).parents[0]!;
        built.heads[b] = history.step(below, m.op, branchName(b));
        break;
      }
    }
  }
}

function publish(
  fx: GitFixture,
  dir: string,
  built: Built,
  shape: Shape,
  live: ReadonlySet<number>,
): Omit<World, 'gone'> {
  const n = shape.parents.length;
  const names = Array.from({ length: n }, (_, i) => branchName(i));
  const refs = new Map<string, number>([[fx.trunk, built.trunk]]);
  for (const i of live) refs.set(names[i]!, built.heads[i]!);
  const repo = join(dir, 'repo');
  fx.git(dir, 'init', '--quiet', `--initial-branch=${fx.trunk}`, repo);
  const marks = fx.fastImport(built.history.stream(refs), repo);
  const sha = (mark: number) => marks.get(mark)!;
  // HEAD detached on the empty root commit: the empty index and folder match it, so that
  // git rebase may start at once.
  writeFileSync(join(repo, '.git', 'HEAD'), `${sha(built.root)}\n`);
  let stack: Stack = emptyStack(fx.trunk);
  for (const [i, name] of names.entries()) {
    const p = shape.parents[i]!;
    stack = evolveStack(stack, {
      type: 'BranchTracked',
      data: {
        branch: name,
        parent: p < 0 ? fx.trunk : names[p]!,
        baseSha: sha(built.bases[i]!),
      },
    });
  }
  const heads = new Map<string, string>();
  for (const [name, mark] of refs) heads.set(name, sha(mark));
  const markOf = new Map([...marks].map(([m, id]) => [id, m]));
  const ownStart = (head: string, parentHead: string, base: string) => {
    const { history } = built;
    const inParent = history.reachable(markOf.get(parentHead)!);
    let at = markOf.get(head)!;
    while (sha(at) !== base && !inParent.has(at))
      at = history.record(at).parents[0]!;
    return sha(at);
  };
  const range = (from: string, to: string) => {
    const below = built.history.reachable(markOf.get(from)!);
    return new Set(
      [...built.history.reachable(markOf.get(to)!)]
        .filter((m) => !below.has(m))
        .map(sha),
    );
  };
  return {
    fx,
    dir,
    repo,
    names,
    stack,
    heads,
    root: sha(built.root),
    ownStart,
    range,
  };
}

export function buildRestackCase(
  fx: GitFixture,
  dir: string,
  c: RestackCase,
): World {
  const built = buildStack(c.shape);
  applyMutations(built, c.mutations);
  const all = new Set(c.shape.parents.keys());
  return { ...publish(fx, dir, built, c.shape, all), gone: new Map() };
}

/**
 * Writes a sync case: the stack and its mutations, then each branch's fate (a fast-forward
 * first, while trunk has not moved; then merges, then squashes, each parent-first), then
 * trunk's later commits. Which branches are gone follows from what was done: deleted on the remote, its
 * head in trunk's history, or its own changes squashed or copied onto trunk.
 */
export function buildSyncCase(fx: GitFixture, dir: string, c: SyncCase): World {
  const n = c.shape.parents.length;
  const fate = (i: number): Fate => c.fates[i] ?? 'keep';
  const firstFf = c.fates.indexOf('ff');
  // A fast-forward needs trunk where the stack was built: it happens before anything moves.
  const ffFirst = firstFf >= 0 ? firstFf : undefined;
  const built = buildStack(c.shape);
  const { history } = built;
  if (ffFirst !== undefined) built.trunk = built.heads[ffFirst]!;
  applyMutations(built, c.mutations);
  const patchMerged = new Set<number>();
  const merged = (f: Fate, i: number) =>
    f === 'merge' || f === 'merge-delete' || (f === 'ff' && i !== ffFirst);
  // Merges first, then squashes: a merge after a squash may bring in part of the squashed
  // branch (its child's merge carries the commits an amend replaced), and then no trunk
  // commit holds just the branch's own changes any more, which is what a squash merge is
  // known by. Which way that should go is a matter of definition, not of rebasing.
  for (let i = 0; i < n; i++) {
    if (merged(fate(i), i)) {
      // A merge commit whose tree has everything of the branch that trunk lacks.
      const inTrunk = history.reachable(built.trunk);
      const missing = [...history.reachable(built.heads[i]!)]
        .filter((m) => !inTrunk.has(m))
        .sort((a, b) => a - b);
      const effects = missing.flatMap((m) => history.record(m).effects);
      built.trunk = history.commit(
        [built.trunk, built.heads[i]!],
        applyEffects(history.files(built.trunk), effects),
        effects,
        i,
        `Merge branch '${branchName(i)}'\n`,
      );
    }
  }
  for (let i = 0; i < n; i++) {
    const f = fate(i);
    if (f === 'squash' || f === 'squash-delete' || f === 'rebase') {
      const ownMarks = ownCommits(history, built.heads[i]!, built.bases[i]!);
      const effects = ownMarks.flatMap((m) => history.record(m).effects);
      const files = applyEffects(history.files(built.trunk), effects);
      if (f === 'rebase') {
        for (const m of ownMarks) built.trunk = history.copy(built.trunk, m);
        patchMerged.add(i);
      } else if (!sameFiles(files, history.files(built.trunk))) {
        built.trunk = history.commit(
          [built.trunk],
          files,
          effects,
          i,
          `${branchName(i)} (squashed)\n`,
        );
        patchMerged.add(i);
      }
    }
  }
  for (const op of c.after) built.trunk = history.step(built.trunk, op, 'main');
  const deleted = (i: number) =>
    fate(i) === 'delete' ||
    fate(i) === 'merge-delete' ||
    fate(i) === 'squash-delete';
  const live = new Set([...Array(n).keys()].filter((i) => !deleted(i)));
  const world = publish(fx, dir, built, c.shape, live);
  const inTrunk = history.reachable(built.trunk);
  const gone = new Map<string, GoneReason>();
  for (let i = 0; i < n; i++) {
    if (deleted(i)) gone.set(branchName(i), 'deleted_on_remote');
    else if (inTrunk.has(built.heads[i]!) || patchMerged.has(i))
      gone.set(branchName(i), 'merged');
  }
  return { ...world, gone };
}

/** The commits of `head` that `base` lacks, oldest first (branches have no merges). */
function ownCommits(history: History, head: number, base: number): number[] {
  const below = history.reachable(base);
  return [...history.reachable(head)]
    .filter((m) => !below.has(m))
    .sort((a, b) => a - b);
}

function sameFiles(a: Files, b: Files): boolean {
  if (a.size !== b.size) return false;
  for (const [path, e] of a) {
    const o = b.get(path);
    if (!o || o.mode !== e.mode || !o.data.equals(e.data)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Running the operation, and the oracle.

const REPO_ID = 'r';

export type Outcome =
  | { outcome: 'conflict'; branch: string; files: string[] }
  | { outcome: 'done'; heads: Map<string, string> };

type Request = Omit<OperationRequest, 'repoId' | 'jobId'>;

interface Ours {
  outcome: Outcome;
  plan?: ExecutionPlan;
  gitDir: string;
}

/**
 * Operations run so far: every other one writes even a single held object as a pack, and
 * every third has git merge every pick.
 */
let operations = 0;

/**
 * Runs `request` through StackOperations on a fresh clone of the case's repository. Every
 * other operation writes what a restack holds as packs whatever their size (the service
 * packs from 100 objects, more than most cases write), so that both ways of writing, and the
 * writes before each content merge, meet the oracle. Every third sends every pick to git's
 * merger, none merged by tree entries, so that picks the service would merge either way meet
 * it both ways.
 */
async function runOperation(world: World, request: Request): Promise<Ours> {
  const n = operations++;
  const engine = new GitCliEngine(join(world.dir, 'repos'), undefined, {
    packMinObjects: n % 2 === 0 ? 1 : undefined,
    entryMerges: n % 3 !== 2,
  });
  const gitDir = engine.gitDir(REPO_ID);
  try {
    await engine.ensureClone(REPO_ID, world.repo);
    const plan = await new StackOperations(engine).run(
      { repoId: REPO_ID, jobId: 'oracle', ...request },
      world.stack,
    );
    const heads = new Map(world.heads);
    for (const m of plan.moves) heads.set(m.branch, m.to!);
    return { outcome: { outcome: 'done', heads }, plan, gitDir };
  } catch (error) {
    if (!(error instanceof ReplayConflictError)) throw error;
    return {
      outcome: {
        outcome: 'conflict',
        branch: error.branch,
        files: [...error.files].sort(),
      },
      gitDir,
    };
  } finally {
    await engine.close();
  }
}

/** One `git rebase --onto <new head of parent> <upstream> <head>`. */
interface RebaseStep {
  branch: string;
  parent: string;
  upstream: string;
  head: string;
}

/**
 * The oracle: the steps with git rebase in the case's work tree, in order, each onto its
 * parent's head as the steps before left it. Stops at the first rebase that stops, with the
 * paths git leaves unmerged.
 */
function rebaseOracle(world: World, steps: readonly RebaseStep[]): Outcome {
  const { fx, repo } = world;
  const heads = new Map(world.heads);
  for (const s of steps) {
    const onto = heads.get(s.parent)!;
    const r = fx.tryGit(
      repo,
      '-c',
      'gc.auto=0',
      '-c',
      'notes.rewrite.rebase=false',
      'rebase',
      '--quiet',
      '--onto',
      onto,
      s.upstream,
      s.head,
    );
    if (r.status !== 0) {
      const files = fx
        .git(repo, 'diff', '--name-only', '--diff-filter=U')
        .split('\n')
        .filter(Boolean);
      fx.git(repo, 'rebase', '--abort');
      if (files.length === 0)
        throw new Error(`git rebase failed without a conflict: ${r.stderr}`);
      return { outcome: 'conflict', branch: s.branch, files: files.sort() };
    }
    // A rebase of a commit id leaves HEAD detached: the file holds the new head's id.
    heads.set(
      s.branch,
      readFileSync(join(repo, '.git', 'HEAD'), 'utf8').trim(),
    );
  }
  return { outcome: 'done', heads };
}

/**
 * A file that git moved aside for a folder of the same name (a directory/file conflict) is
 * reported as `<path>~<side>`. git rebase names the side it is on HEAD, and the picked commit
 * `<short id> (<subject>)`; the engine, which has no HEAD, names each by a real commit id: the
 * new base's, or the picked commit's (the same at every attempt; see `git-cli-engine` tests).
 * The names differ by design, so the side is compared by its role. Generated paths hold no
 * `~`.
 */
function sidesByRole(
  outcome: Outcome,
  picked: (branch: string, label: string) => boolean,
): Outcome {
  if (outcome.outcome !== 'conflict') return outcome;
  const role = (path: string) => {
    const at = path.indexOf('~');
    if (at < 0) return path;
    const label = path.slice(at + 1);
    return `${path.slice(0, at)}~<${picked(outcome.branch, label) ? 'picked commit' : 'new base'}>`;
  };
  return { ...outcome, files: outcome.files.map(role).sort() };
}

/** What is compared of a commit: not its id or committer, which a rewrite changes. */
interface CommitFacts {
  tree: string;
  author: string;
  message: string;
}

interface StoredCommit {
  parents: string[];
  facts: CommitFacts;
}

/** Every commit reachable from `heads` and not from the case's root commit. */
function loadCommits(
  world: World,
  gitDir: string,
  heads: readonly string[],
): Map<string, StoredCommit> {
  const { fx, root } = world;
  const ids = fx
    .git(
      fx.root,
      `--git-dir=${gitDir}`,
      'rev-list',
      ...new Set(heads),
      `^${root}`,
    )
    .split('\n')
    .filter(Boolean);
  const raw = fx.gitInput(
    fx.root,
    `${ids.join('\n')}\n`,
    `--git-dir=${gitDir}`,
    'cat-file',
    '--batch',
  );
  const commits = new Map<string, StoredCommit>();
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf(10, at);
    const [id, , size] = raw.subarray(at, eol).toString('latin1').split(' ');
    const body = raw.subarray(eol + 1, eol + 1 + Number(size));
    at = eol + 1 + Number(size) + 1;
    const split = body.indexOf('\n\n');
    const headers = body.subarray(0, split).toString('utf8').split('\n');
    const header = (name: string) =>
      headers
        .filter((h) => h.startsWith(`${name} `))
        .map((h) => h.slice(name.length + 1));
    commits.set(id!, {
      parents: header('parent'),
      facts: {
        tree: header('tree')[0]!,
        // Name, email and date with its zone, as git rebase keeps them.
        author: header('author')[0]!,
        message: body.subarray(split + 2).toString('utf8'),
      },
    });
  }
  return commits;
}

/** The commits from `base` (excluded) up to `head`, oldest first, or why there are none. */
function chain(
  commits: ReadonlyMap<string, StoredCommit>,
  head: string,
  base: string,
): CommitFacts[] | string {
  const out: CommitFacts[] = [];
  for (let at = head; at !== base;) {
    const c = commits.get(at);
    if (!c) return `${head} does not stand on ${base}`;
    if (c.parents.length !== 1) return `${at} is a merge`;
    out.push(c.facts);
    at = c.parents[0]!;
  }
  return out.reverse();
}

/**
 * An outcome as compared: the conflict, or for each branch of `stack` whether it stayed
 * where it was and, if not, its commits above its parent's new head.
 */
function describeOutcome(
  world: World,
  stack: Stack,
  outcome: Outcome,
  gitDir: string,
): unknown {
  if (outcome.outcome === 'conflict') return outcome;
  const { heads } = outcome;
  const commits = loadCommits(world, gitDir, [...heads.values()]);
  return parentFirstOrder(stack).map((branch) => {
    const head = heads.get(branch)!;
    if (head === world.heads.get(branch)) return { branch, kept: true };
    const parent = stack.branches.get(branch)!.parent;
    return {
      branch,
      on: parent,
      commits: chain(commits, head, heads.get(parent)!),
    };
  });
}

/** How the stack reads once a plan's events are recorded: parent and base of each branch. */
function recorded(stack: Stack): Record<string, string> {
  return Object.fromEntries(
    [...stack.branches.values()].map((b) => [b.name, b.parent]),
  );
}

/** Tallies of what the oracle saw, printed after each property. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  toString(): string {
    return [...this.counts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  }
}

/**
 * Runs `request` and the oracle, and expects the same outcome. `stack` is the stack as the
 * operation should leave it (parents; each base where its own commits start), `scope` the
 * branches git rebases, parent-first, and `gone` the branches a sync must untrack.
 */
export async function checkAgainstGit(
  world: World,
  request: Request,
  stack: Stack,
  scope: readonly string[],
  tally: Tally,
  gone: ReadonlyMap<string, GoneReason> = new Map(),
): Promise<void> {
  const ours = await runOperation(world, request);
  // Every tree and commit the operation wrote (the replayed branches, and those before a
  // conflict) is well formed. Notices (the clone's HEAD names no branch) are no findings.
  const fsck = world.fx.tryGit(
    ours.gitDir,
    'fsck',
    '--strict',
    '--no-progress',
  );
  const findings = fsck.stderr
    .split('\n')
    .filter((line) => line && !line.startsWith('notice:'));
  expect({ status: fsck.status, findings }).toEqual({
    status: 0,
    findings: [],
  });
  const steps = parentFirstOrder(stack, scope).map((branch) => {
    const b = stack.branches.get(branch)!;
    const head = world.heads.get(branch)!;
    const parentHead = world.heads.get(b.parent)!;
    return {
      branch,
      parent: b.parent,
      upstream: world.ownStart(head, parentHead, b.baseSha),
      head,
    };
  });
  const theirs = rebaseOracle(world, steps);
  const step = (branch: string) => steps.find((s) => s.branch === branch);
  expect(
    describeOutcome(
      world,
      stack,
      sidesByRole(ours.outcome, (branch, label) => {
        const s = step(branch);
        return s !== undefined && world.range(s.upstream, s.head).has(label);
      }),
      ours.gitDir,
    ),
  ).toEqual(
    describeOutcome(
      world,
      stack,
      sidesByRole(theirs, (_, label) => label !== 'HEAD'),
      join(world.repo, '.git'),
    ),
  );
  tally.add(theirs.outcome);
  if (theirs.outcome === 'done') {
    const moved = [...theirs.heads].filter(
      ([b, h]) => stack.branches.has(b) && h !== world.heads.get(b),
    ).length;
    tally.add(`${moved} moved`);
  }
  if (!ours.plan || ours.outcome.outcome !== 'done') return;
  // What the service records: the parents git was asked to rebase onto, the untracked
  // branches and why, and each rewritten branch based on its parent's new head.
  const after = ours.plan.events.reduce(evolveStack, world.stack);
  expect(recorded(after)).toEqual(recorded(stack));
  const untracked = ours.plan.events.flatMap((e) =>
    e.type === 'BranchUntracked' ? [[e.data.branch, e.data.reason]] : [],
  );
  expect(Object.fromEntries(untracked)).toEqual(Object.fromEntries(gone));
  const heads = ours.outcome.heads;
  for (const m of ours.plan.moves) {
    const parent = after.branches.get(m.branch)?.parent;
    expect([m.branch, after.branches.get(m.branch)?.baseSha]).toEqual([
      m.branch,
      parent === undefined ? undefined : heads.get(parent),
    ]);
  }
}

/** The stack with `name` on `parent`, its base (where its own commits start) kept. */
export function withParent(stack: Stack, name: string, parent: string): Stack {
  const branches = new Map(stack.branches);
  branches.set(name, { ...branches.get(name)!, parent });
  return { ...stack, branches };
}

/**
 * The stack once the `gone` branches are untracked: each other branch on its nearest
 * ancestor that is not gone (else trunk), its base kept, so that only its own commits move.
 */
export function withoutGone(
  stack: Stack,
  gone: ReadonlyMap<string, GoneReason>,
): Stack {
  const branches = new Map<string, TrackedBranch>();
  for (const b of stack.branches.values()) {
    if (gone.has(b.name)) continue;
    let parent = b.parent;
    while (gone.has(parent)) parent = stack.branches.get(parent)!.parent;
    branches.set(b.name, { ...b, parent });
  }
  return { ...stack, branches };
}

let cases = 0;

/** Runs `check` in a new folder of the fixture's, removed afterwards whatever happens. */
export async function inCase<T>(
  fx: GitFixture,
  check: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = join(fx.root, `case-${++cases}`);
  mkdirSync(dir);
  try {
    return await check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
