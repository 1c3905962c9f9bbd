/**
 * `meridian eval <suite>`: run a suite through the gateway, print/write reports, save the run,
 * and set the exit code (1 when a target is below its pass-rate threshold, so it gates CI).
 * `meridian eval compare <A> <B>`: regressions between two saved runs (exit 1 when there are any).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
// ConfigError, not commander's InvalidArgumentError: a bad option exits 2 like a bad suite (1 means "below threshold").
import { ConfigError } from '../errors.js';
import { compareRuns, renderComparison } from './compare.js';
import { DEFAULT_BASE_URL } from './gateway-client.js';
import { loadSuite } from './load-suite.js';
import { renderHtml } from './reporters/html.js';
import { renderJson } from './reporters/json.js';
import { renderJunit } from './reporters/junit.js';
import { renderPretty } from './reporters/pretty.js';
import { DEFAULT_RESULTS_DIR, loadRun, saveRun } from './results-store.js';
import { runEval, type EvalProgress } from './runner.js';
import type { EvalRun } from './types.js';

export const EVAL_REPORTERS = ['pretty', 'json', 'junit', 'html'] as const;
export type EvalReporter = (typeof EVAL_REPORTERS)[number];

const FILES: Record<Exclude<EvalReporter, 'pretty'>, [string, (run: EvalRun) => string]> = {
  json: ['report.json', renderJson],
  junit: ['junit.xml', renderJunit],
  html: ['report.html', renderHtml],
};

export interface EvalCliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  setExitCode(code: number): void;
}

const defaultIo: EvalCliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

function reporterList(value: string): EvalReporter[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(EVAL_REPORTERS as readonly string[]).includes(n));
  if (unknown.length) throw new ConfigError(`Unknown reporter(s): ${unknown.join(', ')}. Known: ${EVAL_REPORTERS.join(', ')}.`);
  return names as EvalReporter[];
}

function positiveInt(option: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError(`${option} expects an integer from 1 to ${max}, got '${value}'.`);
    return n;
  };
}

export function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`'${value}' is not a URL; expected e.g. ${DEFAULT_BASE_URL}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`the base URL must be http(s), got ${url.protocol}`);
  if (url.username || url.password) throw new ConfigError('put credentials in --api-key / MERIDIAN_API_KEY, not in the URL.');
  return value;
}

/** Writes each chosen report: files under `outDir` when given, else to stdout. Returns the files written. */
export function writeEvalReports(
  run: EvalRun,
  reporters: EvalReporter[],
  outDir: string | undefined,
  io: Pick<EvalCliIo, 'stdout'>,
): string[] {
  const written: string[] = [];
  if (outDir) mkdirSync(outDir, { recursive: true });
  for (const r of reporters) {
    if (r === 'pretty') {
      io.stdout.write(renderPretty(run, { color: io.stdout.isTTY === true }));
      if (outDir) writeFileSync(join(outDir, 'report.txt'), renderPretty(run));
      continue;
    }
    const [file, render] = FILES[r];
    if (outDir) {
      writeFileSync(join(outDir, file), render(run));
      written.push(join(outDir, file));
    } else io.stdout.write(render(run));
  }
  return written;
}

function progressLine(io: EvalCliIo): (p: EvalProgress) => void {
  if (io.stderr.isTTY !== true) return () => {};
  return (p) => {
    io.stderr.write(`\r\x1b[2K  eval ${p.done}/${p.total}  ${p.passed} passed, ${p.failed} failed`);
    if (p.done === p.total) io.stderr.write('\r\x1b[2K');
  };
}

interface EvalOptions {
  baseUrl?: string;
  apiKey?: string;
  reporter: EvalReporter[];
  out?: string;
  resultsDir: string;
  save: boolean;
  concurrency?: number;
  timeout?: number;
}

export function registerEvalCommands(program: Command, io: EvalCliIo = defaultIo): void {
  const cmd = program
    .command('eval')
    .description('Run an eval suite (prompts × targets × test cases) through the gateway; promptfoo-style YAML/JSON')
    .argument('<suite>', 'suite file (YAML or JSON)')
    .option('--base-url <url>', `gateway base URL (env MERIDIAN_BASE_URL; default ${DEFAULT_BASE_URL})`, checkBaseUrl)
    .option('--api-key <key>', 'virtual key for the gateway (env MERIDIAN_API_KEY)')
    .option('--reporter <names>', `${EVAL_REPORTERS.join(', ')} (comma-separated)`, reporterList, ['pretty'] as EvalReporter[])
    .option('--out <dir>', 'folder for report files (report.txt, report.json, junit.xml, report.html)')
    .option('--results-dir <dir>', 'where runs are saved for `eval compare`', DEFAULT_RESULTS_DIR)
    .option('--no-save', 'do not save the run')
    .option(
      '--concurrency <n>',
      "requests in flight (default: the suite's evaluateOptions.maxConcurrency, else 4)",
      positiveInt('--concurrency', 64),
    )
    .option(
      '--timeout <ms>',
      "per-request timeout in ms (default: the suite's timeoutMs, else 120000)",
      positiveInt('--timeout', 3_600_000),
    )
    .action(async (file: string, o: EvalOptions) => {
      const suite = loadSuite(file);
      const baseUrl = o.baseUrl ?? (io.env.MERIDIAN_BASE_URL ? checkBaseUrl(io.env.MERIDIAN_BASE_URL) : DEFAULT_BASE_URL);
      const apiKey = o.apiKey ?? io.env.MERIDIAN_API_KEY;
      const run = await runEval(suite, {
        baseUrl,
        ...(apiKey ? { apiKey } : {}),
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
        ...(o.timeout ? { timeoutMs: o.timeout } : {}),
        onProgress: progressLine(io),
      });
      for (const f of writeEvalReports(run, o.reporter, o.out, io)) io.stderr.write(`wrote ${f}\n`);
      if (o.save) io.stderr.write(`saved run ${run.runId} to ${saveRun(run, o.resultsDir)}\n`);
      if (!run.ok) io.setExitCode(1);
    });

  cmd
    .command('compare')
    .description('Show regressions between two saved runs (exit 1 when a case that passed in A fails in B)')
    .argument('<runA>', "run id, path to a run file, 'latest' or 'previous'")
    .argument('<runB>', "run id, path to a run file, 'latest' or 'previous'")
    .option('--json', 'print the comparison as JSON')
    // --results-dir belongs to `eval` (commander hands an option to the parent that defines it).
    .action((a: string, b: string, o: { json?: boolean }) => {
      const dir = cmd.opts<{ resultsDir: string }>().resultsDir;
      const comparison = compareRuns(loadRun(a, dir), loadRun(b, dir));
      io.stdout.write(o.json ? JSON.stringify(comparison, null, 2) + '\n' : renderComparison(comparison));
      if (comparison.regressions.length) io.setExitCode(1);
    });
}
