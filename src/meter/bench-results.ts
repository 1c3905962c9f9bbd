/**
 * Saved `meridian bench` results: one JSON file per run under `.meridian/bench/`. Local cost
 * models read measured throughput from here, so the price of a local token comes from a number
 * the user measured on their own hardware.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Percentiles {
  p50: number;
  p95: number;
}

export interface BenchLevelResult {
  concurrency: number;
  /** Requests that finished (successfully or not) during this level. */
  requests: number;
  errors: number;
  /** A few distinct error messages, for the report. */
  errorSamples: string[];
  /** Time to first token (first content/reasoning/tool-call delta), ms. */
  ttftMs: Percentiles;
  /** Decode speed of one stream: tokens after the first chunk / time from first to last chunk. */
  tokensPerSecondPerStream: Percentiles & { mean: number };
  /** All output tokens of the level / wall time of the level. */
  totalTokensPerSecond: number;
  outputTokens: number;
  /** True when any stream reported no usage and its tokens were counted with a tokenizer. */
  tokensEstimated: boolean;
  wallMs: number;
}

export interface BenchRun {
  version: 1;
  /** `provider/model` as given on the command line. */
  target: string;
  providerType: string;
  baseUrl: string;
  model: string;
  startedAt: string;
  durationSeconds: number;
  maxTokens: number;
  levels: BenchLevelResult[];
}

export function benchFileName(run: BenchRun): string {
  const safe = run.target.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `${safe}-${run.startedAt.replace(/[:.]/g, '-')}.json`;
}

/** Writes the run into `dir` (created if missing) and returns the file path. */
export function saveBenchRun(dir: string, run: BenchRun, file?: string): string {
  const path = file ?? join(dir, benchFileName(run));
  if (!file) mkdirSync(dir, { recursive: true });
  writeFileSync(path, JSON.stringify(run, null, 2) + '\n');
  return path;
}

export function readBenchRun(path: string): BenchRun {
  const run = JSON.parse(readFileSync(path, 'utf8')) as BenchRun;
  if (run.version !== 1 || !Array.isArray(run.levels)) throw new Error(`${path} is not a meridian bench result.`);
  return run;
}

/** The newest saved run for `target` (`provider/model`, or just `provider` = any of its models). */
export function latestBenchRun(dir: string, target: string): BenchRun | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return undefined;
  }
  let best: BenchRun | undefined;
  for (const n of names) {
    let run: BenchRun;
    try {
      run = readBenchRun(join(dir, n));
    } catch {
      continue; // a foreign or half-written file must not break pricing
    }
    const matches = run.target === target || (!target.includes('/') && run.target.startsWith(target + '/'));
    if (matches && (!best || run.startedAt > best.startedAt)) best = run;
  }
  return best;
}

/**
 * Aggregate output tokens/s a run measured: at `concurrency` when given (nearest level below or
 * equal), otherwise the level with the best total throughput — what a busy engine sustains.
 */
export function benchTokensPerSecond(run: BenchRun, concurrency?: number): number | undefined {
  const ok = run.levels.filter((l) => l.totalTokensPerSecond > 0);
  if (ok.length === 0) return undefined;
  if (concurrency !== undefined) {
    const below = ok.filter((l) => l.concurrency <= concurrency).sort((a, b) => b.concurrency - a.concurrency);
    if (below[0]) return below[0].totalTokensPerSecond;
  }
  return Math.max(...ok.map((l) => l.totalTokensPerSecond));
}
