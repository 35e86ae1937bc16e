import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** `comm` and CPU times of /proc/<pid>/stat, or null once the process is gone. */
function statOf(
  pid: number | string,
): { comm: string; own: number; children: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // `pid (comm) state ...`; comm may itself hold spaces and parentheses.
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  // Fields 14–17 (utime, stime, cutime, cstime); `rest` starts at field 3.
  return {
    comm: text.slice(text.indexOf('(') + 1, close),
    own: (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND,
    children: (Number(rest[13]) + Number(rest[14])) / TICKS_PER_SECOND,
  };
}

/**
 * CPU seconds a process used so far, with those of the children it waited for (the git
 * processes a service ran and reaped).
 */
export function cpuSecondsOf(pid: number): number {
  const stat = statOf(pid);
  return stat ? stat.own + stat.children : NaN;
}

/**
 * CPU seconds of every `postgres` process on this machine (the server's backends, and the
 * ended ones reaped by the postmaster): the database's share of the work, along with any
 * other client's of the same server.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(entry);
    if (stat?.comm === 'postgres') total += stat.own + stat.children;
  }
  return total;
}
