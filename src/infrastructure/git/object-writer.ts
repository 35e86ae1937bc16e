import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import type { GitRunner } from './git-runner';
import { storedZlib, writePack } from './pack-writer';

export interface NewCommit {
  tree: string;
  parents: readonly string[];
  /** `Name <email> <unix seconds> <+hhmm>` */
  author: string;
  committer: string;
  message: string;
}

/** The text of a commit object. */
export function formatCommit(commit: NewCommit): string {
  const lines = [
    `tree ${commit.tree}`,
    ...commit.parents.map((p) => `parent ${p}`),
  ];
  lines.push(
    `author ${commit.author}`,
    `committer ${commit.committer}`,
    '',
    '',
  );
  return lines.join('\n') + commit.message;
}

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/**
 * How objects are compressed, as git's `core.looseCompression` names its levels. An object
 * compressed on the event loop (see {@link ASYNC_DEFLATE_BYTES}), loose or in a pack, is
 * stored uncompressed (level 0): a zlib stream of stored blocks (`storedZlib`), which every
 * git reads as it reads any object. Through Node's zlib a small object costs about 38 µs at
 * level 1, most of it setting up a new stream, and 6 µs at level 0 (450 tree-sized objects, a
 * restack's worth: 17 ms against 2.6 ms); made in place, about 2 µs. A restack's new trees and
 * commits are hundreds of small objects. They take more room (a tree about 1.4× what level 1
 * makes of it) until the clone cache repacks the clone: loose objects are compressed anew
 * then, and so is every object of a pack that git stores as a delta (a restack's trees are
 * near copies of each other); one it copies from a pack whole keeps its stored blocks.
 * Larger loose objects, compressed on the thread pool, keep git's default level, 1; a pack
 * stores all of its objects so (it is made at once, on the event loop).
 */
const LOOSE_COMPRESSION_OFF_LOOP = 1;

/**
 * Objects at least this large are compressed on the thread pool instead of the event loop.
 * Below it the hop there and back costs more than the work (a commit or a tree of a few
 * hundred entries compresses in tens of microseconds); a tree of thousands of entries takes
 * milliseconds, which requests should not wait behind.
 */
export const ASYNC_DEFLATE_BYTES = 64 * 1024;

const deflateAsync = promisify(deflate);

/** Temporary files get git's prefix: `git prune` removes those a killed process left. */
const TEMP_PREFIX = 'tmp_obj_';

const errorCode = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException).code;

/**
 * Below this many objects a flush writes loose files; from it on, one pack. git draws the same
 * line when it receives objects (`fetch.unpackLimit`, 100): a pack costs two files, two syncs
 * and an index however few objects it holds, and packs that pile up slow every lookup until
 * the clone is repacked, so a handful of objects go loose.
 */
export const PACK_MIN_OBJECTS = 100;

/**
 * Held objects past this many bytes are flushed at once, whatever the hold: a held batch
 * stays a few megabytes of memory, and the pack's bytes (made on the event loop, about 17 ms
 * a MiB) hold the loop for tens of milliseconds at most. A 200-branch restack of the bench
 * holds about 2.5 MB.
 */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

/** Ids of objects it packed that a writer remembers (about 100 bytes each). */
const MAX_PACKED_IDS = 65_536;

interface HeldObject {
  oid: string;
  type: ObjectType;
  body: Buffer;
}

/**
 * Writes objects into a repository's object database as git writes them, in this process: the
 * id is the SHA-1 of `<type> <size>\0<content>`.
 *
 * **Loose**, by default: the file `objects/<2 hex>/<38 hex>` holds that, zlib-compressed. An
 * object already there as a loose file is only freshened (its time set to now, so that a
 * `git gc` does not prune it as old garbage before a ref points to it); one in a pack is
 * written again as a loose file, which git allows. A new object is written to a temporary
 * file in its fan-out folder, read only, and hard-linked under its final name (renamed where
 * the file system has no hard links): no reader ever sees a partial file under that name, and
 * a writer that finds it taken by an identical object written meanwhile (by git, or another
 * writer) is done. As git does by default (`core.fsync`), it does not flush loose objects to
 * disk. The file work is synchronous: a few system calls, tens of microseconds for a commit or
 * a small tree.
 *
 * **Held, then packed**, between `hold()` and `release()`: new objects stay in memory
 * (`held(oid)` gives them to the repository's readers, since git cannot see them yet) and
 * `flush()`, or `release(true)`, writes them out together: as one pack with its index from
 * {@link PACK_MIN_OBJECTS} on (see `writePack`), else as loose files. A restack holds its
 * objects so: hundreds of new trees and commits cost two files instead of one each, and a new
 * clone's 256 fan-out folders are not made one by one. Whoever hands an object's id to git
 * (a merge, a ref update) must flush it first (`flush(roots)` writes what git reads for
 * them); `release(false)` drops what is held, for work that failed and whose objects nothing
 * will name. One hold is open at a time, and while it is, every write of this writer is
 * held; a write of an object a flush is writing waits for that flush.
 *
 * The repository must store SHA-1 objects (what `git init` makes, and the tree code of this
 * engine reads): a repository whose `extensions.objectFormat` names another hash, or that
 * keeps a second object format beside its own, is refused before anything is written.
 *
 * The objects' format is the caller's: trees come from `serializeTree`, commits from
 * `formatCommit`.
 */
export class ObjectWriter {
  private readonly objectsDir: string;
  /** Set once the repository is known to store SHA-1 objects only. */
  private sha1Checked = false;
  private checking: Promise<void> | undefined;
  private readonly tempPrefix = `${TEMP_PREFIX}${randomBytes(4).toString('hex')}_`;
  private counter = 0;
  /** Settles when the hold open now ends; undefined while none is open. */
  private holding: Promise<void> | undefined;
  private endHold: (() => void) | undefined;
  private readonly heldObjects = new Map<string, HeldObject>();
  /** Held objects a flush is writing now, and that flush: a write of one waits for it. */
  private readonly writing = new Map<string, Promise<void>>();
  /**
   * Objects this writer packed, and in which pack: git finds them there, so writing one
   * again is a look here and the pack's time freshened (git's `freshen_packed_object`), not
   * a copy in a new pack. Bounded, oldest first out; one that is not here is written again,
   * which git allows.
   */
  private readonly packed = new Map<string, string>();
  /** Packs of `packed` freshened during the hold open now: once a hold is enough. */
  private readonly freshened = new Set<string>();
  private heldBytes = 0;

  constructor(
    private readonly runner: GitRunner,
    private readonly gitDir: string,
    private readonly options: { packMinObjects?: number } = {},
  ) {
    this.objectsDir = join(gitDir, 'objects');
  }

  /**
   * Writes the object (unless it is there already), or holds it while a hold is open, and
   * resolves with its id.
   */
  async write(type: ObjectType, content: string | Buffer): Promise<string> {
    if (!this.sha1Checked)
      await (this.checking ??= this.checkFormat().finally(() => {
        this.checking = undefined;
      }));
    const body =
      typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const header = Buffer.from(`${type} ${body.length}\0`, 'latin1');
    const oid = createHash('sha1').update(header).update(body).digest('hex');
    // Being written: its id is given once it is there (a failed write drops it: held anew).
    const inFlight = this.writing.get(oid);
    if (inFlight) await inFlight.catch(() => undefined);
    if (this.heldObjects.has(oid)) return oid;
    // What this writer packed is known in memory; a loose file costs a look on disk.
    if (this.freshenPacked(oid) || freshen(this.loosePath(oid))) return oid;
    if (this.holding) {
      this.heldObjects.set(oid, { oid, type, body });
      this.heldBytes += body.length;
      if (this.heldBytes >= MAX_HELD_BYTES) await this.flush();
      return oid;
    }
    await this.writeLoose({ oid, type, body }, header);
    return oid;
  }

  /**
   * From now until `release`, new objects are held in memory. One hold at a time: a second
   * waits until the first is released (the work of a step given up on may still be running
   * when its repo's next job starts, and each must write, or drop, its own objects).
   */
  async hold(): Promise<void> {
    while (this.holding) await this.holding;
    this.holding = new Promise<void>((resolve) => (this.endHold = resolve));
  }

  /**
   * Ends the hold: writes what is held (`flush`) when `keep` is true, and resolves once it is
   * in the repository; drops it when false.
   */
  async release(keep: boolean): Promise<void> {
    if (!this.holding) throw new Error('release without a hold');
    try {
      if (keep) await this.flush();
      else this.drop();
    } finally {
      const end = this.endHold!;
      this.holding = this.endHold = undefined;
      this.freshened.clear();
      end();
    }
  }

  /** A held object's content (not yet in the repository), or undefined. */
  held(oid: string): Buffer | undefined {
    return this.heldObjects.get(oid)?.body;
  }

  /**
   * Writes held objects into the repository: all of them, or with `roots` only those git
   * needs to read the roots (them and, through commits' trees and parents and trees'
   * entries, every held object they name), the rest staying held. One pack from
   * {@link PACK_MIN_OBJECTS} on, else loose files. They stay readable through `held` until
   * they are written; if the writing fails they are dropped (nothing can have named them to
   * git yet) and the error is thrown.
   */
  async flush(roots?: readonly string[]): Promise<void> {
    if (this.heldObjects.size === 0) return;
    const objects = roots
      ? this.heldClosure(roots)
      : [...this.heldObjects.values()];
    // Those another flush is writing are its to write; this one waits for it too.
    const others = new Set<Promise<void>>();
    const mine: HeldObject[] = [];
    for (const object of objects) {
      const inFlight = this.writing.get(object.oid);
      if (inFlight) others.add(inFlight);
      else mine.push(object);
    }
    const done = mine.length > 0 ? this.writeOut(mine) : Promise.resolve();
    for (const { oid } of mine) this.writing.set(oid, done);
    try {
      await done;
      await Promise.all(others);
    } finally {
      for (const { oid, body } of mine) {
        this.writing.delete(oid);
        if (this.heldObjects.delete(oid)) this.heldBytes -= body.length;
      }
    }
  }

  /** Writes `objects`: one pack from {@link PACK_MIN_OBJECTS} on, else loose files. */
  private async writeOut(objects: readonly HeldObject[]): Promise<void> {
    if (objects.length >= (this.options.packMinObjects ?? PACK_MIN_OBJECTS)) {
      this.remember(await writePack(this.objectsDir, objects), objects);
      return;
    }
    for (const object of objects) await this.writeLoose(object);
  }

  /** The held objects among `roots` and those they name, directly or not. */
  private heldClosure(roots: readonly string[]): HeldObject[] {
    const found: HeldObject[] = [];
    const seen = new Set<string>();
    const next = [...roots];
    for (let oid = next.pop(); oid !== undefined; oid = next.pop()) {
      if (seen.has(oid)) continue;
      seen.add(oid);
      const object = this.heldObjects.get(oid);
      if (!object) continue;
      found.push(object);
      for (const named of namedBy(object))
        if (this.heldObjects.has(named)) next.push(named);
    }
    return found;
  }

  /** Notes the objects of a pack just written (see `packed`). */
  private remember(pack: string, objects: readonly HeldObject[]): void {
    const path = join(this.objectsDir, 'pack', `${pack}.pack`);
    for (const { oid } of objects) {
      this.packed.delete(oid);
      this.packed.set(oid, path);
    }
    for (const oid of this.packed.keys()) {
      if (this.packed.size <= MAX_PACKED_IDS) break;
      this.packed.delete(oid);
    }
    if (this.holding) this.freshened.add(path);
  }

  /**
   * Whether `oid` is in a pack this writer wrote that is still there; if so that pack's time
   * is set to now, as git does for an object it finds packed. A pack a repack has since
   * replaced is forgotten. Checked (and freshened) once a hold: a repack within one moves the
   * pack's objects into its own packs, where git finds them, young ones into the cruft pack.
   */
  private freshenPacked(oid: string): boolean {
    const path = this.packed.get(oid);
    if (path === undefined) return false;
    if (this.freshened.has(path)) return true;
    try {
      const now = new Date();
      utimesSync(path, now, now);
      if (this.holding) this.freshened.add(path);
      return true;
    } catch {
      for (const [id, at] of this.packed)
        if (at === path) this.packed.delete(id);
      return false;
    }
  }

  private drop(): void {
    this.heldObjects.clear();
    this.heldBytes = 0;
  }

  /** The object as one loose file, compressed (its header made unless given). */
  private async writeLoose(
    { oid, type, body }: HeldObject,
    header = Buffer.from(`${type} ${body.length}\0`, 'latin1'),
  ): Promise<void> {
    const raw = Buffer.concat([header, body]);
    const compressed =
      raw.length < ASYNC_DEFLATE_BYTES
        ? storedZlib(raw)
        : await deflateAsync(raw, { level: LOOSE_COMPRESSION_OFF_LOOP });
    this.place(
      join(this.objectsDir, oid.slice(0, 2)),
      this.loosePath(oid),
      compressed,
    );
  }

  /** Where the object `oid` lives as a loose file. */
  private loosePath(oid: string): string {
    return join(this.objectsDir, oid.slice(0, 2), oid.slice(2));
  }

  /** Writes `data` under `path` through a temporary file in `dir`; an existing file stays. */
  private place(dir: string, path: string, data: Buffer): void {
    const temp = this.writeTemp(dir, data);
    try {
      linkSync(temp, path);
    } catch (error) {
      // EEXIST: taken already, by the same bytes since the name is their hash.
      if (errorCode(error) !== 'EEXIST') {
        // A file system without hard links: a rename is atomic too.
        try {
          renameSync(temp, path);
          return;
        } catch (renameError) {
          rmSync(temp, { force: true });
          throw renameError;
        }
      }
    }
    unlinkSync(temp);
  }

  /** A new read-only file in `dir` (made if missing) holding `data`; returns its path. */
  private writeTemp(dir: string, data: Buffer): string {
    for (;;) {
      const temp = join(dir, `${this.tempPrefix}${this.counter++}`);
      try {
        writeFileSync(temp, data, { flag: 'wx', mode: 0o444 });
        return temp;
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT') mkdirSync(dir, { recursive: true });
        else if (code !== 'EEXIST') throw error;
      }
    }
  }

  /**
   * Whether the repository stores SHA-1 objects only. git reads a repository's format from
   * its own config file, so one that never names `objectformat` (the key of both
   * `extensions.objectFormat` and `extensions.compatObjectFormat`) is SHA-1; one that does is
   * asked of git. A failed check is tried again at the next write.
   */
  private async checkFormat(): Promise<void> {
    let config: string | undefined;
    try {
      config = readFileSync(join(this.gitDir, 'config'), 'utf8');
    } catch {
      // git says what is wrong with the repository.
    }
    if (config === undefined || /objectformat/i.test(config)) {
      const { stdout } = await this.runner.run(
        [
          'config',
          '--local',
          '--no-includes',
          '--get-regexp',
          '^extensions\\.(compat)?objectformat$',
        ],
        { gitDir: this.gitDir, okCodes: [1] },
      );
      const formats = new Map(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const space = line.indexOf(' ');
            return [line.slice(0, space), line.slice(space + 1)] as const;
          }),
      );
      const format = formats.get('extensions.objectformat') ?? 'sha1';
      const compat = formats.get('extensions.compatobjectformat');
      if (format !== 'sha1' || compat !== undefined)
        throw new Error(
          `the repository ${this.gitDir} stores ${format} objects${compat === undefined ? '' : ` beside ${compat}`}: only sha1 repositories are supported`,
        );
    }
    this.sha1Checked = true;
  }
}

/** The ids an object names: a commit's tree and parents, a tree's entries, a tag's object. */
function namedBy({ type, body }: HeldObject): string[] {
  if (type === 'blob') return [];
  if (type === 'tree') {
    const ids: string[] = [];
    for (let at = 0; at < body.length;) {
      const nul = body.indexOf(0, at);
      if (nul < 0) break;
      ids.push(body.toString('hex', nul + 1, nul + 21));
      at = nul + 21;
    }
    return ids;
  }
  const text = body.toString('latin1');
  const end = text.indexOf('\n\n');
  return (end < 0 ? text : text.slice(0, end))
    .split('\n')
    .flatMap(
      (line) => /^(?:tree|parent|object) ([0-9a-f]{40})$/.exec(line)?.[1] ?? [],
    );
}

/** Sets a loose object's times to now, as git does before it would write it again. */
function freshen(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    const now = new Date();
    utimesSync(path, now, now);
    return true;
  } catch {
    // Not ours to touch: written anew, which leaves the file as it is (see `place`).
    return false;
  }
}
