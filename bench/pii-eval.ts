/** Span-overlap precision/recall/F1 per entity type, shared by bench/pii.ts and the floor test. */
import type { Finding } from '../src/guard/types.js';

export interface LabelledSpan {
  type: string;
  start: number;
  end: number;
}
export interface LabelledExample {
  text: string;
  spans: LabelledSpan[];
}
export interface TypeScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start < b.end && b.start < a.end;

/**
 * A predicted span is a true positive when it overlaps a gold span of the same type; a gold span is
 * found when any prediction of its type overlaps it. Predictions of types in `ignoreTypes` are not
 * scored. Returns per-type scores for every type seen in gold or predictions.
 */
export function evaluate(
  examples: LabelledExample[],
  scan: (text: string) => Finding[],
  ignoreTypes: ReadonlySet<string> = new Set(),
): Record<string, TypeScore> {
  const acc = new Map<string, { tp: number; fp: number; fn: number; found: number; gold: number }>();
  const get = (t: string) => {
    let a = acc.get(t);
    if (!a) acc.set(t, (a = { tp: 0, fp: 0, fn: 0, found: 0, gold: 0 }));
    return a;
  };
  for (const ex of examples) {
    const predicted = scan(ex.text).filter((p) => !ignoreTypes.has(p.type));
    for (const p of predicted) {
      const a = get(p.type);
      if (ex.spans.some((g) => g.type === p.type && overlaps(g, p))) a.tp++;
      else a.fp++;
    }
    for (const g of ex.spans) {
      const a = get(g.type);
      a.gold++;
      if (predicted.some((p) => p.type === g.type && overlaps(g, p))) a.found++;
      else a.fn++;
    }
  }
  const out: Record<string, TypeScore> = {};
  for (const [type, a] of [...acc].sort(([x], [y]) => x.localeCompare(y))) {
    const precision = a.tp + a.fp === 0 ? 1 : a.tp / (a.tp + a.fp);
    const recall = a.gold === 0 ? 1 : a.found / a.gold;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    out[type] = { tp: a.tp, fp: a.fp, fn: a.fn, precision, recall, f1 };
  }
  return out;
}

/** Presidio-research entity types → ours; others are reported as not evaluated. */
export const PRESIDIO_TYPE_MAP: Readonly<Record<string, string>> = {
  PERSON: 'person',
  EMAIL_ADDRESS: 'email',
  PHONE_NUMBER: 'phone',
  CREDIT_CARD: 'credit_card',
  IBAN_CODE: 'iban',
  US_SSN: 'us_ssn',
  IP_ADDRESS: 'ip_address',
  ADDRESS: 'address',
  STREET_ADDRESS: 'address',
  US_DRIVER_LICENSE: 'drivers_license',
};

interface PresidioRecord {
  full_text: string;
  spans: Array<{ entity_type: string; start_position: number; end_position: number }>;
}

export function fromPresidio(records: PresidioRecord[]): { examples: LabelledExample[]; unmapped: Record<string, number> } {
  const unmapped: Record<string, number> = {};
  const examples = records.map((r) => ({
    text: r.full_text,
    spans: r.spans.flatMap((s) => {
      const type = PRESIDIO_TYPE_MAP[s.entity_type];
      if (!type) {
        unmapped[s.entity_type] = (unmapped[s.entity_type] ?? 0) + 1;
        return [];
      }
      return [{ type, start: s.start_position, end: s.end_position }];
    }),
  }));
  return { examples, unmapped };
}
