/**
 * The mock's only sources of "randomness": a stable string hash and a seeded PRNG. Everything the
 * mock answers is a function of the request (and the rule file's seed), so two runs of the same
 * suite see the same bytes.
 */

/** 32-bit FNV-1a: stable across processes and platforms. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hashHex(text: string, length = 8): string {
  let out = '';
  let seed = text;
  while (out.length < length) {
    out += hash32(seed).toString(16).padStart(8, '0');
    seed += '#';
  }
  return out.slice(0, length);
}

export { seededRandom } from '../util/random.js';

/** JSON with object keys sorted, so equal values always serialize to equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
