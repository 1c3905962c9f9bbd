/**
 * Privacy-guard recall as issue #11 measures it: a labelled value counts as protected when it did
 * not reach the upstream intact (some finding overlaps it; addresses: no part of it left uncovered,
 * by any finding type). Over-redaction: share of unlabelled words that a finding touches.
 * Run: npx tsx bench/pii-recall.ts
 *   dev: /work/shared/data/pii/presidio-generated-large.json (presidio-research, MIT)
 *   held-out: bench/data/pii-heldout.json (scripts/gen-recall-heldout.ts; sources disjoint from
 *   the guard's name data and never used for tuning)
 * Then the 4 KB dense-PII prompt: the first (cold) scan in this process and the warm median.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGuard, guardConfigSchema } from '../src/guard/index.js';
import { GIVEN, SURNAME } from '../src/guard/data/name-sets.js';
import { measure, print, recallSets, type Labelled } from './lib/pii-recall-measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const guard = createGuard(guardConfigSchema.parse({}));

// ---- cold, before anything else has warmed the recognizers ----
const DENSE_PARTS = [
  'Patient: Ksenia Volkonskaya, DOB 1984-03-02, SSN 536-22-1398, phone +44 20 7946 0958. ',
  'Card 4539 2018 5573 4626 exp 09/27; IBAN DE89 3704 0044 0532 0130 00; mail k.volk@example.org. ',
  'Ship to 221 Baker Street, Apt 4, London NW1 6XE. Contact Dr. Emmie Ström or Asya Godina. ',
  'Server 10.20.30.40 logged user Mathias Ruud; driver licence D1234567; ZIP: 394 13. ',
];
function dense(bytes: number): string {
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += DENSE_PARTS[i % DENSE_PARTS.length];
  return s.slice(0, bytes);
}
const prompt4k = dense(4096);
let t0 = performance.now();
guard.scanText(prompt4k);
const coldMs = performance.now() - t0;

const heldPath = join(here, 'data', 'pii-heldout.json');
for (const set of recallSets('/work/shared/data/pii/presidio-generated-large.json', heldPath)) {
  print(
    set.title,
    measure(set.examples, (text) => guard.scanText(text), set.groupOf),
  );
}
const held = JSON.parse(readFileSync(heldPath, 'utf8')) as Labelled[];
// How many held-out name words the lists know (the rest is found by context and shape only).
let known = 0;
let total = 0;
for (const ex of held) {
  for (const s of ex.spans) {
    if (s.type !== 'person') continue;
    for (const w of ex.text.slice(s.start, s.end).split(/\s+/)) {
      total++;
      if (GIVEN.has(w.toLowerCase()) || SURNAME.has(w.toLowerCase())) known++;
    }
  }
}
console.log(`\nheld-out name words in the guard's lists: ${((100 * known) / total).toFixed(1)}% (${known}/${total})`);

// ---- warm ----
for (let i = 0; i < 200; i++) guard.scanText(prompt4k);
const times: number[] = [];
for (let i = 0; i < 1000; i++) {
  t0 = performance.now();
  guard.scanText(prompt4k);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(
  `\n4 KB dense-PII prompt: cold ${coldMs.toFixed(2)} ms (first scan in process), warm p50 ${(times[500] as number).toFixed(3)} ms, p90 ${(times[900] as number).toFixed(3)} ms`,
);
