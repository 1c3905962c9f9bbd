#!/usr/bin/env node
/** `meridian <verb>`: the only place an error becomes an exit code. */
import { Command } from 'commander';
import { ConfigError, MeridianError } from '../errors.js';
import { registerServeCommand } from './serve.js';

const program = new Command();
program.name('meridian').description('Hybrid LLM gateway: local engines and cloud APIs behind one OpenAI-compatible endpoint').version('0.1.0');
registerServeCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MeridianError) {
    process.stderr.write(`meridian: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`meridian: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
