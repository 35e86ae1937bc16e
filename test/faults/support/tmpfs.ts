import { execFileSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * A small tmpfs mounted over a folder, holding what the folder held: a disk that can be
 * filled to the last byte and emptied again. Needs the right to mount (root, or
 * CAP_SYS_ADMIN in a container); without it `mountOver` throws, and the test fails saying so.
 */
export class Tmpfs {
  private mounted = true;

  private constructor(readonly dir: string) {}

  static mountOver(dir: string, size: string): Tmpfs {
    const aside = `${dir}.before-tmpfs`;
    renameSync(dir, aside);
    mkdirSync(dir);
    try {
      execFileSync(
        'mount',
        ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(aside, dir);
      throw new Error(
        `cannot mount a tmpfs over ${dir}; the full-disk test needs the right to mount (root, or CAP_SYS_ADMIN): ${String(error)}`,
      );
    }
    const tmpfs = new Tmpfs(dir);
    try {
      cpSync(aside, dir, { recursive: true });
      rmSync(aside, { recursive: true, force: true });
    } catch (error) {
      tmpfs.unmount();
      throw error;
    }
    return tmpfs;
  }

  /**
   * Writes a file until the file system has no byte left (`ENOSPC`); returns its path.
   * Deleting it gives the space back.
   */
  fill(): string {
    const file = join(this.dir, 'filler');
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
    return file;
  }

  /**
   * Unmounts, dropping whatever the tmpfs holds; once it has, again does nothing. A
   * process that still works in it (a git the killed service left) would make the unmount
   * busy: it is then detached at once and freed when that process ends.
   */
  unmount(): void {
    if (!this.mounted) return;
    try {
      execFileSync('umount', [this.dir], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['--lazy', this.dir], { stdio: 'ignore' });
    }
    this.mounted = false;
  }
}
