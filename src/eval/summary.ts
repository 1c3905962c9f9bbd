/**
 * Per-target figures and the verdict line. The verdict compares each other target with the
 * reference target on the same cases:
 *   share     = |cases both pass| / |cases the reference passes|
 *   costRatio = candidate's total cost / reference's total cost (all cases, passed or not)
 * → "local passes 93% of what cloud passes at 4% of its cost".
 */
import type { CellResult, EvalTarget, TargetSummary, TokenCounts, Verdict } from './types.js';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

export function summarizeTarget(target: EvalTarget, results: CellResult[], suiteThreshold: number): TargetSummary {
  const mine = results.filter((r) => r.target === target.label);
  const passed = mine.filter((r) => r.pass).length;
  const latencies = mine.map((r) => r.latencyMs).sort((a, b) => a - b);
  const tokens: TokenCounts = { prompt: 0, completion: 0, total: 0 };
  for (const r of mine) {
    tokens.prompt += r.tokens.prompt;
    tokens.completion += r.tokens.completion;
    tokens.total += r.tokens.total;
  }
  const passRate = mine.length ? passed / mine.length : 0;
  const threshold = target.threshold ?? suiteThreshold;
  return {
    target: target.label,
    model: target.model,
    cases: mine.length,
    passed,
    failed: mine.length - passed,
    errors: mine.filter((r) => r.error !== undefined).length,
    passRate: round(passRate, 4),
    meanScore: mine.length ? round(mine.reduce((n, r) => n + r.score, 0) / mine.length, 4) : 0,
    costUsd: round(
      mine.reduce((n, r) => n + (r.costUsd ?? 0), 0),
      10,
    ),
    costUnknown: mine.filter((r) => r.costUsd === undefined).length,
    meanLatencyMs: mine.length ? Math.round(latencies.reduce((n, l) => n + l, 0) / mine.length) : 0,
    p95LatencyMs: Math.round(percentile(latencies, 0.95)),
    tokens,
    threshold,
    meetsThreshold: mine.length > 0 && passRate >= threshold,
  };
}

function percent(x: number): string {
  const p = x * 100;
  return p > 0 && p < 1 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

export function verdict(candidate: TargetSummary, reference: TargetSummary, results: CellResult[]): Verdict {
  const passedBy = (label: string) => new Set(results.filter((r) => r.target === label && r.pass).map((r) => r.caseKey));
  const refPassed = passedBy(reference.target);
  const candPassed = passedBy(candidate.target);
  const both = [...refPassed].filter((k) => candPassed.has(k)).length;
  const out: Verdict = {
    candidate: candidate.target,
    reference: reference.target,
    referencePassed: refPassed.size,
    bothPassed: both,
    text: '',
  };
  if (refPassed.size) out.share = round(both / refPassed.size, 4);
  const costKnown = reference.costUnknown < reference.cases && reference.costUsd > 0;
  if (costKnown) out.costRatio = round(candidate.costUsd / reference.costUsd, 6);
  const quality =
    out.share === undefined
      ? `${candidate.target} passes ${candidate.passed} case(s); ${reference.target} passes none, so there is nothing to compare`
      : `${candidate.target} passes ${percent(out.share)} of what ${reference.target} passes (${both}/${refPassed.size})`;
  const cost =
    out.costRatio !== undefined
      ? ` at ${percent(out.costRatio)} of its cost`
      : `; ${reference.target}'s cost is unknown or zero, so no cost ratio`;
  out.text = quality + cost;
  return out;
}

/** One verdict per non-reference target; none when the suite has a single target. */
export function verdicts(summaries: TargetSummary[], referenceLabel: string | undefined, results: CellResult[]): Verdict[] {
  const reference = summaries.find((s) => s.target === (referenceLabel ?? summaries[0]?.target));
  if (!reference) return [];
  return summaries.filter((s) => s !== reference).map((s) => verdict(s, reference, results));
}
