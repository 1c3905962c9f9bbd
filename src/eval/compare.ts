/**
 * `eval compare A B`: what changed between two runs of the same suite, per target and case —
 * regressions (passed in A, fail in B), fixes (the reverse), score deltas, and cases present in
 * only one run. Cells are matched by target label and case key.
 */
import type { CellResult, EvalRun } from './types.js';

export interface CellChange {
  target: string;
  caseKey: string;
  scoreA: number;
  scoreB: number;
  delta: number;
  /** B's failing assertions (regressions) or error. */
  reasons: string[];
  outputB: string;
}

export interface RunComparison {
  runA: string;
  runB: string;
  regressions: CellChange[];
  fixes: CellChange[];
  /** Cells whose pass/fail held but whose score moved by at least 0.01. */
  scoreChanges: CellChange[];
  onlyInA: string[];
  onlyInB: string[];
  targets: Array<{ target: string; passRateA?: number; passRateB?: number; costA?: number; costB?: number }>;
}

const cellId = (c: CellResult) => `${c.target}\u0000${c.caseKey}`;

function change(a: CellResult, b: CellResult): CellChange {
  const reasons = b.error ? [b.error] : b.assertions.filter((x) => !x.pass).map((x) => `${x.name}: ${x.reason}`);
  return {
    target: b.target,
    caseKey: b.caseKey,
    scoreA: a.score,
    scoreB: b.score,
    delta: Math.round((b.score - a.score) * 10_000) / 10_000,
    reasons,
    outputB: b.output,
  };
}

export function compareRuns(a: EvalRun, b: EvalRun): RunComparison {
  const inA = new Map(a.results.map((c) => [cellId(c), c]));
  const inB = new Map(b.results.map((c) => [cellId(c), c]));
  const out: RunComparison = {
    runA: a.runId,
    runB: b.runId,
    regressions: [],
    fixes: [],
    scoreChanges: [],
    onlyInA: [],
    onlyInB: [],
    targets: [],
  };
  for (const [id, cb] of inB) {
    const ca = inA.get(id);
    if (!ca) {
      out.onlyInB.push(`${cb.target} / ${cb.caseKey}`);
      continue;
    }
    if (ca.pass && !cb.pass) out.regressions.push(change(ca, cb));
    else if (!ca.pass && cb.pass) out.fixes.push(change(ca, cb));
    else if (Math.abs(cb.score - ca.score) >= 0.01) out.scoreChanges.push(change(ca, cb));
  }
  for (const [id, ca] of inA) if (!inB.has(id)) out.onlyInA.push(`${ca.target} / ${ca.caseKey}`);
  const labels = [...new Set([...a.targets.map((t) => t.target), ...b.targets.map((t) => t.target)])];
  out.targets = labels.map((target) => {
    const ta = a.targets.find((t) => t.target === target);
    const tb = b.targets.find((t) => t.target === target);
    return {
      target,
      ...(ta ? { passRateA: ta.passRate, costA: ta.costUsd } : {}),
      ...(tb ? { passRateB: tb.passRate, costB: tb.costUsd } : {}),
    };
  });
  return out;
}

export function renderComparison(c: RunComparison): string {
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 100)}%`);
  const lines = [`Comparing ${c.runA} (A) → ${c.runB} (B)`, ''];
  for (const t of c.targets)
    lines.push(`  ${t.target}: pass rate ${pct(t.passRateA)} → ${pct(t.passRateB)}, cost $${t.costA ?? '—'} → $${t.costB ?? '—'}`);
  lines.push('', `Regressions (passed in A, fail in B): ${c.regressions.length}`);
  for (const r of c.regressions) {
    lines.push(`  ✗ [${r.target}] ${r.caseKey}  score ${r.scoreA} → ${r.scoreB}`);
    for (const why of r.reasons) lines.push(`      ${why}`);
    lines.push(`      output: ${JSON.stringify(r.outputB.slice(0, 200))}`);
  }
  lines.push(`Fixes (failed in A, pass in B): ${c.fixes.length}`);
  for (const f of c.fixes) lines.push(`  ✓ [${f.target}] ${f.caseKey}  score ${f.scoreA} → ${f.scoreB}`);
  if (c.scoreChanges.length) {
    lines.push(`Score changes: ${c.scoreChanges.length}`);
    for (const s of c.scoreChanges)
      lines.push(`  [${s.target}] ${s.caseKey}  ${s.scoreA} → ${s.scoreB} (${s.delta > 0 ? '+' : ''}${s.delta})`);
  }
  if (c.onlyInA.length) lines.push(`Only in A: ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) lines.push(`Only in B: ${c.onlyInB.join(', ')}`);
  return lines.join('\n') + '\n';
}
