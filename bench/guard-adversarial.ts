/**
 * Hostile text against every recognizer: long runs of one character class (no spaces, no digits
 * after letters…) are where a backtracking regex turns quadratic. Prints, per recognizer and input
 * kind, the scan time of 32 KB and its ratio to 8 KB (≈4 is linear; ≫4 is a defect to fix).
 * Run: npx tsx bench/guard-adversarial.ts
 */
import { createGuard, guardConfigSchema } from '../src/guard/index.js';
import { BUILTIN_TYPES } from '../src/guard/types.js';

const KINDS: Record<string, (n: number) => string> = {
  'é-run': (n) => 'é'.repeat(n),
  'A-run': (n) => 'A'.repeat(n),
  'a-run': (n) => 'a'.repeat(n),
  'digit-run': (n) => '1'.repeat(n),
  'Aa-words': (n) => 'Abc '.repeat(n / 4),
  'A1-mix': (n) => 'A1'.repeat(n / 2),
  'dots-at': (n) => 'a.@'.repeat(n / 3),
  'dashes-digits': (n) => '12-'.repeat(n / 3),
  'Cap-comma': (n) => 'Abc,'.repeat(n / 4),
  'space-digits': (n) => ' 1'.repeat(n / 2),
  'he-words': (n) => 'שלום '.repeat(n / 5),
  'he-in-latin': (n) => 'to דוד כהן and '.repeat(n / 15),
  'ar-titles': (n) => 'السيد محمد '.repeat(n / 11),
  'ja-san': (n) => '田中さん、'.repeat(n / 5),
};

function time(scan: (t: string) => unknown, text: string): number {
  scan(text);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    scan(text);
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1]!;
}

let worst = 0;
for (const type of BUILTIN_TYPES) {
  const guard = createGuard(guardConfigSchema.parse({ disabledTypes: BUILTIN_TYPES.filter((t) => t !== type) }));
  const scan = (t: string) => guard.scanText(t);
  const cells: string[] = [];
  for (const [kind, make] of Object.entries(KINDS)) {
    const small = time(scan, make(8192));
    const large = time(scan, make(32768));
    const ratio = large / Math.max(small, 0.05);
    worst = Math.max(worst, large);
    if (large > 5 || ratio > 8) cells.push(`${kind} ${large.toFixed(1)} ms (×${ratio.toFixed(1)})`);
  }
  console.log(`${type.padEnd(16)} ${cells.length ? cells.join('; ') : 'linear, < 5 ms at 32 KB'}`);
}
console.log(`worst 32 KB scan: ${worst.toFixed(1)} ms`);
