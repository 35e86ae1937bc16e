import { isIP } from 'node:net';

/**
 * The rules one environment variable's value must meet. Each reads the raw value (unset
 * and empty both mean "use the default") and either returns what it means or records a
 * problem naming the variable, the value and what is allowed; `loadConfig` collects every
 * problem before it refuses to start, so that one run shows them all.
 */
export class EnvReader {
  readonly problems: string[] = [];
  /** Every variable asked for, set or not. */
  readonly names = new Set<string>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The raw value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    this.names.add(name);
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  /** Records that `name`'s value is not allowed; `allowed` says what would be. */
  refuse(name: string, allowed: string, value = this.raw(name)): void {
    this.problems.push(`${name}=${shown(value)} is not valid: ${allowed}`);
  }

  /** A decimal integer from `min` to `max`, or `fallback` when unset. */
  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    this.refuse(name, `expected an integer from ${min} to ${max}`);
    return fallback;
  }

  /**
   * A duration in milliseconds. Node's timers cannot wait longer than MAX_TIMER_MS: a
   * longer one fires at once, so a larger value would mean the opposite of what it says.
   */
  milliseconds(name: string, fallback: number, min = 0): number {
    return this.integer(name, fallback, min, MAX_TIMER_MS);
  }

  /**
   * A size in bytes: a whole number, or one followed by `K`, `M`, `G` or `T` (optionally
   * `KiB`, `MiB`, …), each a power of 1024; `fallback` when unset.
   */
  bytes(name: string, fallback: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const match = BYTE_SIZE.exec(raw);
    const n = match
      ? Number(match[1]) *
        1024 ** BYTE_UNITS.indexOf(match[2]!.charAt(0).toUpperCase())
      : NaN;
    if (Number.isSafeInteger(n)) return n;
    this.refuse(
      name,
      `expected a whole number of bytes, or of K, M, G or T (powers of 1024), such as 500M or 10G, at most ${Number.MAX_SAFE_INTEGER} bytes`,
    );
    return fallback;
  }

  /** One of `choices`, or `fallback` when unset. */
  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.refuse(
      name,
      choices.length === 1
        ? `expected ${choices[0]}`
        : `expected one of ${choices.join(', ')}`,
    );
    return fallback;
  }

  /** Any text without control characters, or `fallback` when unset. */
  text(name: string, fallback: string): string {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!CONTROL.test(raw)) return raw;
    this.refuse(name, 'expected text without control characters');
    return fallback;
  }
}

/** A whole number and an optional binary unit, whose place in BYTE_UNITS is its power of 1024. */
const BYTE_SIZE = /^(\d{1,16})(|[KMGT](?:iB)?)$/i;
const BYTE_UNITS = ['', 'K', 'M', 'G', 'T'];

/** The longest wait Node's timers keep (2^31 − 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The value as a one-line JSON string, cut short when long. */
function shown(value: string | undefined): string {
  if (value === undefined) return '""';
  const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(cut);
}

/** An IP address (v4 or v6, without brackets) or a host name made of DNS labels. */
export function isHostForm(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return (
    host.length <= 253 &&
    host
      .split('.')
      .every((label) =>
        /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label),
      )
  );
}

/**
 * Whether listening on `host` keeps the service on this machine: `localhost`, an address
 * of 127.0.0.0/8, `::1`, or 127.x mapped into IPv6. Anything else (`0.0.0.0`, `::`, a
 * network address, another name) may be reachable from elsewhere.
 */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) !== 6) return false;
  // The URL parser writes an IPv6 address one way: `[::1]`, `[::ffff:7f00:1]` for 127.0.0.1.
  let normal: string;
  try {
    normal = new URL(`http://[${host}]`).hostname;
  } catch {
    return false; // a zone id (`fe80::1%eth0`) names an interface, never loopback
  }
  return normal === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:/.test(normal);
}
