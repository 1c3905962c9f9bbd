/**
 * A small, tolerant reader for the Prometheus text exposition format (what vLLM's and
 * llama-server's `/metrics` return): one sample per line, `name{label="value",...} value [ts]`.
 * Comments (`# HELP`, `# TYPE`, `# EOF`), blank lines and lines it cannot read are skipped rather
 * than failing the whole scrape: an engine that adds a metric we do not know must not blind us.
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

/** Every sample in `text`, in order. Never throws. */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) out.push(sample);
  }
  return out;
}

function parseLine(line: string): PromSample | undefined {
  let i = 0;
  if (!NAME_START.test(line[0] ?? '')) return undefined;
  while (i < line.length && NAME_CHAR.test(line[i]!)) i++;
  const name = line.slice(0, i);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    const end = parseLabels(line, i + 1, labels);
    if (end < 0) return undefined;
    i = end;
  }
  // Value, then an optional timestamp we do not need.
  const rest = line.slice(i).trim().split(/\s+/);
  const value = parseValue(rest[0]);
  return value === undefined ? undefined : { name, labels, value };
}

/** Reads `a="x",b="y"}` from `start`; returns the index after `}`, or -1 when malformed. */
function parseLabels(line: string, start: number, into: Record<string, string>): number {
  let i = start;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return i + 1;
    const eq = line.indexOf('=', i);
    if (eq < 0) return -1;
    const key = line.slice(i, eq).trim();
    i = eq + 1;
    if (line[i] !== '"') return -1;
    i++;
    let value = '';
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && i + 1 < line.length) {
        const next = line[i + 1]!;
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else {
        value += line[i];
        i++;
      }
    }
    if (i >= line.length) return -1;
    i++; // closing quote
    into[key] = value;
  }
}

function parseValue(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  if (token === '+Inf' || token === 'Inf') return Number.POSITIVE_INFINITY;
  if (token === '-Inf') return Number.NEGATIVE_INFINITY;
  if (token === 'NaN') return Number.NaN;
  const n = Number(token);
  return Number.isNaN(n) ? undefined : n;
}

/** Samples of one metric, optionally only those whose labels include `where`. */
export function samplesOf(samples: readonly PromSample[], name: string, where: Record<string, string> = {}): PromSample[] {
  const keys = Object.keys(where);
  return samples.filter((s) => s.name === name && Number.isFinite(s.value) && keys.every((k) => s.labels[k] === where[k]));
}

/** Sum over a metric's series (e.g. one per engine or model); undefined when the metric is absent. */
export function sumMetric(samples: readonly PromSample[], name: string, where?: Record<string, string>): number | undefined {
  const found = samplesOf(samples, name, where);
  return found.length ? found.reduce((a, s) => a + s.value, 0) : undefined;
}

/** Largest value over a metric's series; undefined when the metric is absent. */
export function maxMetric(samples: readonly PromSample[], name: string, where?: Record<string, string>): number | undefined {
  const found = samplesOf(samples, name, where);
  return found.length ? Math.max(...found.map((s) => s.value)) : undefined;
}
