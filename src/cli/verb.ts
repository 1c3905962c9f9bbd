/**
 * Which verb a `meridian` command line runs, read before commander parses it: `serve` registers
 * only its own verb (./program.ts), so a running gateway does not load the other commands' modules.
 */

/** The program's options that take a value (`-c, --config <file>`): the word after them is not the verb. */
const VALUE_OPTIONS = new Set(['-c', '--config']);

/** The first word that is not an option or an option's value; undefined when there is none (`meridian --help`). */
export function invokedVerb(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return args[i + 1];
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** The value of `--workers` on the command line (`--workers 2`, `--workers=auto`), or undefined. */
export function workersOption(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return undefined;
    if (a === '--workers') return args[i + 1];
    if (a.startsWith('--workers=')) return a.slice('--workers='.length);
  }
  return undefined;
}
