/**
 * Saved runs: one JSON file per run (`<runId>.json`) in a results folder, default
 * `.meridian/evals/`. A run is named by its path, its id, or `latest` / `previous`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { EvalRun } from './types.js';

export const DEFAULT_RESULTS_DIR = '.meridian/evals';

export function saveRun(run: EvalRun, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${run.runId}.json`);
  writeFileSync(path, JSON.stringify(run, null, 2) + '\n');
  return path;
}

/** Ids made by `makeRunId`: a UTC timestamp and a short random suffix. */
const RUN_ID = /^\d{8}T\d{6}Z-[a-z0-9]+$/;

/** Run ids, oldest first (ids start with a UTC timestamp, so names sort by time); other files are ignored. */
export function listRuns(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((id) => RUN_ID.test(id))
    .sort();
}

function resolveRunPath(ref: string, dir: string): string {
  if (ref === 'latest' || ref === 'previous') {
    const runs = listRuns(dir);
    const id = runs[runs.length - (ref === 'latest' ? 1 : 2)];
    if (!id) throw new ConfigError(`No ${ref} run in ${dir} (it holds ${runs.length} run(s)).`);
    return join(dir, `${id}.json`);
  }
  if (ref.endsWith('.json') || ref.includes('/')) return ref;
  if (!/^[\w.-]+$/.test(ref)) throw new ConfigError(`'${ref}' is not a run id, a path, 'latest' or 'previous'.`);
  return join(dir, `${ref}.json`);
}

export function loadRun(ref: string, dir: string = DEFAULT_RESULTS_DIR): EvalRun {
  const path = resolveRunPath(ref, dir);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code ? `Cannot read run '${ref}' (${path}): ${code}` : `Run file ${path} is not valid JSON.`);
  }
  const run = data as Partial<EvalRun>;
  if (run?.version !== 1 || !Array.isArray(run.results) || !Array.isArray(run.targets)) {
    throw new ConfigError(`${path} is not a saved eval run (expected version 1 with targets and results).`);
  }
  return run as EvalRun;
}
