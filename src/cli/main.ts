#!/usr/bin/env node
/** `meridian <verb>`: the only place an error becomes an exit code. */
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/load.js';
import { ConfigError, MeridianError } from '../errors.js';
import { registerEvalCommands } from '../eval/cli.js';
import { registerMeterCommands } from '../meter/cli.js';
import { registerMockCommands } from '../mock/cli.js';
import { createProviderHandle } from '../providers/registry.js';
import { registerScenarioCommands } from '../scenarios/cli.js';
import { registerKeyCommands, registerLogCommands } from '../store/cli.js';
import { createStore } from '../store/index.js';
import { registerServeCommand } from './serve.js';

const program = new Command();
program
  .name('meridian')
  .description('Hybrid LLM gateway: local engines and cloud APIs behind one OpenAI-compatible endpoint')
  .version('0.1.0')
  .option('-c, --config <file>', 'config file (default: ./meridian.yaml if present)');

registerServeCommand(program);
registerKeyCommands(program);
registerLogCommands(program);
registerMockCommands(program);
registerScenarioCommands(program);
registerEvalCommands(program);
registerMeterCommands(program, {
  resolveProvider: (id) => {
    const entry = loadConfig(program.opts<{ config?: string }>().config).config.providers.find((p) => p.id === id);
    return entry ? createProviderHandle({ ...entry, location: entry.location ?? 'cloud' }) : undefined;
  },
  loadUsage: async (days) => {
    const store = await createStore(loadConfig(program.opts<{ config?: string }>().config).config.store);
    try {
      const t = await store.requestLog.totals(new Date(Date.now() - days * 86_400_000).toISOString());
      return {
        days,
        promptTokens: t.promptTokens,
        completionTokens: t.completionTokens,
        cachedTokens: t.cachedTokens,
        costUsd: t.cloudCostUsd,
      };
    } finally {
      await store.close();
    }
  },
});

program.exitOverride();
program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError || err instanceof MeridianError) {
    process.stderr.write(`meridian: ${err.message}\n`);
    process.exit(2);
  }
  const e = err as Error & { code?: string };
  if (e?.code?.startsWith('commander.')) process.exit(2);
  process.stderr.write(`meridian: ${e?.message ?? String(err)}\n`);
  if (process.env.DEBUG) process.stderr.write(`${e?.stack}\n`);
  process.exit(1);
});
