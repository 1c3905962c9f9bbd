/**
 * How much a single word looks like a person's name, from its letters alone (0..1). A small
 * logistic regression over hashed character n-grams (name-features.ts), trained at build time by
 * scripts/train-name-model.ts; the weights (64 Ki int8, data/name-model/weights.bin) are read on
 * first use. A data file rather than a base64 string in TypeScript: V8 keeps a module's source
 * text, so a string constant in source costs its text twice (docs/performance.md, "Memory").
 * Used only for capitalised words the name lists do not know, together with context rules.
 */
import { readFileSync } from 'node:fs';
import { forEachFeature } from './name-features.js';
import { NAME_MODEL_BIAS, NAME_MODEL_SCALE } from './name-weights.js';

let weights: Int8Array | undefined;

/** The same path from src/ and dist/; data/ ships in the npm package. */
const WEIGHTS = new URL('../../../data/name-model/weights.bin', import.meta.url);

function load(): Int8Array {
  const bytes = readFileSync(WEIGHTS);
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** P(name | word), `word` in lower case. */
export function nameProbability(word: string): number {
  const w = (weights ??= load());
  let z = 0;
  forEachFeature(word, (b) => (z += w[b] as number));
  z = NAME_MODEL_BIAS + z * NAME_MODEL_SCALE;
  return 1 / (1 + Math.exp(-z));
}
