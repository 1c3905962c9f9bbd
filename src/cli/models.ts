/**
 * `meridian models list|ps|pull|rm|show|warm` over the configured local engines: installed vs
 * loaded (warm) models, memory used, which aliases use each model, pulls with a progress bar, and
 * pre-warming. What an engine can do comes from its adapter's `lifecycle` (Ollama: all of it;
 * OpenAI-compatible servers: the models they list); a verb an engine lacks is a clear error.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { MeridianConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { Catalog } from '../gateway/catalog.js';
import type { ModelLifecycle, ProviderHandle, PullProgress } from '../providers/spec.js';

interface Engines {
  config: MeridianConfig;
  catalog: Catalog;
  /** Local and private providers: the ones whose models someone runs. */
  local: ProviderHandle[];
}

export function localEngines(configPath: string | undefined, env: NodeJS.ProcessEnv): Engines {
  const { config } = loadConfig(configPath, env);
  const catalog = new Catalog(config);
  const local = [...catalog.providers.values()].filter((p) => p.location !== 'cloud');
  return { config, catalog, local };
}

/** `provider/model`, or a model name that one local engine serves (as configured). */
function target(e: Engines, ref: string): { provider: ProviderHandle; model: string } {
  const slash = ref.indexOf('/');
  if (slash > 0) {
    const provider = e.catalog.providers.get(ref.slice(0, slash));
    if (provider) return { provider, model: ref.slice(slash + 1) };
  }
  if (e.local.length === 1) return { provider: e.local[0]!, model: ref };
  const using = e.local.filter((p) => e.catalog.allDeployments().some((d) => d.provider.id === p.id && d.model === ref));
  if (using.length === 1) return { provider: using[0]!, model: ref };
  throw new ConfigError(
    `Say which engine: 'PROVIDER/${ref}' (local providers: ${e.local.map((p) => p.id).join(', ') || 'none configured'}).`,
  );
}

function lifecycleOf(p: ProviderHandle, verb: keyof ModelLifecycle): ModelLifecycle {
  const l = p.adapter.lifecycle;
  if (!l?.[verb]) throw new ConfigError(`'${p.id}' (${p.type}) cannot ${verb} models through its API; do it on the engine itself.`);
  return l;
}

function gb(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} KB` : `${bytes} B`;
}

/** Aliases whose deployments use provider/model. */
function aliasesOf(e: Engines, providerId: string, model: string): string[] {
  return e.catalog
    .aliasNames()
    .filter((a) => e.catalog.resolve(a).deployments.some((d) => d.provider.id === providerId && d.model === model));
}

export async function listModels(e: Engines, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  for (const p of e.local) {
    let installed: Array<{ name: string; sizeBytes?: number }>;
    let loaded = new Set<string>();
    try {
      installed = p.adapter.lifecycle?.installed
        ? await p.adapter.lifecycle.installed(p, signal)
        : ((await p.adapter.listModels?.(p, signal)) ?? []).map((m) => ({ name: m.id }));
      const state = await p.adapter.engineState?.(p, signal).catch(() => undefined);
      loaded = new Set(state?.loadedModels ?? []);
    } catch (err) {
      out.write(`${p.id} (${p.type}): unreachable: ${(err as Error).message}\n`);
      continue;
    }
    out.write(`${p.id} (${p.type}, ${p.baseUrl})\n`);
    if (installed.length === 0) out.write('  (no models)\n');
    for (const m of installed) {
      const aliases = aliasesOf(e, p.id, m.name);
      out.write(
        `  ${loaded.has(m.name) ? '●' : '○'} ${m.name.padEnd(36)} ${gb(m.sizeBytes).padStart(8)}  ${loaded.has(m.name) ? 'warm' : 'cold'}${aliases.length ? `  aliases: ${aliases.join(', ')}` : ''}\n`,
      );
    }
  }
}

export async function psModels(e: Engines, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  for (const p of e.local) {
    const l = p.adapter.lifecycle;
    if (!l?.loaded) {
      const state = await p.adapter.engineState?.(p, signal).catch(() => undefined);
      out.write(`${p.id}: ${state?.loadedModels?.length ? state.loadedModels.join(', ') : 'does not report loaded models'}\n`);
      continue;
    }
    const loaded = await l.loaded(p, signal);
    out.write(`${p.id}: ${loaded.length === 0 ? 'nothing loaded' : ''}\n`);
    for (const m of loaded) {
      out.write(
        `  ${m.name.padEnd(36)} ${gb(m.sizeBytes).padStart(8)} (${gb(m.vramBytes ?? 0)} in VRAM)${m.until ? `  until ${m.until}` : ''}\n`,
      );
    }
  }
}

/** Progress on a terminal: one line redrawn; otherwise a line per status change or 10%. */
export function progressPrinter(out: NodeJS.WritableStream & { isTTY?: boolean }): (p: PullProgress) => void {
  let lastKey = '';
  return (p) => {
    const pct = p.total ? Math.floor(((p.completed ?? 0) / p.total) * 100) : undefined;
    const line = `${p.status}${pct !== undefined ? ` ${pct}% (${gb(p.completed)} / ${gb(p.total)})` : ''}`;
    if (out.isTTY) {
      const width = 30;
      const bar = pct !== undefined ? `[${'#'.repeat(Math.round((pct / 100) * width)).padEnd(width)}] ` : '';
      out.write(`\r\x1b[2K${bar}${line}`);
      if (p.status === 'success') out.write('\n');
      return;
    }
    const key = `${p.status}|${pct === undefined ? '' : Math.floor(pct / 10)}`;
    if (key !== lastKey) out.write(`${line}\n`);
    lastKey = key;
  };
}

export function registerModelCommands(
  program: Command,
  env: NodeJS.ProcessEnv = process.env,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): void {
  const models = program.command('models').description('models on the configured local engines: list, ps, pull, rm, show, warm');
  const setup = (cmd: Command) => localEngines(cmd.parent?.parent?.opts<{ config?: string }>().config, env);
  const signal = () => AbortSignal.timeout(30_000);
  models
    .command('list')
    .description('installed models per local engine, warm or cold, and the aliases that use them')
    .action((_o, cmd: Command) => listModels(setup(cmd), out, signal()));
  models
    .command('ps')
    .description('models loaded in memory now, with the memory they use')
    .action((_o, cmd: Command) => psModels(setup(cmd), out, signal()));
  models
    .command('pull <model>')
    .description('download a model onto its engine (PROVIDER/MODEL), with progress')
    .action(async (ref: string, _o, cmd: Command) => {
      const { provider, model } = target(setup(cmd), ref);
      await lifecycleOf(provider, 'pull').pull!(provider, model, progressPrinter(out), AbortSignal.timeout(6 * 3_600_000));
    });
  models
    .command('rm <model>')
    .description('delete a model from its engine')
    .action(async (ref: string, _o, cmd: Command) => {
      const { provider, model } = target(setup(cmd), ref);
      await lifecycleOf(provider, 'remove').remove!(provider, model, signal());
      out.write(`deleted ${provider.id}/${model}\n`);
    });
  models
    .command('show <model>')
    .description('what the engine says about a model (family, size, quantization, context, capabilities)')
    .action(async (ref: string, _o, cmd: Command) => {
      const { provider, model } = target(setup(cmd), ref);
      out.write(`${JSON.stringify(await lifecycleOf(provider, 'show').show!(provider, model, signal()), null, 2)}\n`);
    });
  models
    .command('warm <model>')
    .description('load a model into memory now (and keep it there for --keep-alive)')
    .option('--keep-alive <duration>', 'how long it stays loaded (Ollama duration, e.g. 30m, -1 = until unloaded)', '30m')
    .action(async (ref: string, o: { keepAlive: string }, cmd: Command) => {
      const { provider, model } = target(setup(cmd), ref);
      await lifecycleOf(provider, 'warm').warm!(provider, model, o.keepAlive, AbortSignal.timeout(600_000));
      out.write(`warm: ${provider.id}/${model}\n`);
    });
}

/** `warm: true` deployments, loaded at start so the first request does not wait for a cold model. */
export async function warmConfigured(catalog: Catalog, onResult: (id: string, err?: unknown) => void): Promise<void> {
  const targets = catalog.allDeployments().filter((d) => d.warm && d.provider.adapter.lifecycle?.warm);
  await Promise.all(
    targets.map((d) =>
      d.provider.adapter.lifecycle!.warm!(d.provider, d.model, '30m', AbortSignal.timeout(600_000))
        .then(() => onResult(d.id))
        .catch((err: unknown) => onResult(d.id, err)),
    ),
  );
}
