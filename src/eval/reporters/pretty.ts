/**
 * Human report: a matrix (one row per case, one column per target), a table of per-target
 * figures, the failures with their outputs, the verdict lines and the gate result.
 */
import { formatValue } from '../../scenarios/reporters/pretty.js';
import type { CellResult, EvalRun, TargetSummary } from '../types.js';

export interface PrettyOptions {
  color?: boolean;
}

function pad(text: string, width: number): string {
  const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
  return visible.length >= width ? text : text + ' '.repeat(width - visible.length);
}

const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  return usd >= 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toPrecision(3)}`;
}

export const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** Cells by case and target, so a matrix of 10 000 cases is not a quadratic scan. */
export function cellIndex(run: EvalRun): (caseKey: string, target: string) => CellResult | undefined {
  const byKey = new Map(run.results.map((r) => [`${r.target}\u0000${r.caseKey}`, r]));
  return (caseKey, target) => byKey.get(`${target}\u0000${caseKey}`);
}

function summaryRow(t: TargetSummary): string[] {
  return [
    t.target,
    `${t.passed}/${t.cases} (${percent(t.passRate)})`,
    t.meanScore.toFixed(2),
    formatUsd(t.costUsd) + (t.costUnknown ? ` (+${t.costUnknown} unknown)` : ''),
    `${t.meanLatencyMs}ms`,
    `${t.p95LatencyMs}ms`,
    `${t.tokens.prompt}/${t.tokens.completion}`,
  ];
}

export function renderPretty(run: EvalRun, opts: PrettyOptions = {}): string {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = ['', paint('1', run.suite.description ?? run.suite.file) + paint('2', `  (run ${run.runId})`)];
  const col = Math.max(14, ...run.targets.map((t) => t.target.length + 2));
  const labelWidth = Math.min(60, Math.max(20, ...run.cases.map((c) => c.key.length + 2)));
  lines.push(pad('', labelWidth) + run.targets.map((t) => pad(paint('1', t.target), col)).join(''));
  const cellFor = cellIndex(run);
  for (const c of run.cases) {
    const cells = run.targets.map((t) => {
      const r = cellFor(c.key, t.target);
      if (!r) return pad(paint('2', '-'), col);
      const mark = r.pass ? paint('32', '✓') : paint('31', r.error ? '!' : '✗');
      return pad(`${mark} ${r.score.toFixed(2)}`, col);
    });
    lines.push(pad(cut(c.key, labelWidth - 2), labelWidth) + cells.join(''));
  }

  const header = ['target', 'passed', 'score', 'cost', 'mean', 'p95', 'tokens in/out'];
  const rows = [header, ...run.targets.map(summaryRow)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 2);
  lines.push('');
  for (const [i, r] of rows.entries()) lines.push(r.map((v, j) => pad(i === 0 ? paint('1', v) : v, widths[j]!)).join(''));

  const failures = run.results.filter((r) => !r.pass);
  if (failures.length) {
    lines.push('', paint('1', `Failures (${failures.length})`));
    for (const f of failures) {
      lines.push(paint('31', `  [${f.target}] ${f.caseKey}`) + paint('2', `  score ${f.score}${f.route ? `, ${f.route}` : ''}`));
      if (f.error) lines.push(`      error: ${f.error}`);
      for (const a of f.assertions.filter((x) => !x.pass)) lines.push(`      ${a.name}: ${cut(a.reason, 300)}`);
      if (!f.error) lines.push(`      output: ${formatValue(f.output, 300)}`);
    }
  }

  if (run.verdicts.length) lines.push('');
  for (const v of run.verdicts) lines.push(paint('1', `Verdict: ${v.text}.`));
  const below = run.targets.filter((t) => !t.meetsThreshold);
  lines.push(
    '',
    run.ok
      ? `${paint('32', 'PASS')}  every target meets its pass-rate threshold (${run.results.length} cells in ${run.durationMs}ms)`
      : `${paint('31', 'FAIL')}  ${below.length ? below.map((t) => `${t.target} ${percent(t.passRate)} < ${percent(t.threshold)}`).join(', ') : 'no case ran'}`,
  );
  return lines.join('\n') + '\n';
}
