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
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGuard, guardConfigSchema } from '../src/guard/index.js';
import { GIVEN, SURNAME } from '../src/guard/data/name-sets.js';
import type { Finding } from '../src/guard/types.js';
import { fromPresidio, type LabelledExample } from './pii-eval.js';

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

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;

interface Tally {
  gold: number;
  found: number;
}
/** `other`: spans of types the guard does not report (places, organisations, dates): not words to keep. */
type Labelled = LabelledExample & { set?: string; lang?: string; other?: Array<{ start: number; end: number }> };

function protectedValue(text: string, span: { type: string; start: number; end: number }, found: Finding[]): boolean {
  if (span.type !== 'address') return found.some((f) => overlaps(f, span));
  for (let k = span.start; k < span.end; k++) {
    if (/[\s,.]/.test(text.charAt(k))) continue;
    if (!found.some((f) => f.start <= k && k < f.end)) return false;
  }
  return true;
}

function measure(examples: Labelled[], groupOf: (ex: Labelled, type: string) => string[]) {
  const tallies = new Map<string, Tally>();
  let words = 0;
  let masked = 0;
  for (const ex of examples) {
    const found = guard.scanText(ex.text);
    for (const s of ex.spans) {
      for (const key of groupOf(ex, s.type)) {
        const t = tallies.get(key) ?? { gold: 0, found: 0 };
        t.gold++;
        if (protectedValue(ex.text, s, found)) t.found++;
        tallies.set(key, t);
      }
    }
    for (const m of ex.text.matchAll(/\p{L}[\p{L}\p{M}'’\-]*/gu)) {
      const w = { start: m.index, end: m.index + m[0].length };
      if (ex.spans.some((s) => overlaps(s, w)) || ex.other?.some((s) => overlaps(s, w))) continue;
      words++;
      if (found.some((f) => overlaps(f, w))) masked++;
    }
  }
  return { tallies, overRedaction: words === 0 ? 0 : masked / words };
}

function print(title: string, r: ReturnType<typeof measure>): void {
  console.log(`\n${title}`);
  for (const [key, t] of [...r.tallies].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${key.padEnd(24)} recall ${(t.found / t.gold).toFixed(3)}  (${t.found}/${t.gold})`);
  }
  console.log(`  over-redaction (unlabelled words masked): ${(100 * r.overRedaction).toFixed(2)}%`);
}

const devPath = '/work/shared/data/pii/presidio-generated-large.json';
if (existsSync(devPath)) {
  const raw = JSON.parse(readFileSync(devPath, 'utf8')) as Array<{ spans: Array<{ start_position: number; end_position: number }> }>;
  const examples: Labelled[] = fromPresidio(raw as never).examples.map((ex, i) => ({
    ...ex,
    other: (raw[i] as (typeof raw)[number]).spans.map((s) => ({ start: s.start_position, end: s.end_position })),
  }));
  print(
    'dev: presidio-generated-large (2,109 sentences)',
    measure(examples, (_, type) => [type]),
  );
}

const heldPath = join(here, 'data', 'pii-heldout.json');
const held = JSON.parse(readFileSync(heldPath, 'utf8')) as Labelled[];
for (const set of ['templated', 'templated-b', 'prose']) {
  const part = held.filter((e) => e.set === set);
  print(
    `held-out ${set} (${part.length} examples)`,
    measure(part, (ex, type) => (set === 'prose' && type === 'person' ? [type, `person/${ex.lang}`] : [type])),
  );
}
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
