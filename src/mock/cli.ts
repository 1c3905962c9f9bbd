/** `meridian mock`: start the mock server (deterministic, rules, record or replay). */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { MockServerOptions } from './server.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('Port must be an integer 0-65535.');
  return n;
}

export function registerMockCommands(program: Command): void {
  program
    .command('mock')
    .description('Run a deterministic OpenAI/Anthropic/Ollama-compatible mock server (for CI without a GPU or a key)')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 4010)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--rules <file>', 'YAML/JSON rules file (answers, tool calls, errors, latency, faults)')
    .option('--record <upstreamUrl>', 'proxy every request to this upstream and save cassettes (needs --cassettes)')
    .option('--cassettes <dir>', 'folder for recorded cassettes')
    .option('--replay <dir>', 'answer only from the cassettes in this folder')
    .action(async (o: { port: number; host: string; rules?: string; record?: string; cassettes?: string; replay?: string }) => {
      if (o.record && !o.cassettes) throw new InvalidArgumentError('--record needs --cassettes <dir>.');
      if (o.record && o.replay) throw new InvalidArgumentError('Use either --record or --replay, not both.');
      const opts: MockServerOptions = { port: o.port, host: o.host };
      if (o.rules) opts.rulesFile = o.rules;
      if (o.record && o.cassettes) opts.record = { upstream: o.record, cassettes: o.cassettes };
      if (o.replay) opts.replay = o.replay;
      // Loaded here, not with the CLI: `meridian serve` would otherwise carry the mock server and undici's whole index.
      const { startMockServer } = await import('./server.js');
      const server = await startMockServer(opts);
      const mode = o.record
        ? `recording ${o.record} → ${o.cassettes}`
        : o.replay
          ? `replaying ${o.replay}`
          : o.rules
            ? `rules ${o.rules}`
            : 'default rules';
      process.stdout.write(`meridian mock listening on ${server.url} (${mode})\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
