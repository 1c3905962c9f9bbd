/**
 * `meridian experiments list|report NAME`: the experiments the config declares, and one's report
 * per variant from the store's request log and feedback (the same numbers as
 * `GET /admin/experiments?name=NAME`).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import { openStoreFromConfig, type CliIo, type OpenStore } from '../store/cli.js';
import { parseTimeOrDuration, TIME_ARG_HINT } from '../store/time-arg.js';
import { EXPERIMENT_NAME } from './config.js';
import { buildReport, experimentsOf, formatReport } from './index.js';

const defaultIo: CliIo = { out: (text) => process.stdout.write(`${text}\n`) };

export function registerExperimentCommands(program: Command, openStore: OpenStore = openStoreFromConfig, io: CliIo = defaultIo): void {
  const experiments = program.command('experiments').description('traffic splits between variants of an alias, and their reports');
  const configured = (cmd: Command) => {
    const { config } = cmd.optsWithGlobals<{ config?: string }>();
    return experimentsOf(loadConfig(config, process.env, { only: ['models'] }).config);
  };

  experiments
    .command('list')
    .description('the experiments in the config, with their variants and weights')
    .action((_opts: unknown, cmd: Command) => {
      const all = [...configured(cmd).values()];
      if (all.length === 0) return io.out('No experiments. Add one under an alias: models.<alias>.experiment (docs/prompts.md).');
      for (const e of all) {
        io.out(`${e.name}  alias=${e.alias}  sticky=${e.sticky}`);
        for (const v of e.variants) {
          const arm = [
            v.prompt ? `prompt=${v.prompt.name}@${'version' in v.prompt ? v.prompt.version : v.prompt.label}` : '',
            v.deployment ? `deployment=${v.deployment}` : '',
          ]
            .filter(Boolean)
            .join(' ');
          io.out(`  ${v.name}  weight=${v.weight} (${((v.weight / e.total) * 100).toFixed(1)}%)${arm ? `  ${arm}` : ''}`);
        }
      }
    });

  experiments
    .command('report')
    .description('per variant: requests, share, errors, feedback with 95% intervals, cost, latency p50')
    .argument('<name>', 'experiment name')
    .option('--since <time>', `from when (${TIME_ARG_HINT})`, '7d')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { since: string; json?: boolean }, cmd: Command) => {
      if (!EXPERIMENT_NAME.test(name)) throw new InvalidRequestError(`'${name.slice(0, 64)}' is not an experiment name.`, 'name');
      const since = parseTimeOrDuration(opts.since);
      if (since === undefined)
        throw new InvalidRequestError(`--since must be ${TIME_ARG_HINT}; got '${opts.since.slice(0, 40)}'.`, 'since');
      const experiment = configured(cmd).get(name);
      const { config } = cmd.optsWithGlobals<{ config?: string }>();
      const store = await openStore(config === undefined ? {} : { config });
      try {
        const obs = await store.experiments.observations(name, since);
        if (!experiment && obs.requests.length === 0)
          throw new NotFoundError(
            `There is no experiment named "${name}" in the config or the request log since ${since}.`,
            'experiment_not_found',
          );
        const report = buildReport(name, experiment, obs, since);
        io.out(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
      } finally {
        await store.close();
      }
    });
}
