import { type BenchRow, formatRatio, printColumns, row } from './report';

/** A figure beside its same-run reference or its target, and whether it meets the target. */
export interface ScaleRow extends BenchRow {
  /** Whether the figure meets its target; null for a row without one. */
  pass: boolean | null;
}

/** A figure against a reference from the same run: no target, ratio only. */
export function compared(
  metric: string,
  unit: string,
  ours: number,
  reference: number | null,
  referenceName: string,
  higherIsBetter = true,
): ScaleRow {
  return {
    ...row(metric, unit, ours, reference, referenceName, higherIsBetter),
    pass: null,
  };
}

/** A figure against a target; `pass` says whether it meets it (at most or at least). */
export function targeted(
  metric: string,
  unit: string,
  ours: number,
  target: number,
  targetName: string,
  higherIsBetter: boolean,
  pass = higherIsBetter ? ours >= target : ours <= target,
): ScaleRow {
  return {
    ...row(metric, unit, ours, target, targetName, higherIsBetter),
    pass,
  };
}

const fmt = (n: number | null, unit: string): string => {
  if (n === null || Number.isNaN(n)) return '-';
  if (unit === 's') return n.toFixed(2);
  return Math.abs(n) >= 100
    ? Math.round(n).toLocaleString('en-US')
    : Number.isInteger(n)
      ? String(n)
      : n.toFixed(2);
};

/** Prints the rows as the other benches do, with a pass column for the rows with a target. */
export function printScaleTable(
  title: string,
  rows: readonly ScaleRow[],
): void {
  printColumns(
    title,
    ['metric', 'unit', 'ours', 'reference', 'ratio', 'reference is', 'pass'],
    rows.map((r) => [
      r.metric,
      r.unit,
      fmt(r.ours, r.unit),
      fmt(r.reference, r.unit),
      formatRatio(r.ratio),
      r.referenceName,
      r.pass === null ? '' : r.pass ? 'yes' : 'NO',
    ]),
  );
}
