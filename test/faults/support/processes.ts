import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Live processes whose working directory or command line points into `dir`, as
 * `<pid> <command line>`: the service runs in the test's folder, so its git processes (and
 * the fault wrapper) work there, and name the clone or the origin in their arguments. Reads
 * /proc (Linux).
 */
export function processesIn(
  dir: string,
  except: readonly number[] = [],
): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (except.includes(Number(entry))) continue;
    let cmdline: string;
    let cwd = '';
    try {
      cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8')
        .replace(/\0/g, ' ')
        .trim();
    } catch {
      continue; // gone meanwhile
    }
    try {
      cwd = readlinkSync(join('/proc', entry, 'cwd'));
    } catch {
      // a zombie, or not ours to look at: its command line still tells
    }
    if (cmdline.includes(dir) || cwd === dir || cwd.startsWith(`${dir}/`))
      found.push(`${entry} ${cmdline}`);
  }
  return found;
}

/**
 * Waits until no process works in `dir` (but those in `except`, a service still running
 * there), and returns those still there at the deadline. git processes the killed service
 * left behind finish on their own, and a process ending sends no event this test could
 * await, so this polls /proc (every 50 ms, within `deadlineMs`).
 */
export async function settledProcessesIn(
  dir: string,
  deadlineMs = 15_000,
  except: readonly number[] = [],
): Promise<string[]> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const left = processesIn(dir, except);
    if (left.length === 0 || Date.now() >= end) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until a process working in `dir` has a command line that matches `pattern`, and
 * returns it as `processesIn` does. A child process starting sends no event this test could
 * await either, so this polls /proc too (every 50 ms, failing at `deadlineMs`).
 */
export async function awaitProcessIn(
  dir: string,
  pattern: RegExp,
  deadlineMs = 15_000,
): Promise<string> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const found = processesIn(dir).find((p) => pattern.test(p));
    if (found) return found;
    if (Date.now() >= end)
      throw new Error(`no process matching ${String(pattern)} in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
