/** `meridian test`: run scenario files against one or more environments. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { renderJson } from './reporters/json.js';
import { renderJunit } from './reporters/junit.js';
import { renderPretty } from './reporters/pretty.js';
import { runScenarios } from './runner.js';
import type { Report } from './types.js';

const REPORTERS = ['pretty', 'json', 'junit'] as const;
type ReporterName = (typeof REPORTERS)[number];

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `--reporter a,b`: checked while parsing, so commander prints the error with the option name. */
function reporterList(value: string): ReporterName[] {
  const names = list(value);
  const unknown = names.filter((r) => !(REPORTERS as readonly string[]).includes(r));
  if (unknown.length) throw new InvalidArgumentError(`unknown reporter(s): ${unknown.join(', ')}. Known: ${REPORTERS.join(', ')}.`);
  if (names.length === 0) throw new InvalidArgumentError(`name at least one reporter: ${REPORTERS.join(', ')}.`);
  return names as ReporterName[];
}

function positiveMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number of milliseconds, got '${value}'.`);
  return n;
}

function collectVar(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--var expects key=value, got '${value}'.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export interface CliOutput {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/** Writes each chosen report; files go to `outDir` when given, else to stdout. */
export function writeReports(
  report: Report,
  reporters: ReporterName[],
  outDir: string | undefined,
  color: boolean,
  stdout: CliOutput['stdout'] = process.stdout,
): string[] {
  const written: string[] = [];
  if (outDir) mkdirSync(outDir, { recursive: true });
  for (const r of reporters) {
    if (r === 'pretty') {
      const text = renderPretty(report, { color });
      stdout.write(text);
      if (outDir) writeFileSync(join(outDir, 'report.txt'), renderPretty(report, { color: false }));
      continue;
    }
    const [file, text] = r === 'json' ? ['report.json', renderJson(report)] : ['junit.xml', renderJunit(report)];
    if (outDir) {
      writeFileSync(join(outDir, file), text);
      written.push(join(outDir, file));
    } else stdout.write(text);
  }
  return written;
}

/** `io` lets tests capture output; the CLI uses the process streams. */
export function registerScenarioCommands(program: Command, io: CliOutput = { stdout: process.stdout, stderr: process.stderr }): void {
  program
    .command('test')
    .description('Run scenario files (JSON/YAML) against local, mock and production environments')
    .argument('<paths...>', 'scenario files or folders')
    .option('--env <names>', "environments to run, comma-separated, or 'all'", list)
    .option('--reporter <names>', 'pretty, json, junit (comma-separated)', reporterList, ['pretty'] as ReporterName[])
    .option('--out <dir>', 'folder for report files (report.json, junit.xml, report.txt)')
    .option('--var <key=value>', 'set a variable (repeatable); overrides environment entries', collectVar, {})
    .option('--timeout <ms>', 'per-step timeout when a step sets none', positiveMs, 60_000)
    .action(
      async (
        paths: string[],
        o: { env?: string[]; reporter: ReporterName[]; out?: string; var: Record<string, string>; timeout: number },
      ) => {
        const report = await runScenarios(paths, { ...(o.env ? { environments: o.env } : {}), vars: o.var, timeoutMs: o.timeout });
        const written = writeReports(report, o.reporter, o.out, io.stdout.isTTY === true, io.stdout);
        for (const f of written) io.stderr.write(`wrote ${f}\n`);
        if (report.totals.runs === 0 || report.totals.passed + report.totals.failed === 0) {
          io.stderr.write('No scenario ran: check the paths and --env names.\n');
        }
        if (!report.ok) process.exitCode = 1;
      },
    );
}
