/** `meridian <verb>` (loaded by ./main.ts): the only place an error becomes an exit code. */
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/load.js';
import { ConfigError, MeridianError } from '../errors.js';
import { registerEvalCommands } from '../eval/cli.js';
import { registerExperimentCommands } from '../experiments/cli.js';
import { registerMeterCommands } from '../meter/cli.js';
import { registerMockCommands } from '../mock/cli.js';
import { createProviderHandle } from '../providers/registry.js';
import { registerPromptCommands } from '../prompts/cli.js';
import { registerRagCommands } from '../rag/cli.js';
import { registerScenarioCommands } from '../scenarios/cli.js';
import { registerKeyCommands, registerLogCommands } from '../store/cli.js';
import { createStore } from '../store/index.js';
import { registerDoctorCommand } from './doctor.js';
import { registerInitCommand } from './init.js';
import { registerModelCommands } from './models.js';
import { releaseYoungGeneration } from './heap-tuning.js';
import { registerServeCommand } from './serve.js';

/** Whether commander has already printed the usage error it is about to throw. */
let usagePrinted = false;
const program = new Command();
// Set before the verbs are registered: subcommands copy these settings when they are created.
program
  .name('meridian')
  .description('Hybrid LLM gateway: local engines and cloud APIs behind one OpenAI-compatible endpoint')
  .version('0.1.0')
  .option('-c, --config <file>', 'config file (default: ./meridian.yaml if present)')
  .exitOverride()
  .showHelpAfterError("(run 'meridian help <command>' for its options)")
  .configureOutput({
    outputError: (text, write) => {
      usagePrinted = true;
      write(text);
    },
  });

// `serve` ends main.ts's start-up hold on the young generation once it listens; every other command here.
program.hook('preAction', (_program, action) => {
  if (action.name() !== 'serve') releaseYoungGeneration();
});
registerServeCommand(program);
registerInitCommand(program);
registerDoctorCommand(program);
registerModelCommands(program);
registerKeyCommands(program);
registerPromptCommands(program);
registerRagCommands(program);
registerLogCommands(program);
registerMockCommands(program);
registerScenarioCommands(program);
registerEvalCommands(program);
registerExperimentCommands(program);
registerMeterCommands(program, {
  resolveProvider: (id) => {
    const entry = loadConfig(program.opts<{ config?: string }>().config, process.env, { only: ['providers'] }).config.providers.find(
      (p) => p.id === id,
    );
    return entry ? createProviderHandle(entry) : undefined;
  },
  loadUsage: async (days) => {
    const store = await createStore(loadConfig(program.opts<{ config?: string }>().config, process.env, { only: ['store'] }).config.store);
    try {
      const since = new Date(Date.now() - days * 86_400_000).toISOString();
      const t = await store.requestLog.totals(since);
      // The cloud side's price comes from cloud requests alone (their spend over their tokens).
      const cloud = (await store.requestLog.summary(since)).byLocation.find((g) => g.key === 'cloud');
      return {
        days,
        promptTokens: t.promptTokens,
        completionTokens: t.completionTokens,
        cachedTokens: t.cachedTokens,
        ...(cloud ? { cloud: { promptTokens: cloud.promptTokens, completionTokens: cloud.completionTokens, costUsd: cloud.costUsd } } : {}),
      };
    } finally {
      await store.close();
    }
  },
});

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Help and --version exit 0; a usage error thrown by a verb's own checks was not printed yet.
    if (err.exitCode === 0) process.exit(0);
    // `commander.help`: a verb run without its subcommand has just printed its help.
    if (!usagePrinted && err.code !== 'commander.help') process.stderr.write(`meridian: ${err.message.replace(/^error: /, '')}\n`);
    process.exit(2);
  }
  if (err instanceof ConfigError || err instanceof MeridianError) {
    process.stderr.write(`meridian: ${err.message}\n`);
    process.exit(2);
  }
  const e = err as Error;
  process.stderr.write(`meridian: ${e?.message ?? String(err)}\n`);
  if (process.env.DEBUG) process.stderr.write(`${e?.stack}\n`);
  process.exit(1);
});
