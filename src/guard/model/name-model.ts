/**
 * How much a single word looks like a person's name, from its letters alone (0..1). A small
 * logistic regression over hashed character n-grams (name-features.ts), trained at build time by
 * scripts/train-name-model.ts; the weights (64 Ki int8, ~90 KB) are decoded on first use.
 * Used only for capitalised words the name lists do not know, together with context rules.
 */
import { forEachFeature } from './name-features.js';
import { NAME_MODEL_BIAS, NAME_MODEL_SCALE, NAME_MODEL_WEIGHTS } from './name-weights.js';

let weights: Int8Array | undefined;

function load(): Int8Array {
  const bytes = Buffer.from(NAME_MODEL_WEIGHTS, 'base64');
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
