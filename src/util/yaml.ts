/**
 * The YAML parser, loaded with the first YAML text parsed: a gateway on the embedded defaults (or a
 * mock provider without a rules file) never needs its ~70 modules (docs/performance.md, "Memory").
 * `require` keeps the callers synchronous; yaml ships CommonJS, which is what an ESM `import` of it
 * loads too.
 */
import { createRequire } from 'node:module';

let yaml: typeof import('yaml') | undefined;

export function parseYaml(text: string): unknown {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}
