/**
 * Three-way merge of git trees at the level of entries, for the common case of a restack:
 * the branch's commit and the new base changed different paths. Where both sides changed the
 * same file differently, it gives up (returns undefined) and the caller lets git merge the
 * contents. No git process is started for it: trees are read through the long-running
 * `cat-file --batch` and written into the object database in process.
 */

export interface TreeEntry {
  mode: string;
  name: Buffer;
  oid: string;
}

export interface TreeStore {
  readTree(oid: string): Promise<readonly TreeEntry[]>;
  writeTree(entries: readonly TreeEntry[]): Promise<string>;
}

const TREE_MODE = '40000';

/** Parses a raw tree object: repeated `<mode> <name>\0<20-byte id>`. */
export function parseTree(raw: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < raw.length) {
    const space = raw.indexOf(32, at);
    const nul = raw.indexOf(0, space);
    entries.push({
      mode: raw.subarray(at, space).toString('latin1'),
      name: Buffer.from(raw.subarray(space + 1, nul)),
      oid: raw.subarray(nul + 1, nul + 21).toString('hex'),
    });
    at = nul + 21;
  }
  return entries;
}

/**
 * Serialises entries in git's order: by name bytes, a tree's name compared with a trailing
 * "/". Sort keys are made once per entry, as latin1 strings (one code unit per byte, so that
 * string order is byte order), and the object is written into one buffer.
 */
export function serializeTree(entries: readonly TreeEntry[]): Buffer {
  const keyed = entries.map((entry) => ({
    entry,
    key: entry.name.toString('latin1') + (entry.mode === TREE_MODE ? '/' : ''),
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let size = 0;
  for (const { entry } of keyed)
    size += entry.mode.length + entry.name.length + 22;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const { entry } of keyed) {
    at += out.write(entry.mode, at, 'latin1');
    out[at++] = 32;
    at += entry.name.copy(out, at);
    out[at++] = 0;
    const written = out.write(entry.oid, at, 'hex');
    if (written !== 20) throw new Error(`not an object id: ${entry.oid}`);
    at += written;
  }
  return out;
}

/** Entries' names as latin1 strings (one code unit a byte), made once per parsed entry. */
const keys = new WeakMap<TreeEntry, string>();

function keyOf(entry: TreeEntry): string {
  let key = keys.get(entry);
  if (key === undefined) {
    key = entry.name.toString('latin1');
    keys.set(entry, key);
  }
  return key;
}

/**
 * The modes git writes: a file, an executable, a symlink, a folder, a submodule. A tree may
 * hold others (`100664` from old tools, a zero-padded `040000`; `git fsck` only warns), and
 * git's merge writes every tree it merges with its entries' modes made canonical, so a merge
 * by entries, which copies modes as they are, would make another tree than git's.
 */
const CANONICAL_MODES = new Set([
  '100644',
  '100755',
  '120000',
  TREE_MODE,
  '160000',
]);

/** Whether every entry's mode is one git writes; kept per parsed tree. */
const canonicalTrees = new WeakMap<readonly TreeEntry[], boolean>();

export function hasCanonicalModes(entries: readonly TreeEntry[]): boolean {
  let known = canonicalTrees.get(entries);
  if (known === undefined) {
    known = entries.every((e) => CANONICAL_MODES.has(e.mode));
    canonicalTrees.set(entries, known);
  }
  return known;
}

const same = (a: TreeEntry | undefined, b: TreeEntry | undefined) =>
  a === b ||
  (a !== undefined && b !== undefined && a.mode === b.mode && a.oid === b.oid);

/**
 * The merged tree id, or undefined when some path changed on both sides in different ways,
 * or is gone from both (a content merge, renames or a conflict: git's job), or a tree it
 * would merge holds a mode git does not write (git's merge rewrites those trees, the root
 * too when one side is the result: see `CANONICAL_MODES`).
 */
export async function mergeTrees(
  store: TreeStore,
  base: string,
  ours: string,
  theirs: string,
): Promise<string | undefined> {
  const [b, o, t] = await Promise.all(
    [base, ours, theirs].map((oid) => store.readTree(oid)),
  );
  if (
    !hasCanonicalModes(b!) ||
    !hasCanonicalModes(o!) ||
    !hasCanonicalModes(t!)
  )
    return undefined;
  if (ours === theirs || base === theirs) return ours;
  if (base === ours) return theirs;
  // Trees are cached parsed, so the same entries come back pick after pick.
  const index = (entries: readonly TreeEntry[]) =>
    new Map(entries.map((e) => [keyOf(e), e]));
  const [bi, oi, ti] = [index(b!), index(o!), index(t!)];
  const merged: TreeEntry[] = [];
  for (const name of new Set([...oi.keys(), ...ti.keys(), ...bi.keys()])) {
    const [be, oe, te] = [bi.get(name), oi.get(name), ti.get(name)];
    let result: TreeEntry | undefined;
    if (same(oe, te)) {
      // Alike on both sides, but a path of the base gone from both may be one side's rename
      // and the other's delete, or a rename by each to different places: conflicts that only
      // git's rename detection sees, so git merges those.
      if (be && !same(be, oe) && (await losesPaths(store, be, oe)))
        return undefined;
      result = oe;
    } else if (same(be, te)) result = oe;
    else if (same(be, oe)) result = te;
    else if (
      oe?.mode === TREE_MODE &&
      te?.mode === TREE_MODE &&
      (!be || be.mode === TREE_MODE)
    ) {
      const sub = await mergeTrees(
        store,
        be?.oid ?? EMPTY_TREE,
        oe.oid,
        te.oid,
      );
      if (sub === undefined) return undefined;
      // A directory emptied by the merge disappears, as git leaves it.
      result = sub === EMPTY_TREE ? undefined : { ...oe, oid: sub };
    } else {
      return undefined;
    }
    if (result) merged.push(result);
  }
  return store.writeTree(merged);
}

/** Whether some path under `before` (itself included) is gone from `after`. */
async function losesPaths(
  store: TreeStore,
  before: TreeEntry,
  after: TreeEntry | undefined,
): Promise<boolean> {
  if (same(before, after)) return false;
  if (!after) return true;
  // A folder under a mode git does not write would be taken for a file: let git look.
  if (!CANONICAL_MODES.has(before.mode) || !CANONICAL_MODES.has(after.mode))
    return true;
  // A file may change; a file or a folder that becomes the other kind is gone.
  if ((before.mode === TREE_MODE) !== (after.mode === TREE_MODE)) return true;
  if (before.mode !== TREE_MODE) return false;
  const [b, a] = await Promise.all([
    store.readTree(before.oid),
    store.readTree(after.oid),
  ]);
  const now = new Map(a.map((e) => [keyOf(e), e]));
  for (const e of b) {
    const later = now.get(keyOf(e));
    if (!same(e, later) && (await losesPaths(store, e, later))) return true;
  }
  return false;
}

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * Whether `upstream` holds every change between the trees `base` and `head`: each path the
 * branch added, changed (content or mode) or removed is, in `upstream`, exactly as in
 * `head`. Nothing is merged and no rename is guessed: a renamed file is its old path gone
 * and its new path present, and both must be so upstream. This is how a branch squash-merged
 * after part of it reached trunk another way looks (no single trunk commit then carries the
 * branch's whole patch), and why a pick of the whole branch onto upstream would be empty.
 */
export async function changesContainedIn(
  store: Pick<TreeStore, 'readTree'>,
  base: string,
  head: string,
  upstream: string,
): Promise<boolean> {
  if (base === head || head === upstream) return true;
  const [b, h, u] = await Promise.all(
    [base, head, upstream].map((oid) => store.readTree(oid)),
  );
  // Trees are cached parsed, so the same entries come back pick after pick.
  const index = (entries: readonly TreeEntry[]) =>
    new Map(entries.map((e) => [keyOf(e), e]));
  const [bi, hi, ui] = [index(b!), index(h!), index(u!)];
  for (const name of new Set([...bi.keys(), ...hi.keys()])) {
    const [be, he, ue] = [bi.get(name), hi.get(name), ui.get(name)];
    if (same(be, he) || same(he, ue)) continue;
    // Both folders (or a folder the branch added or emptied): compare what is inside.
    const isTree = (e: TreeEntry | undefined) =>
      e === undefined || e.mode === TREE_MODE;
    if (!isTree(be) || !isTree(he) || !isTree(ue)) return false;
    if (
      !(await changesContainedIn(
        store,
        be?.oid ?? EMPTY_TREE,
        he?.oid ?? EMPTY_TREE,
        ue?.oid ?? EMPTY_TREE,
      ))
    )
      return false;
  }
  return true;
}
