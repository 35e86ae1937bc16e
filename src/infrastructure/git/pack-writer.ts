import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** The object types a pack stores whole, with their codes in a pack entry's header. */
const TYPE_CODES = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;

export type PackedObjectType = keyof typeof TYPE_CODES;

export interface PackObject {
  /** 40 hex digits: the SHA-1 of `<type> <size>\0<body>`, computed by the caller. */
  oid: string;
  type: PackedObjectType;
  body: Buffer;
}

/**
 * Offsets of a version 2 index are 31 bits unless a second table gives 64 (packs past 2 GiB).
 * Packs written here hold a restack's trees and commits, megabytes at most, so they stay
 * under it; a larger one is refused rather than indexed wrongly.
 */
export const MAX_PACK_BYTES = 0x7fff_ffff;

/** Largest payload of one stored (uncompressed) deflate block. */
const STORED_BLOCK = 0xffff;
/** Adler-32's modulus, and how many bytes its sums take before they must be reduced. */
const ADLER_MOD = 65_521;
const ADLER_RUN = 5_552;

/** The Adler-32 checksum a zlib stream ends with. */
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length;) {
    const end = Math.min(i + ADLER_RUN, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * `data` as a zlib stream of stored blocks, which every git inflates as any object: what zlib
 * makes at level 0, byte for byte, up to 65,531 bytes (past that zlib cuts its blocks a little
 * shorter than the format's 65,535). Made here rather than by `deflateSync` because the
 * binding's stream setup is most of the cost for the small objects a restack writes (a
 * tree-sized object: about 8 µs through zlib, 2 µs here).
 */
export function storedZlib(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK));
  const out = Buffer.allocUnsafe(2 + blocks * 5 + data.length + 4);
  // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest, header check bits).
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let k = 0; k < blocks; k++) {
    const start = k * STORED_BLOCK;
    const length = Math.min(STORED_BLOCK, data.length - start);
    out[at] = k === blocks - 1 ? 1 : 0; // BFINAL on the last; BTYPE 00 (stored)
    out.writeUInt16LE(length, at + 1);
    out.writeUInt16LE(length ^ 0xffff, at + 3);
    at += 5;
    at += data.copy(out, at, start, start + length);
  }
  out.writeUInt32BE(adler32(data), at);
  return out;
}

/** A pack entry's header: type and size, 4 bits of size first, then 7 bits a byte. */
function entryHeader(type: PackedObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_CODES[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

const uint32 = (value: number): Buffer => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(value >>> 0);
  return b;
};

/** The bytes of a version 2 pack of `objects` (each stored whole, none as a delta). */
export function packBytes(objects: readonly PackObject[]): {
  pack: Buffer;
  offsets: number[];
  crcs: number[];
} {
  const parts: Buffer[] = [
    Buffer.from('PACK'),
    uint32(2),
    uint32(objects.length),
  ];
  let at = 12;
  const offsets: number[] = [];
  const crcs: number[] = [];
  for (const object of objects) {
    const header = entryHeader(object.type, object.body.length);
    const data = storedZlib(object.body);
    offsets.push(at);
    crcs.push(crc32(data, crc32(header)));
    parts.push(header, data);
    at += header.length + data.length;
  }
  if (at + 20 > MAX_PACK_BYTES)
    throw new Error(`a pack of ${at} bytes is past what this writer indexes`);
  const body = Buffer.concat(parts, at);
  const checksum = createHash('sha1').update(body).digest();
  return { pack: Buffer.concat([body, checksum]), offsets, crcs };
}

/**
 * The version 2 index of a pack: fan-out table, sorted object names, each entry's CRC-32,
 * its offset, the pack's checksum and the index's own. What `git index-pack` writes for the
 * same pack, byte for byte.
 */
export function indexBytes(
  objects: readonly PackObject[],
  offsets: readonly number[],
  crcs: readonly number[],
  packChecksum: Buffer,
): Buffer {
  const order = objects
    .map((object, i) => ({ oid: object.oid, i }))
    .sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = order.length;
  const out = Buffer.alloc(8 + 256 * 4 + n * (20 + 4 + 4) + 40);
  out.writeUInt32BE(0xff744f63, 0); // "\377tOc"
  out.writeUInt32BE(2, 4);
  const fanout = new Array<number>(256).fill(0);
  for (const { oid } of order) {
    const first = parseInt(oid.slice(0, 2), 16);
    fanout[first] = fanout[first]! + 1;
  }
  let total = 0;
  for (let b = 0; b < 256; b++) {
    total += fanout[b]!;
    out.writeUInt32BE(total, 8 + b * 4);
  }
  const names = 8 + 256 * 4;
  const crcAt = names + n * 20;
  const offsetAt = crcAt + n * 4;
  order.forEach(({ oid, i }, k) => {
    out.write(oid, names + k * 20, 'hex');
    out.writeUInt32BE(crcs[i]!, crcAt + k * 4);
    out.writeUInt32BE(offsets[i]!, offsetAt + k * 4);
  });
  const tail = offsetAt + n * 4;
  packChecksum.copy(out, tail);
  createHash('sha1')
    .update(out.subarray(0, tail + 20))
    .digest()
    .copy(out, tail + 20);
  return out;
}

/** Writes `data` to a new read-only file at `path` and flushes it to disk. */
async function writeSynced(path: string, data: Buffer): Promise<void> {
  const file = await open(path, 'wx', 0o444);
  try {
    await file.writeFile(data);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/**
 * Writes `objects` (distinct ids, at least one) into `<objectsDir>/pack` as one pack and its
 * index, as git does after a fetch: both written under temporary names (git's `tmp_` prefix,
 * which `git prune` clears once old) and flushed to disk (git's default `core.fsync` covers
 * packs, unlike loose objects), then the pack renamed into place, then its index, since
 * readers find packs by their index: no reader ever sees a pack without its whole index.
 * The bytes are made on the event loop (a copy and a checksum per object); the file work and
 * its syncs run on the thread pool, so a slow disk does not hold the loop. Returns the
 * pack's name (`pack-<checksum>`).
 */
export async function writePack(
  objectsDir: string,
  objects: readonly PackObject[],
): Promise<string> {
  const { pack, offsets, crcs } = packBytes(objects);
  const checksum = pack.subarray(pack.length - 20);
  const dir = join(objectsDir, 'pack');
  const name = `pack-${checksum.toString('hex')}`;
  const finalPack = join(dir, `${name}.pack`);
  const finalIndex = join(dir, `${name}.idx`);
  if ((await isFile(finalPack)) && (await isFile(finalIndex))) {
    // The same pack (the name is its checksum) is there already: freshened, as git would.
    const now = new Date();
    await utimes(finalPack, now, now);
    return name;
  }
  const index = indexBytes(objects, offsets, crcs, checksum);
  const tag = randomBytes(6).toString('hex');
  const tempPack = join(dir, `tmp_pack_${tag}`);
  const tempIndex = join(dir, `tmp_idx_${tag}`);
  try {
    // Both settle before anything is removed: a temporary file is never made after its removal.
    const written = await Promise.allSettled([
      writeSynced(tempPack, pack),
      writeSynced(tempIndex, index),
    ]);
    for (const outcome of written)
      if (outcome.status === 'rejected') throw outcome.reason;
    await rename(tempPack, finalPack);
    try {
      await rename(tempIndex, finalIndex);
    } catch (error) {
      // A pack without its index is garbage that git 2.39's repack stops on.
      await rm(finalPack, { force: true });
      throw error;
    }
  } finally {
    await Promise.all([
      rm(tempPack, { force: true }),
      rm(tempIndex, { force: true }),
    ]);
  }
  return name;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Removes the packs of `<objectsDir>/pack` that have no index and were last changed more than
 * `olderThanMs` ago: what a process killed between a pack's two renames leaves (this writer's,
 * or a fetch's). git never reads such a pack, and git 2.39's `repack --cruft` stops on one
 * (`could not find pack`), which would leave the clone unpacked for good. Young ones are
 * spared: their index may be on its way. Returns the names removed.
 */
export async function removeOrphanPacks(
  objectsDir: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<string[]> {
  const dir = join(objectsDir, 'pack');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const present = new Set(names);
  const removed: string[] = [];
  for (const name of names) {
    if (!/^pack-[0-9a-f]+\.pack$/.test(name)) continue;
    if (present.has(name.replace(/\.pack$/, '.idx'))) continue;
    const path = join(dir, name);
    try {
      if (now - (await stat(path)).mtimeMs <= olderThanMs) continue;
      await rm(path, { force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile.
    }
  }
  return removed;
}
