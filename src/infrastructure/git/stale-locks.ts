import type { Dirent } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes the lock files that git processes left in the clones under `reposDir` when they
 * died holding them (killed together with the service, or the machine lost power), and
 * returns their paths. git never removes another process's lock, so one left behind fails
 * every later ref update or fetch of that clone ("Unable to create '….lock': File exists"),
 * and every job of the repo with it. A lock only guards a change not yet committed, so
 * removing it drops that change and nothing else.
 *
 * Call it only while nothing runs git in these clones: at start-up, before the job runner.
 * Looks at the clone's top level (`packed-refs.lock`, `HEAD.lock`, `config.lock`, …) and
 * under `refs/`, where the service's fetches and ref transactions lock.
 */
export async function removeStaleLocks(reposDir: string): Promise<string[]> {
  const locks: string[] = [];
  for (const clone of await entriesOf(reposDir)) {
    if (!clone.isDirectory() || !clone.name.endsWith('.git')) continue;
    locks.push(...(await removeStaleLocksOf(join(reposDir, clone.name))));
  }
  return locks;
}

/**
 * The same for one clone: call it only once every git process in it has ended (after a
 * step's killed git exited, while the repo's job lane is still held).
 */
export async function removeStaleLocksOf(gitDir: string): Promise<string[]> {
  const locks = [
    ...(await locksIn(gitDir, false)),
    ...(await locksIn(join(gitDir, 'refs'), true)),
  ];
  await Promise.all(locks.map((lock) => rm(lock, { force: true })));
  return locks;
}

async function locksIn(dir: string, deep: boolean): Promise<string[]> {
  const locks: string[] = [];
  for (const entry of await entriesOf(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (deep) locks.push(...(await locksIn(path, true)));
    } else if (entry.name.endsWith('.lock')) {
      // No ref name may end in `.lock`, so under refs/ every such file is a lock.
      locks.push(path);
    }
  }
  return locks;
}

async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
