/**
 * Reads, interpolates and validates the config once at start, then freezes it. Errors name the
 * bad field's path and say how to fix it; secrets are never echoed.
 */
import { readFileSync, existsSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseYaml } from '../util/yaml.js';
import { configSchema, type MeridianConfig } from './schema.js';

const DEFAULT_FILES = ['meridian.yaml', 'meridian.yml', 'meridian.json'];

export interface LoadedConfig {
  config: MeridianConfig;
  /** The file it came from, or undefined when running on defaults. */
  file: string | undefined;
}

export interface LoadOptions {
  /**
   * Read only these top-level sections (the rest get their defaults): a command that needs the
   * store does not need the providers' API keys in its environment.
   */
  only?: ReadonlyArray<keyof MeridianConfig>;
}

/** Loads `path`, or the first default file in the working directory, or the empty config. */
export function loadConfig(path?: string, env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): LoadedConfig {
  const file = path ?? DEFAULT_FILES.find((f) => existsSync(f));
  if (!file) return { config: parseConfig({}, env), file: undefined };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file '${file}': ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(`Config file '${file}' is not valid YAML/JSON: ${(err as Error).message}`);
  }
  return { config: parseConfig(opts.only ? pickSections(raw, opts.only) : raw, env, file), file };
}

/** Validates an already-parsed config object (after `${ENV}` interpolation). */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): MeridianConfig {
  const missing: MissingVariable[] = [];
  const interpolated = interpolate(raw, env, '', missing);
  if (missing.length > 0) throw new ConfigError(formatMissing(missing, source));
  const result = configSchema.safeParse(interpolated);
  if (!result.success) throw new ConfigError(formatIssues(result.error, source));
  return deepFreeze(result.data);
}

function pickSections(raw: unknown, only: ReadonlyArray<string>): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => only.includes(k)));
}

interface MissingVariable {
  path: string;
  name: string;
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string. A variable that is not set and has
 * no default is collected (with the path that uses it), so all of them are reported at once.
 */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string, missing: MissingVariable[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (def !== undefined) return def;
      missing.push({ path: path || 'config', name });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`, missing));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, path ? `${path}.${k}` : k, missing);
    return out;
  }
  return value;
}

function formatMissing(missing: MissingVariable[], source: string): string {
  const names = [...new Set(missing.map((m) => m.name))];
  const lines = missing.slice(0, 20).map((m) => `  - ${m.path}: \${${m.name}}`);
  if (missing.length > 20) lines.push(`  - … and ${missing.length - 20} more`);
  return (
    `${source}: ${names.length === 1 ? 'environment variable' : 'environment variables'} not set: ${names.join(', ')}\n${lines.join('\n')}\n` +
    `Set ${names.length === 1 ? 'it' : 'them'} in the environment, or write \${NAME:-default} to make one optional.`
  );
}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.slice(0, 10).map((issue) => {
    const path =
      issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '') || '(root)';
    return `  - ${path}: ${issue.message}`;
  });
  return `Invalid ${source}:\n${lines.join('\n')}`;
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj)) deepFreeze(v);
  }
  return obj;
}
