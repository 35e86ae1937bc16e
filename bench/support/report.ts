import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** One measured figure beside its reference from the same run. */
export interface BenchRow {
  metric: string;
  unit: string;
  ours: number;
  reference: number | null;
  referenceName: string;
  /** ours over reference, oriented so that > 1 means we are better; null without a reference. */
  ratio: number | null;
  higherIsBetter: boolean;
}

export function row(
  metric: string,
  unit: string,
  ours: number,
  reference: number | null,
  referenceName: string,
  higherIsBetter = true,
): BenchRow {
  const ratio =
    reference === null || reference === 0 || ours === 0
      ? null
      : higherIsBetter
        ? ours / reference
        : reference / ours;
  return {
    metric,
    unit,
    ours,
    reference,
    referenceName,
    ratio,
    higherIsBetter,
  };
}

export function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Whole numbers from 100 up, two decimals from 1, three below (CPU per request in ms). */
const fmt = (n: number | null): string =>
  n === null
    ? '-'
    : n >= 100
      ? Math.round(n).toLocaleString('en-US')
      : n.toFixed(Math.abs(n) >= 1 || n === 0 ? 2 : 3);

export function printTable(title: string, rows: readonly BenchRow[]): void {
  printColumns(
    title,
    ['metric', 'unit', 'ours', 'reference', 'ratio', 'reference is'],
    rows.map((r) => [
      r.metric,
      r.unit,
      fmt(r.ours),
      fmt(r.reference),
      formatRatio(r.ratio),
      r.referenceName,
    ]),
  );
}

export const formatRatio = (ratio: number | null): string =>
  ratio === null ? '-' : `${ratio.toFixed(2)}x`;

/** Prints a title, then the header and lines in columns as wide as their widest cell. */
export function printColumns(
  title: string,
  header: readonly string[],
  lines: readonly string[][],
): void {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => l[i]!.length)),
  );
  const show = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(
    `\n${title}\n${show(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`,
  );
  for (const l of lines) process.stdout.write(`${show(l)}\n`);
}

/**
 * Writes bench/results/<name>.json as `{ name, machine, rows: [{ metric, unit, ours,
 * reference, referenceName, ratio, higherIsBetter }] }`.
 */
export function writeResult(
  name: string,
  rows: readonly BenchRow[],
  extra: object = {},
): string {
  const dir = join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ name, machine: machine(), at: new Date().toISOString(), rows, ...extra }, null, 2)}\n`,
  );
  return file;
}

/** Seconds taken by `work`. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
