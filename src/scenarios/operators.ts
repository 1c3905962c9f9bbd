/**
 * Assertion operators. Each takes the actual value (from a JSON path) and the expected value from
 * the scenario and says whether it holds and, if not, why in words.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Operator } from './types.js';

export const OPERATORS: readonly Operator[] = [
  'equals',
  'not_equals',
  'contains',
  'not_contains',
  'matches',
  'less_than',
  'greater_than',
  'exists',
  'not_exists',
  'type_is',
  'length',
  'one_of',
  'json_schema',
];

export interface Verdict {
  passed: boolean;
  message?: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => deepEqual(ao[k], bo[k]));
}

/** Equality that lets a header string "200" equal the number 200 — scenarios are hand-written. */
function looseEqual(actual: unknown, expected: unknown): boolean {
  if (deepEqual(actual, expected)) return true;
  const scalar = (v: unknown) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';
  return scalar(actual) && scalar(expected) && typeof actual !== typeof expected && String(actual) === String(expected);
}

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function lengthOf(v: unknown): number | undefined {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  return undefined;
}

export function toRegExp(pattern: unknown): RegExp {
  const text = String(pattern);
  const m = /^\/(.*)\/([dgimsuy]*)$/s.exec(text);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(text);
}

function contains(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'string') return actual.includes(String(expected));
  if (Array.isArray(actual))
    return actual.some((a) => looseEqual(a, expected) || (typeof a === 'string' && typeof expected === 'string' && a.includes(expected)));
  if (actual && typeof actual === 'object') {
    if (typeof expected === 'string') return expected in actual;
    if (expected && typeof expected === 'object') {
      return Object.entries(expected).every(([k, v]) => looseEqual((actual as Record<string, unknown>)[k], v));
    }
  }
  return false;
}

function schemaValidator(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(schema as object);
    compiled.set(key, v);
  }
  return v;
}

export function evaluate(operator: Operator, actual: unknown, expected: unknown): Verdict {
  const fail = (message: string): Verdict => ({ passed: false, message });
  const ok: Verdict = { passed: true };
  switch (operator) {
    case 'equals':
      return looseEqual(actual, expected) ? ok : fail('values differ');
    case 'not_equals':
      return looseEqual(actual, expected) ? fail('values are equal') : ok;
    case 'contains':
      return contains(actual, expected) ? ok : fail(actual === undefined ? 'field is missing' : 'not contained');
    case 'not_contains':
      return contains(actual, expected) ? fail('is contained') : ok;
    case 'matches':
      if (typeof actual !== 'string' && typeof actual !== 'number') return fail(`expected a string, got ${typeOf(actual)}`);
      return toRegExp(expected).test(String(actual)) ? ok : fail('does not match');
    case 'less_than':
    case 'greater_than': {
      const a = toNumber(actual);
      const e = toNumber(expected);
      if (a === undefined || e === undefined) return fail(`expected numbers, got ${typeOf(actual)}`);
      const holds = operator === 'less_than' ? a < e : a > e;
      return holds ? ok : fail(`${a} is not ${operator === 'less_than' ? '<' : '>'} ${e}`);
    }
    case 'exists':
      return actual !== undefined && actual !== null ? ok : fail('field is missing');
    case 'not_exists':
      return actual === undefined || actual === null ? ok : fail('field is present');
    case 'type_is': {
      const t = typeOf(actual);
      const want = String(expected);
      return t === want || (want === 'number' && t === 'integer') ? ok : fail(`type is ${t}`);
    }
    case 'length': {
      const n = lengthOf(actual);
      if (n === undefined) return fail(`${typeOf(actual)} has no length`);
      if (typeof expected === 'number') return n === expected ? ok : fail(`length is ${n}`);
      const range = (expected ?? {}) as { min?: number; max?: number; equals?: number };
      if (range.equals !== undefined && n !== range.equals) return fail(`length is ${n}`);
      if (range.min !== undefined && n < range.min) return fail(`length ${n} < min ${range.min}`);
      if (range.max !== undefined && n > range.max) return fail(`length ${n} > max ${range.max}`);
      return ok;
    }
    case 'one_of':
      if (!Array.isArray(expected)) return fail('one_of needs a list as value');
      return expected.some((e) => looseEqual(actual, e)) ? ok : fail('not one of the allowed values');
    case 'json_schema': {
      let subject = actual;
      const wantsString = (expected as { type?: unknown } | null)?.type === 'string';
      // Model output is JSON text; validate the value it encodes.
      if (typeof actual === 'string' && !wantsString) {
        try {
          subject = JSON.parse(actual);
        } catch {
          return fail('text is not JSON');
        }
      }
      const validate = schemaValidator(expected);
      return validate(subject) ? ok : fail(ajv.errorsText(validate.errors, { dataVar: 'value' }));
    }
    default:
      return fail(`unknown operator '${String(operator)}' (known: ${OPERATORS.join(', ')})`);
  }
}
