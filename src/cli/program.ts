/** `meridian <verb>` (loaded by ./main.ts): the only place an error becomes an exit code. */
import { Command, CommanderError } from 'commander';
import { ConfigError, MeridianError } from '../errors.js';
import { releaseYoungGeneration } from './heap-tuning.js';
import { registerServeCommand } from './serve.js';
import { invokedVerb } from './verb.js';

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
// `meridian serve` is a long-running gateway: the other verbs' modules (eval and scenario runners
// with ajv, yaml, reporters, the meter's bench, prompt and key tooling) would stay in its heap for
// nothing (~2.5 MB, docs/performance.md, "Memory"). Any other command line, help included, registers them all.
if (invokedVerb(process.argv.slice(2)) !== 'serve') await registerOtherCommands();

async function registerOtherCommands(): Promise<void> {
  const [
    { loadConfig },
    { registerEvalCommands },
    { registerExperimentCommands },
    { registerMeterCommands },
    { registerMockCommands },
    { createProviderHandle },
    { registerPromptCommands },
    { registerRagCommands },
    { registerScenarioCommands },
    { registerKeyCommands, registerLogCommands },
    { createStore },
    { registerDoctorCommand },
    { registerInitCommand },
    { registerModelCommands },
  ] = await Promise.all([
    import('../config/load.js'),
    import('../eval/cli.js'),
    import('../experiments/cli.js'),
    import('../meter/cli.js'),
    import('../mock/cli.js'),
    import('../providers/registry.js'),
    import('../prompts/cli.js'),
    import('../rag/cli.js'),
    import('../scenarios/cli.js'),
    import('../store/cli.js'),
    import('../store/index.js'),
    import('./doctor.js'),
    import('./init.js'),
    import('./models.js'),
  ]);
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
      const store = await createStore(
        loadConfig(program.opts<{ config?: string }>().config, process.env, { only: ['store'] }).config.store,
      );
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
          ...(cloud
            ? { cloud: { promptTokens: cloud.promptTokens, completionTokens: cloud.completionTokens, costUsd: cloud.costUsd } }
            : {}),
        };
      } finally {
        await store.close();
      }
    },
  });
}

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
