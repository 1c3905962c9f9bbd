/**
 * Runs a case's assertions and scores the case the way promptfoo does: `not-<type>` negates any
 * assertion; the case score is the weighted mean of assertion scores (weight default 1; weight 0
 * is reported but never fails the case); a case passes when every weighted assertion passes, or,
 * when the case sets `threshold`, when its score reaches it.
 */
import { interpolate } from '../../scenarios/template.js';
import type { AssertionOutcome, EvalAssertion } from '../types.js';
import type { AssertionContext, AssertionFn, Check } from './context.js';
import { DETERMINISTIC } from './deterministic.js';
import { EMBEDDING_BASED, MODEL_GRADED } from './model-graded.js';

const ALL: Record<string, AssertionFn> = { ...DETERMINISTIC, ...MODEL_GRADED, ...EMBEDDING_BASED };

export const ASSERTION_TYPES: readonly string[] = Object.keys(ALL);

/** The base type and whether it is negated (`not-contains` → contains, true). */
export function splitType(type: string): { base: string; negated: boolean } {
  return type.startsWith('not-') ? { base: type.slice(4), negated: true } : { base: type, negated: false };
}

export function isKnownAssertion(type: string): boolean {
  return splitType(type).base in ALL;
}

export function needsJudge(type: string): boolean {
  return splitType(type).base in MODEL_GRADED;
}

export function needsEmbedding(type: string): boolean {
  return splitType(type).base in EMBEDDING_BASED;
}

export async function runAssertion(assertion: EvalAssertion, ctx: AssertionContext): Promise<AssertionOutcome> {
  const { base, negated } = splitType(assertion.type);
  const weight = assertion.weight ?? 1;
  const name = assertion.metric ?? assertion.type;
  const fn = ALL[base];
  let check: Check;
  if (!fn) check = { pass: false, reason: `unknown assertion type '${assertion.type}'` };
  else {
    try {
      // promptfoo renders {{vars}} in assertion values too (a reference answer per case).
      const value = interpolate(assertion.value, ctx.vars, {});
      check = await fn(assertion, value, ctx);
    } catch (err) {
      check = { pass: false, reason: (err as Error).message ?? String(err) };
    }
  }
  let score = check.score ?? (check.pass ? 1 : 0);
  let pass = check.pass;
  let reason = check.reason;
  if (negated && fn) {
    pass = !pass;
    score = 1 - score;
    reason = `not: ${reason}`;
  }
  return { type: assertion.type, name, pass, score: round(score), weight, reason: reason.slice(0, 1000) };
}

export function scoreCase(outcomes: AssertionOutcome[], threshold: number | undefined): { pass: boolean; score: number } {
  const weighted = outcomes.filter((o) => o.weight > 0);
  const total = weighted.reduce((n, o) => n + o.weight, 0);
  const score = total > 0 ? weighted.reduce((n, o) => n + o.weight * o.score, 0) / total : 1;
  const pass = threshold !== undefined ? score >= threshold : weighted.every((o) => o.pass);
  return { pass, score: round(score) };
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
