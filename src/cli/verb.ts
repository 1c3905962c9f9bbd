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
