/** A least-squares line through (t, v). */
export interface Fit {
  /** Change of v per unit of t. */
  slope: number;
  intercept: number;
  /** Share of v's variance the line explains (0 when v does not vary). */
  r2: number;
}

export function leastSquares(t: readonly number[], v: readonly number[]): Fit {
  const n = t.length;
  if (n < 2 || n !== v.length) return { slope: 0, intercept: v[0] ?? 0, r2: 0 };
  const mt = mean(t);
  const mv = mean(v);
  let stt = 0;
  let stv = 0;
  let svv = 0;
  for (let i = 0; i < n; i++) {
    const dt = t[i]! - mt;
    const dv = v[i]! - mv;
    stt += dt * dt;
    stv += dt * dv;
    svv += dv * dv;
  }
  const slope = stt === 0 ? 0 : stv / stt;
  return {
    slope,
    intercept: mv - slope * mt,
    r2: stt === 0 || svv === 0 ? 0 : (stv * stv) / (stt * svv),
  };
}

export function mean(v: readonly number[]): number {
  return v.length === 0 ? NaN : v.reduce((a, b) => a + b, 0) / v.length;
}

/** How one gauge went over the measured window, and whether that is a trend. */
export interface Trend {
  name: string;
  unit: string;
  samples: number;
  /** Minutes between the first and the last sample of the window. */
  windowMinutes: number;
  first: number;
  last: number;
  min: number;
  max: number;
  mean: number;
  /** Least-squares slope through every sample of the window, per minute. */
  slopePerMinute: number;
  r2: number;
  /** The blocks' floors (minimum of each block of samples) the judged line goes through. */
  floors: number;
  /** Least-squares slope through the floors, per minute. */
  floorSlopePerMinute: number;
  /** floor slope × window: what the gauge's floor gained over the window. */
  growth: number;
  /** The growth at or above which the gauge counts as growing. */
  limit: number;
  rule: string;
  /** Null when the window is too short to judge. */
  flat: boolean | null;
}

/**
 * Fits lines to the window's samples (t in minutes): one through every sample (reported),
 * and one through the floor of each block of `block` consecutive samples (judged). Transient
 * allocations between two collections, open streams and the pipes of running git processes
 * come and go; what leaks stays, and lifts the floors as well. The gauge is flat when the
 * floors' line gains less than `limit` over the window (a negative growth is flat); with
 * fewer than 4 floors or a window under `minMinutes` it is not judged.
 */
export function trendOf(
  name: string,
  unit: string,
  t: readonly number[],
  v: readonly number[],
  options: {
    limit: (meanValue: number) => number;
    rule: string;
    block: number;
    minMinutes: number;
  },
): Trend {
  const fit = leastSquares(t, v);
  const windowMinutes = t.length > 1 ? t[t.length - 1]! - t[0]! : 0;
  const ft: number[] = [];
  const fv: number[] = [];
  for (let i = 0; i + options.block <= v.length; i += options.block) {
    const values = v.slice(i, i + options.block);
    const at = values.indexOf(Math.min(...values));
    ft.push(t[i + at]!);
    fv.push(values[at]!);
  }
  const floor = leastSquares(ft, fv);
  const m = mean(v);
  const growth = floor.slope * windowMinutes;
  const max = options.limit(m);
  const judged = fv.length >= 4 && windowMinutes >= options.minMinutes;
  return {
    name,
    unit,
    samples: v.length,
    windowMinutes,
    first: v[0] ?? NaN,
    last: v[v.length - 1] ?? NaN,
    min: Math.min(...v),
    max: Math.max(...v),
    mean: m,
    slopePerMinute: fit.slope,
    r2: fit.r2,
    floors: fv.length,
    floorSlopePerMinute: floor.slope,
    growth,
    limit: max,
    rule: options.rule,
    flat: judged ? growth < max : null,
  };
}

/**
 * A deterministic PRNG (mulberry32): a seed fixes the draws, and so the mix of requests; the
 * order in which concurrent loops take them follows timing.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
