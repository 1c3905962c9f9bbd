/**
 * Privacy-guard quality and speed. Run: npx tsx bench/pii.ts [--quick]
 * (a) the generated corpus test/fixtures/pii/corpus.json (scripts/gen-pii-corpus.ts)
 * (b) ../shared/data/pii/presidio-generated-large.json (presidio-research, MIT), types mapped
 * Then scan throughput (MB/s) on 1 KB and 32 KB prompts and the median µs for a 4 KB prompt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGuard, guardConfigSchema } from '../src/guard/index.js';
import { evaluate, fromPresidio, type LabelledExample, type TypeScore } from './pii-eval.js';

const here = dirname(fileURLToPath(import.meta.url));
const guard = createGuard(guardConfigSchema.parse({}));
const scan = (t: string) => guard.scanText(t);

function table(title: string, scores: Record<string, TypeScore>): void {
  console.log(`\n${title}`);
  console.log('type           precision  recall     f1     tp    fp    fn');
  for (const [type, s] of Object.entries(scores)) {
    console.log(
      `${type.padEnd(14)} ${s.precision.toFixed(3).padStart(9)} ${s.recall.toFixed(3).padStart(7)} ${s.f1.toFixed(3).padStart(6)} ${String(s.tp).padStart(6)} ${String(s.fp).padStart(5)} ${String(s.fn).padStart(5)}`,
    );
  }
}

const corpusPath = join(here, '..', 'test', 'fixtures', 'pii', 'corpus.json');
const corpus = JSON.parse(readFileSync(corpusPath, 'utf8')) as LabelledExample[];
table(`(a) generated corpus: ${corpus.length} examples`, evaluate(corpus, scan));

const presidioPath = join(here, '..', '..', 'shared', 'data', 'pii', 'presidio-generated-large.json');
const altPresidioPath = '/work/shared/data/pii/presidio-generated-large.json';
const presidioFile = existsSync(presidioPath) ? presidioPath : altPresidioPath;
if (existsSync(presidioFile)) {
  const { examples, unmapped } = fromPresidio(JSON.parse(readFileSync(presidioFile, 'utf8')));
  table(`(b) presidio-generated-large: ${examples.length} sentences`, evaluate(examples, scan));
  // Tuning used the even-indexed half only (bench/pii-errors.ts); the odd half is the held-out check.
  table(
    '(b1) presidio, even indices (tuning half)',
    evaluate(
      examples.filter((_, i) => i % 2 === 0),
      scan,
    ),
  );
  table(
    '(b2) presidio, odd indices (held out)',
    evaluate(
      examples.filter((_, i) => i % 2 === 1),
      scan,
    ),
  );
  console.log(
    `not evaluated (no matching guard type): ${Object.entries(unmapped)
      .map(([t, n]) => `${t}=${n}`)
      .join(', ')}`,
  );
} else console.log('\n(b) presidio set not found; skipped');

// ---- speed ----
function prompt(bytes: number): string {
  const parts = [
    'Please review the attached quarterly summary and draft a reply to the customer. ',
    'The service was migrated last week and latency improved by 12 percent on average. ',
    'Contact Maria Lopez at maria.lopez@example.com or +1 415 555 0132 if anything is unclear. ',
    'Version 2.4.1 of the client fixes the retry bug; see ticket 48213 for the details. ',
    'Our office at 221 Baker Street is closed on Monday; the invoice total was $1,284.50. ',
    'function add(a, b) { return a + b; } // a helper the team asked for in review. ',
  ];
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += parts[i % parts.length];
  return s.slice(0, bytes);
}
const quick = process.argv.includes('--quick');
function throughput(bytes: number): number {
  const text = prompt(bytes);
  for (let i = 0; i < 50; i++) scan(text);
  const budgetMs = quick ? 200 : 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    scan(text);
    n++;
  }
  const s = (performance.now() - t0) / 1000;
  return (bytes * n) / s / 1e6;
}
function medianMicros(bytes: number, runs: number): number {
  const text = prompt(bytes);
  for (let i = 0; i < 100; i++) scan(text);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    scan(text);
    times.push((performance.now() - t0) * 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
console.log('\nspeed (single core, this machine)');
console.log(`  1 KB prompt:  ${throughput(1024).toFixed(1)} MB/s`);
console.log(`  32 KB prompt: ${throughput(32 * 1024).toFixed(1)} MB/s`);
console.log(`  4 KB prompt:  median ${medianMicros(4096, quick ? 300 : 2000).toFixed(1)} µs per scan (target < 200 µs)`);
