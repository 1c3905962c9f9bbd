/**
 * Another commit's guard, loaded next to this tree's: its src/ is extracted (git archive) to the
 * temp directory (outside the tree, so the typecheck skips it), next to a link to this tree's
 * node_modules so its imports resolve and a package.json that makes it ES modules like this tree.
 * Used by bench/pii-speed.ts and bench/pii-golden.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const git = (...a: string[]): string => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();

/** The src/ directory of commit `ref` (default: the merge base of HEAD and main). */
export function baselineSrc(ref = git('merge-base', 'HEAD', 'main')): { src: string; sha: string } {
  const sha = git('rev-parse', '--short', ref);
  const dir = join(tmpdir(), `meridian-guard-baseline-${sha}`);
  if (!existsSync(join(dir, 'src'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} src | tar -x -C "${dir}"`], { cwd: root });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  }
  // Loaded as ES modules, as this tree is ("type": "module"): without it the baseline's files load
  // as CommonJS, which imports faster under tsx and resolves packages' CommonJS builds.
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) writeFileSync(pkg, '{ "type": "module" }\n');
  return { src: join(dir, 'src'), sha };
}

export interface GuardModules {
  scanText: (text: string) => Array<{ type: string; start: number; end: number; score: number; value: string }>;
  recognizers: ReadonlyArray<{ type: string; scan(text: string, out: unknown[]): void }>;
}

/** A default-config guard built from the `src` directory given. */
export async function loadGuard(src: string): Promise<GuardModules> {
  const index = await import(pathToFileURL(join(src, 'guard', 'index.ts')).href);
  const scan = await import(pathToFileURL(join(src, 'guard', 'scan.ts')).href);
  const guard = index.createGuard(index.guardConfigSchema.parse({}));
  return { scanText: (t) => guard.scanText(t), recognizers: scan.BUILTIN_RECOGNIZERS };
}
