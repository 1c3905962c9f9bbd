/**
 * Generates a value that validates against a JSON Schema, deterministically (same schema and
 * seed → same value). Covers what tool parameters and `response_format` schemas use in practice:
 * type, properties/required, items/minItems, enum/const, default/examples, anyOf/oneOf/allOf,
 * string formats and numeric bounds, local `$ref` into `$defs`/`definitions`.
 */
import { seededRandom } from './determinism.js';

type Schema = Record<string, unknown>;

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

export function sampleFromSchema(schema: unknown, seed = 1): unknown {
  const rand = seededRandom(seed);
  return sample(asSchema(schema), asSchema(schema), rand, 'value', 0);
}

function asSchema(s: unknown): Schema {
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as Schema) : {};
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) return {};
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = asSchema(node)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return asSchema(node);
}

function sample(schema: Schema, root: Schema, rand: () => number, name: string, depth: number): unknown {
  if (depth > 12) return null;
  if (typeof schema.$ref === 'string') return sample(resolveRef(root, schema.$ref), root, rand, name, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[Math.floor(rand() * schema.enum.length)];
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (Array.isArray(schema.allOf)) {
    const merged: Schema = { ...schema };
    delete merged.allOf;
    for (const part of schema.allOf) mergeInto(merged, asSchema(part));
    return sample(merged, root, rand, name, depth + 1);
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length) {
    // Prefer a non-null branch: nullable fields are more useful filled in.
    const pick = alternatives.map(asSchema).find((a) => a.type !== 'null') ?? asSchema(alternatives[0]);
    return sample(pick, root, rand, name, depth + 1);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined) type = schema.properties ? 'object' : schema.items ? 'array' : 'string';
  switch (type) {
    case 'object':
      return sampleObject(schema, root, rand, depth);
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Math.max(min, 2);
      const count = Math.min(Math.max(min, 1), max);
      const items = asSchema(schema.items);
      return Array.from({ length: count }, () => sample(items, root, rand, singular(name), depth + 1));
    }
    case 'integer':
    case 'number':
      return sampleNumber(schema, rand, type === 'integer');
    case 'boolean':
      return rand() < 0.5;
    case 'null':
      return null;
    default:
      return sampleString(schema, rand, name);
  }
}

function sampleObject(schema: Schema, root: Schema, rand: () => number, depth: number): Record<string, unknown> {
  const props = asSchema(schema.properties);
  const out: Record<string, unknown> = {};
  // All declared properties are filled: strict (OpenAI structured output) schemas require them all.
  for (const key of Object.keys(props)) out[key] = sample(asSchema(props[key]), root, rand, key, depth + 1);
  for (const key of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
    if (!(key in out)) out[key] = sampleString({}, rand, key);
  }
  return out;
}

function sampleNumber(schema: Schema, rand: () => number, integer: boolean): number {
  const exMin = num(schema.exclusiveMinimum);
  const exMax = num(schema.exclusiveMaximum);
  const lo = num(schema.minimum) ?? (exMin !== undefined ? exMin + (integer ? 1 : 0.01) : 0);
  const hi = Math.max(lo, num(schema.maximum) ?? (exMax !== undefined ? exMax - (integer ? 1 : 0.01) : lo + 100));
  const step = num(schema.multipleOf);
  if (step) return Math.ceil(lo / step) * step;
  if (integer) {
    const a = Math.ceil(lo);
    const b = Math.max(a, Math.floor(hi));
    return a + Math.floor(rand() * (b - a + 1));
  }
  return Math.min(hi, Math.round((lo + rand() * (hi - lo)) * 100) / 100);
}

function sampleString(schema: Schema, rand: () => number, name: string): string {
  const format = schema.format;
  if (format === 'date-time') return '2024-01-01T00:00:00Z';
  if (format === 'date') return '2024-01-01';
  if (format === 'time') return '12:00:00Z';
  if (format === 'email') return 'user@example.com';
  if (format === 'uri' || format === 'url') return 'https://example.com/resource';
  if (format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (typeof schema.pattern === 'string') return patternSample(schema.pattern);
  const word = WORDS[Math.floor(rand() * WORDS.length)]!;
  let s = `${name}-${word}`;
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength);
  while (s.length < min) s += `-${word}`;
  if (max !== undefined) s = s.slice(0, max);
  return s;
}

/** Patterns cannot be inverted in general; common simple ones get a matching value. */
function patternSample(pattern: string): string {
  if (/\\d|\[0-9\]/.test(pattern) && !/[a-z]/i.test(pattern.replace(/\\d/g, ''))) return '12345';
  return 'sample';
}

function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : `${name}_item`;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function mergeInto(target: Schema, part: Schema): void {
  for (const [k, v] of Object.entries(part)) {
    if (k === 'properties') target.properties = { ...asSchema(target.properties), ...asSchema(v) };
    else if (k === 'required') target.required = [...((target.required as string[]) ?? []), ...(v as string[])];
    else target[k] = v;
  }
}
