/**
 * Finds and parses scenario files. A folder is searched recursively for `.json`, `.yaml` and
 * `.yml` files; files named `*.rules.{yaml,yml,json}` are mock rule files and are skipped.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { OPERATORS } from './operators.js';
import type { LoadedScenario, Scenario } from './types.js';

const SCENARIO_EXT = new Set(['.json', '.yaml', '.yml']);

const assertionSchema = z.object({
  field: z.string().min(1),
  operator: z.enum(OPERATORS as unknown as [string, ...string[]]),
  value: z.unknown().optional(),
  description: z.string().optional(),
});

const stepSchema = z.object({
  name: z.string().min(1),
  method: z.string().optional(),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  assertions: z.array(assertionSchema).optional(),
  extract: z.record(z.string(), z.string()).optional(),
  timeout_ms: z.number().int().positive().optional(),
});

const scenarioSchema = z.object({
  scenario: z.string().min(1),
  description: z.string().optional(),
  environments: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  steps: z.array(stepSchema).min(1),
});

function isRulesFile(name: string): boolean {
  return /\.rules\.(ya?ml|json)$/i.test(name);
}

export function collectScenarioFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'node_modules' && !name.startsWith('.')) walk(p);
      } else if (SCENARIO_EXT.has(extname(name).toLowerCase()) && !isRulesFile(name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new ConfigError(`Scenario path '${p}' does not exist.`);
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

export function parseScenario(text: string, file: string): Scenario {
  let data: unknown;
  try {
    data = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid ${extname(file).slice(1).toUpperCase()}: ${(err as Error).message}`);
  }
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`${file}: not a valid scenario: ${issues}`);
  }
  return parsed.data as Scenario;
}

export function loadScenarios(paths: string[]): LoadedScenario[] {
  return collectScenarioFiles(paths).map((file) => ({ file, scenario: parseScenario(readFileSync(file, 'utf8'), file) }));
}
