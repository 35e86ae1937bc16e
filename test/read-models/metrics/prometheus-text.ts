/**
 * A small reader of the Prometheus text exposition format, and the naming conventions of
 * https://prometheus.io/docs/practices/naming/ that `promtool check metrics` enforces,
 * checked here without promtool: a test that needs them fails on its own when promtool is
 * not installed, instead of passing for want of a checker.
 */

export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: the family's, or the family's with `_bucket`, `_sum`, `_count`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string | undefined;
  type: MetricType | undefined;
  samples: Sample[];
}

const TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
]);

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(\\{(.*)\\})?\\s+(\\S+)(\\s+-?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

/** The families of a scrape, in order; throws on a line it cannot read. */
export function parseExposition(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) {
      found = { name, help: undefined, type: undefined, samples: [] };
      families.set(name, found);
    }
    return found;
  };
  /** The family a sample belongs to: a histogram's or summary's series carry suffixes. */
  const owner = (sample: string): MetricFamily => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = sample.slice(0, -suffix.length);
      const declared = families.get(base);
      if (
        sample.endsWith(suffix) &&
        declared &&
        (declared.type === 'histogram' ||
          (declared.type === 'summary' && suffix !== '_bucket'))
      )
        return declared;
    }
    return family(sample);
  };
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest = ''] = meta;
      const f = family(name!);
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new Error(`second HELP at ${where}`);
        f.help = rest;
      } else {
        if (f.type !== undefined) throw new Error(`second TYPE at ${where}`);
        if (!TYPES.has(rest)) throw new Error(`unknown type at ${where}`);
        if (f.samples.length > 0)
          throw new Error(`TYPE after samples at ${where}`);
        f.type = rest as MetricType;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`unreadable sample at ${where}`);
    const [, name, , labelText = '', value] = sample;
    owner(name!).samples.push({
      name: name!,
      labels: parseLabels(labelText, where),
      value: parseValue(value!, where),
    });
  }
  return [...families.values()];
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`unreadable labels at ${where}`);
    const [, name, raw] = match;
    if (name! in labels) throw new Error(`label ${name} twice at ${where}`);
    labels[name!] = raw!.replace(/\\(.)/g, (_, c: string) =>
      c === 'n' ? '\n' : c,
    );
  }
  return labels;
}

/** A float as Prometheus reads it (Go's ParseFloat: `NaN`, `+Inf` in any case). */
function parseValue(text: string, where: string): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`unreadable value at ${where}`);
  return value;
}

/** Units that are not base units, by the base unit to use instead. */
const NON_BASE_UNITS: Record<string, string> = {
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  bits: 'bytes',
  percent: 'ratio',
};
const BASE_UNITS = ['seconds', 'bytes', 'meters', 'grams', 'joules', 'volts'];
const UNIT_PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'kilo',
  'kibi',
  'mega',
  'mebi',
  'giga',
  'gibi',
  'tera',
  'tebi',
];
/** Abbreviations a name should spell out (`_ms` is `_seconds`, `_kb` is `_bytes`). */
const ABBREVIATED_UNITS = new Set(
  's ms us ns sec b kb mb gb tb pb m h d'.split(' '),
);
const CAMEL = /[a-z][A-Z]/;

/**
 * What breaks the conventions in a scrape, one line per problem (`name: what`); empty
 * when it keeps them all.
 */
export function conventionProblems(families: MetricFamily[]): string[] {
  const problems: string[] = [];
  for (const f of families) {
    const problem = (what: string) => problems.push(`${f.name}: ${what}`);
    if (f.help === undefined || f.help.trim() === '') problem('no HELP text');
    if (f.type === undefined) problem('no TYPE');
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(f.name))
      problem(
        'name outside [a-zA-Z_][a-zA-Z0-9_]* (colons are for recording rules)',
      );
    if (CAMEL.test(f.name)) problem('name in camelCase, not snake_case');
    const words = f.name.toLowerCase().split('_');
    if (f.type === 'counter' && !f.name.endsWith('_total'))
      problem('counter without the _total suffix');
    if (f.type !== 'counter' && f.name.endsWith('_total'))
      problem(`${f.type ?? 'untyped'} with a counter's _total suffix`);
    for (const type of ['counter', 'gauge', 'histogram', 'summary'])
      if (words.includes(type)) problem(`the type "${type}" in the name`);
    for (const word of words) {
      if (ABBREVIATED_UNITS.has(word)) problem(`abbreviated unit "${word}"`);
      const base = NON_BASE_UNITS[word];
      if (base) problem(`unit "${word}": use the base unit "${base}"`);
      for (const prefix of UNIT_PREFIXES)
        for (const unit of BASE_UNITS)
          if (word === prefix + unit)
            problem(`unit "${word}": use the base unit "${unit}"`);
    }
    const histogramLike = f.type === 'histogram' || f.type === 'summary';
    if (!histogramLike && /_(bucket|sum|count)$/.test(f.name))
      problem('a suffix reserved for histograms and summaries');
    for (const sample of f.samples) {
      for (const label of Object.keys(sample.labels)) {
        if (CAMEL.test(label))
          problem(`label "${label}" in camelCase, not snake_case`);
        if (label.startsWith('__')) problem(`reserved label "${label}"`);
        if (!histogramLike && (label === 'le' || label === 'quantile'))
          problem(`label "${label}" reserved for histograms and summaries`);
      }
      if (f.type === 'counter' && !(sample.value >= 0))
        problem(`negative counter value ${sample.value}`);
    }
    if (f.type === 'histogram') problems.push(...histogramProblems(f));
  }
  return problems;
}

/** Each series of a histogram has `_bucket`s up to `le="+Inf"`, `_sum` and `_count`. */
function histogramProblems(f: MetricFamily): string[] {
  const problems: string[] = [];
  const series = new Map<string, Set<string>>();
  for (const sample of f.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const parts = series.get(key) ?? new Set<string>();
    series.set(key, parts);
    if (sample.name === `${f.name}_bucket`) {
      if (le === undefined) problems.push(`${f.name}: a bucket without le`);
      else if (le === '+Inf') parts.add('+Inf');
    } else if (sample.name === `${f.name}_sum`) parts.add('sum');
    else if (sample.name === `${f.name}_count`) parts.add('count');
    else problems.push(`${f.name}: a sample named ${sample.name}`);
  }
  for (const [key, parts] of series)
    for (const part of ['+Inf', 'sum', 'count'])
      if (!parts.has(part))
        problems.push(
          `${f.name}${key}: no ${part === '+Inf' ? 'le="+Inf" bucket' : `_${part}`}`,
        );
  return problems;
}

/** The value of the sample named `name` whose labels include `labels`; undefined if none. */
export function sampleValue(
  families: MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families)
    for (const sample of f.samples)
      if (
        sample.name === name &&
        Object.entries(labels).every(([k, v]) => sample.labels[k] === v)
      )
        return sample.value;
  return undefined;
}
