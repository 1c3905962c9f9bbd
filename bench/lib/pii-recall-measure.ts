/**
 * Recall as issue #11 measures it, shared by bench/pii-recall.ts (the built-in scan) and
 * bench/pii-recall-backends.ts (inspect() with a back-end): a labelled value counts as protected
 * when it did not reach the upstream intact (some finding overlaps it; addresses: no part of it
 * left uncovered, by any finding type). Over-redaction: share of unlabelled words a finding touches.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fromPresidio, type LabelledExample } from '../pii-eval.js';

export interface Span {
  start: number;
  end: number;
}
export interface Tally {
  gold: number;
  found: number;
}
/** `other`: spans of types the guard does not report (places, organisations, dates): not words to keep. */
export type Labelled = LabelledExample & { set?: string; lang?: string; other?: Span[] };
export interface Measured {
  tallies: Map<string, Tally>;
  overRedaction: number;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

function protectedValue(text: string, span: { type: string } & Span, found: readonly Span[]): boolean {
  if (span.type !== 'address') return found.some((f) => overlaps(f, span));
  for (let k = span.start; k < span.end; k++) {
    if (/[\s,.]/.test(text.charAt(k))) continue;
    if (!found.some((f) => f.start <= k && k < f.end)) return false;
  }
  return true;
}

/** Adds one example's outcome to `acc`: `groupOf` names the tallies a labelled span counts in. */
export function tallyExample(
  acc: { tallies: Map<string, Tally>; words: number; masked: number },
  ex: Labelled,
  found: readonly Span[],
  groupOf: (ex: Labelled, type: string) => string[],
): void {
  for (const s of ex.spans) {
    for (const key of groupOf(ex, s.type)) {
      const t = acc.tallies.get(key) ?? { gold: 0, found: 0 };
      t.gold++;
      if (protectedValue(ex.text, s, found)) t.found++;
      acc.tallies.set(key, t);
    }
  }
  for (const m of ex.text.matchAll(/\p{L}[\p{L}\p{M}'’\-]*/gu)) {
    const w = { start: m.index, end: m.index + m[0].length };
    if (ex.spans.some((s) => overlaps(s, w)) || ex.other?.some((s) => overlaps(s, w))) continue;
    acc.words++;
    if (found.some((f) => overlaps(f, w))) acc.masked++;
  }
}

export function newAccumulator(): { tallies: Map<string, Tally>; words: number; masked: number } {
  return { tallies: new Map(), words: 0, masked: 0 };
}

export function result(acc: { tallies: Map<string, Tally>; words: number; masked: number }): Measured {
  return { tallies: acc.tallies, overRedaction: acc.words === 0 ? 0 : acc.masked / acc.words };
}

/** The built-in scan's findings (synchronous) over a whole set. */
export function measure(
  examples: Labelled[],
  find: (text: string) => readonly Span[],
  groupOf: (ex: Labelled, type: string) => string[],
): Measured {
  const acc = newAccumulator();
  for (const ex of examples) tallyExample(acc, ex, find(ex.text), groupOf);
  return result(acc);
}

export function print(title: string, r: Measured): void {
  console.log(`\n${title}`);
  for (const [key, t] of [...r.tallies].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${key.padEnd(24)} recall ${(t.found / t.gold).toFixed(3)}  (${t.found}/${t.gold})`);
  }
  console.log(`  over-redaction (unlabelled words masked): ${(100 * r.overRedaction).toFixed(2)}%`);
}

/** The held-out sets' grouping: prose person recall also per language. */
export function heldOutGroups(set: string): (ex: Labelled, type: string) => string[] {
  return (ex, type) => (set === 'prose' && type === 'person' ? [type, `person/${ex.lang}`] : [type]);
}

/** A labelled set to measure, with the grouping its rows are printed in. */
export interface RecallSet {
  title: string;
  examples: Labelled[];
  groupOf: (ex: Labelled, type: string) => string[];
}

/** The development set (when ../shared is beside the repository) and the three held-out sets. */
export function recallSets(devPath: string, heldOutPath: string): RecallSet[] {
  const sets: RecallSet[] = [];
  if (existsSync(devPath)) {
    const raw = JSON.parse(readFileSync(devPath, 'utf8')) as Array<{ spans: Array<{ start_position: number; end_position: number }> }>;
    const examples: Labelled[] = fromPresidio(raw as never).examples.map((ex, i) => ({
      ...ex,
      other: (raw[i] as (typeof raw)[number]).spans.map((s) => ({ start: s.start_position, end: s.end_position })),
    }));
    sets.push({
      title: `dev: presidio-generated-large (${examples.length.toLocaleString('en')} sentences)`,
      examples,
      groupOf: (_, type) => [type],
    });
  }
  const held = JSON.parse(readFileSync(heldOutPath, 'utf8')) as Labelled[];
  for (const set of ['templated', 'templated-b', 'prose']) {
    const part = held.filter((e) => e.set === set);
    sets.push({ title: `held-out ${set} (${part.length} examples)`, examples: part, groupOf: heldOutGroups(set) });
  }
  return sets;
}
