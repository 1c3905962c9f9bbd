/**
 * One cold-start sample for bench/pii-speed.ts: import the guard from the src/ directory given as
 * the argument, build it, scan the dense 4 KB prompt once (the first scan after construction), then
 * once more with every digit changed (a second never-seen text: numbers no check has seen).
 * Prints {"importMs","scanMs","nextMs"}.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { densePrompt, freshDigitVariants } from './pii-prompts.js';

const src = process.argv[2] as string;
const text = densePrompt();
const next = freshDigitVariants(text, 1, 1234)[0] as string;
const t0 = performance.now();
const index = await import(pathToFileURL(join(src, 'guard', 'index.ts')).href);
const guard = index.createGuard(index.guardConfigSchema.parse({}));
const t1 = performance.now();
guard.scanText(text);
const t2 = performance.now();
guard.scanText(next);
const t3 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, scanMs: t2 - t1, nextMs: t3 - t2 }));
