import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One process as /proc/<pid>/stat tells it. */
interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

function statOf(pid: string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // ended meanwhile
  }
  // `pid (comm) state ppid ...`; comm may itself hold spaces and parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return {
    pid: Number(pid),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    // Fields 14 and 15 of stat; `rest` starts at field 3.
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  };
}

/** The processes below `root` (children, grandchildren, ...), from one pass over /proc. */
export function descendantsOf(root: number): ProcStat[] {
  const all: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(entry);
    if (stat) all.push(stat);
  }
  const below = new Set<number>([root]);
  const found: ProcStat[] = [];
  // Parents are not always listed before their children (pids wrap): repeat to a fixpoint.
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (below.has(p.pid) || !below.has(p.ppid)) continue;
      below.add(p.pid);
      found.push(p);
      grew = true;
    }
  }
  return found;
}

/** What the soak samples of the service process, every couple of seconds. */
export interface ProcSample {
  /** Resident set size (VmRSS), in bytes. */
  rssBytes: number;
  /** Of it, anonymous memory (RssAnon: heaps, malloc, SQLite's page cache), in bytes. */
  rssAnonBytes: number;
  /** Of it, file-backed pages (RssFile: code, mapped files), in bytes. */
  rssFileBytes: number;
  /** Entries of /proc/<pid>/fd. */
  fds: number;
  /** Git processes below the service (direct children and what they started). */
  gitProcesses: number;
  /** Of those, the ones directly under the service (its ppid). */
  gitChildren: number;
  /** Processes below the service that ended and were never reaped. */
  zombies: number;
  /** CPU time the service process used so far (user + system), in seconds. */
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export function sampleProcess(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const found = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return found ? Number(found[1]) * 1024 : NaN;
  };
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const self = statOf(String(pid));
  const below = descendantsOf(pid);
  const gits = below.filter((p) => p.comm.startsWith('git'));
  return {
    rssBytes: kib('VmRSS'),
    rssAnonBytes: kib('RssAnon'),
    rssFileBytes: kib('RssFile'),
    fds,
    gitProcesses: gits.length,
    gitChildren: gits.filter((p) => p.ppid === pid).length,
    zombies: below.filter((p) => p.state === 'Z').length,
    cpuSeconds: (self?.cpuTicks ?? NaN) / TICKS_PER_SECOND,
  };
}

/**
 * The values of the named series in Prometheus text (unlabelled samples only), by name;
 * names the text lacks are absent.
 */
export function promValues(
  text: string,
  names: readonly string[],
): Record<string, number> {
  // A labelled metric (`nodejs_active_handles{type="Socket"} 3`) counts as the sum of its series.
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    const series = line.slice(0, space);
    const name = series.split('{')[0]!;
    if (names.includes(name))
      found[name] = (found[name] ?? 0) + Number(line.slice(space + 1));
  }
  return found;
}

/** Bytes of the files directly in `dir` whose names start with `prefix` (a file and its WAL). */
export function filesBytes(dir: string, prefix: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    try {
      total += statSync(join(dir, name)).size;
    } catch {
      // removed meanwhile (a WAL checkpointed away)
    }
  }
  return total;
}
