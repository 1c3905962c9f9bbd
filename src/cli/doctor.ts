/**
 * `meridian doctor`: checks what a gateway needs before it serves, and says what to fix: the config
 * parses, the store opens, each provider is reachable, accepts its key and has the models the
 * aliases name, the clock agrees with the providers' (signed requests and tokens fail on skew),
 * and the port is free. Exit 1 when any check fails; warnings do not fail.
 */
import { createServer } from 'node:net';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { MeridianConfig } from '../config/schema.js';
import { Catalog } from '../gateway/catalog.js';
import { createProviderHandle } from '../providers/registry.js';
import type { ProviderHandle } from '../providers/spec.js';
import { createStore } from '../store/index.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it (fail / warn). */
  fix?: string;
}

const MAX_SKEW_MS = 5 * 60_000;

export interface DoctorOptions {
  config?: string;
  timeoutMs?: number;
  /** Skip binding the port (the gateway may be running on it). */
  port?: boolean;
}

export async function runDoctor(o: DoctorOptions, env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const checks: Check[] = [];
  let config: MeridianConfig;
  let catalog: Catalog;
  let file: string | undefined;
  try {
    const loaded = loadConfig(o.config, env);
    config = loaded.config;
    file = loaded.file;
    // Provider types, options and alias references are checked where the gateway checks them.
    catalog = new Catalog(config);
  } catch (err) {
    checks.push({
      name: 'config',
      status: 'fail',
      detail: (err as Error).message,
      fix: 'correct the file (docs/config.md), or run meridian init --force',
    });
    return checks;
  }
  checks.push({
    name: 'config',
    status: 'ok',
    detail: file ? `${file} is valid` : 'no config file: embedded defaults (meridian init writes one)',
  });
  checks.push(await checkStore(config));
  const timeoutMs = o.timeoutMs ?? 5000;
  const wanted = new Map<string, Set<string>>();
  for (const d of catalog.allDeployments()) {
    const set = wanted.get(d.provider.id) ?? new Set<string>();
    set.add(d.model);
    wanted.set(d.provider.id, set);
  }
  if (config.providers.length === 0) {
    checks.push({
      name: 'providers',
      status: 'warn',
      detail: 'none configured: requests get 503',
      fix: 'meridian init, or meridian serve --demo to try it',
    });
  }
  const skews: number[] = [];
  for (const entry of config.providers) {
    const handle = createProviderHandle(entry);
    try {
      checks.push(await checkProvider(handle, [...(wanted.get(entry.id) ?? [])], timeoutMs, skews));
    } finally {
      await handle.http.close();
    }
  }
  checks.push(clockCheck(skews));
  if (o.port !== false) checks.push(await checkPort(config.server.host, config.server.port));
  return checks;
}

async function checkStore(config: MeridianConfig): Promise<Check> {
  const where = config.store.postgres ? 'PostgreSQL + Redis' : `SQLite ${config.store.sqlite}`;
  try {
    const store = await createStore(config.store);
    try {
      const h = store.health();
      return h.ready
        ? { name: 'store', status: 'ok', detail: `${where} opened, migrations applied` }
        : {
            name: 'store',
            status: 'fail',
            detail: `${where}: ${h.reason ?? 'not ready'}`,
            fix: 'check the server is up and the URL in store:',
          };
    } finally {
      await store.close();
    }
  } catch (err) {
    return {
      name: 'store',
      status: 'fail',
      detail: `${where}: ${(err as Error).message}`,
      fix: 'check store: in the config (docs/deploy.md)',
    };
  }
}

async function checkProvider(p: ProviderHandle, models: string[], timeoutMs: number, skews: number[]): Promise<Check> {
  const name = `provider ${p.id}`;
  if (!p.adapter.listModels) {
    return {
      name,
      status: 'ok',
      detail: `${p.type} (${p.location}): nothing to probe${models.length ? `; serves ${models.join(', ')}` : ''}`,
    };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let listed: string[];
  try {
    listed = (await p.adapter.listModels(p, signal)).map((m) => m.id);
  } catch (err) {
    const status = (err as { upstreamStatus?: number }).upstreamStatus;
    if (status === 401 || status === 403) {
      return {
        name,
        status: 'fail',
        detail: `${p.baseUrl} refused the credentials (${status})`,
        // Clouds that sign or exchange tokens (Bedrock, Vertex, Entra ID) take them from options, not apiKey.
        fix: p.config.apiKey
          ? `check providers[${p.id}].apiKey (and the environment variable it names)`
          : `check providers[${p.id}]'s credentials (its options and the environment they come from: docs/providers.md)`,
      };
    }
    return {
      name,
      status: 'fail',
      detail: `${p.baseUrl} not reachable: ${(err as Error).message}`,
      fix: p.location === 'cloud' ? 'check the network, proxy and baseUrl' : `start the engine, or fix providers[${p.id}].baseUrl`,
    };
  }
  await readClock(p, skews, timeoutMs);
  const missing = models.filter(
    (m) => !listed.some((l) => l === m || l === `models/${m}` || l.replace(/:latest$/, '') === m.replace(/:latest$/, '')),
  );
  if (missing.length > 0 && listed.length > 0) {
    return {
      name,
      status: p.location === 'cloud' ? 'warn' : 'fail',
      detail: `reachable, ${listed.length} model(s) listed; not listed: ${missing.join(', ')}`,
      fix: p.adapter.lifecycle?.missingModelHint?.(p, missing[0]!) ?? 'load the model, or fix the model name in models:',
    };
  }
  return {
    name,
    status: 'ok',
    detail: `reachable, key accepted, ${listed.length} model(s) listed${models.length ? `; serves ${models.join(', ')}` : ''}`,
  };
}

/** The provider's `Date` header against this machine's clock (one GET of its base URL; any status has one). */
async function readClock(p: ProviderHandle, skews: number[], timeoutMs: number): Promise<void> {
  try {
    const res = await fetch(p.baseUrl, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    const date = res.headers.get('date');
    if (date && !Number.isNaN(Date.parse(date))) skews.push(Date.now() - Date.parse(date));
  } catch {
    // no clock from this one
  }
}

function clockCheck(skews: number[]): Check {
  if (skews.length === 0) return { name: 'clock', status: 'ok', detail: 'no provider sent a Date header to compare with' };
  const worst = skews.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
  const s = Math.round(worst / 1000);
  return Math.abs(worst) > MAX_SKEW_MS
    ? {
        name: 'clock',
        status: 'fail',
        detail: `this machine is ${s} s ${s > 0 ? 'ahead of' : 'behind'} a provider`,
        fix: 'sync the clock (NTP): signed requests and tokens fail on skew',
      }
    : { name: 'clock', status: 'ok', detail: `within ${Math.abs(s)} s of the providers` };
}

function checkPort(host: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      resolve({
        name: 'port',
        status: 'fail',
        detail: `${host}:${port} cannot be bound (${err.code})`,
        fix:
          err.code === 'EADDRINUSE'
            ? 'another process listens there (a running gateway?): stop it or set server.port'
            : 'check server.host',
      }),
    );
    srv.listen(port, host, () => srv.close(() => resolve({ name: 'port', status: 'ok', detail: `${host}:${port} is free` })));
  });
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

export function formatChecks(checks: Check[]): string {
  return checks.map((c) => `${MARK[c.status]} ${c.name}: ${c.detail}${c.fix ? `\n    → ${c.fix}` : ''}`).join('\n');
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check config, store, providers (reachable, key, models), clock and port, and say what to fix')
    .option('-c, --config <file>', 'config file (default: ./meridian.yaml if present)')
    .option('--no-port', 'skip the port check (the gateway is running)')
    .option('--json', 'print the checks as JSON')
    .action(async (o: { config?: string; port?: boolean; json?: boolean }, cmd: Command) => {
      const checks = await runDoctor({ ...o, config: o.config ?? cmd.parent?.opts<{ config?: string }>().config });
      process.stdout.write(o.json ? `${JSON.stringify(checks, null, 2)}\n` : `${formatChecks(checks)}\n`);
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}
