/**
 * Human report: per scenario, one row per step and assertion, one column per environment, so a
 * difference between local, mock and production is visible at a glance; failures follow with
 * expected vs actual.
 */
import type { AssertionResult, EnvironmentRun, Report, ScenarioResult } from '../types.js';

export interface PrettyOptions {
  color?: boolean;
  /** Width of one environment column. */
  columnWidth?: number;
}

export function formatValue(v: unknown, max = 120): string {
  const text = v === undefined ? 'undefined' : typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function pad(text: string, width: number): string {
  const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
  return visible.length >= width ? text : text + ' '.repeat(width - visible.length);
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function renderPretty(report: Report, opts: PrettyOptions = {}): string {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const ok = paint('32', '✓');
  const bad = paint('31', '✗');
  const col = opts.columnWidth ?? 22;
  const lines: string[] = [];
  for (const s of report.scenarios) {
    lines.push('', paint('1', `${s.scenario}`) + paint('2', `  (${s.file})`));
    const labelWidth = Math.min(56, Math.max(24, ...labels(s).map((l) => l.length + 2)));
    lines.push(pad('', labelWidth) + s.runs.map((r) => pad(paint('1', r.environment), col)).join(''));
    lines.push(pad('  overall', labelWidth) + s.runs.map((r) => pad(runCell(r, ok, bad, paint), col)).join(''));
    const stepNames = [...new Set(s.runs.flatMap((r) => r.steps.map((st) => st.name)))];
    for (const name of stepNames) {
      lines.push(
        pad(`  ${cut(name, labelWidth - 3)}`, labelWidth) +
          s.runs
            .map((r) => {
              const st = r.steps.find((x) => x.name === name);
              if (!st) return pad(paint('2', '-'), col);
              return pad(`${st.outcome === 'passed' ? ok : bad} ${st.status ?? '---'} ${Math.round(st.latencyMs)}ms`, col);
            })
            .join(''),
      );
      const descriptions = [
        ...new Set(s.runs.flatMap((r) => r.steps.find((x) => x.name === name)?.assertions.map((a) => a.description) ?? [])),
      ];
      for (const d of descriptions) {
        lines.push(
          pad(`    ${cut(d, labelWidth - 5)}`, labelWidth) +
            s.runs
              .map((r) => {
                const a = r.steps.find((x) => x.name === name)?.assertions.find((x) => x.description === d);
                return pad(a ? (a.passed ? ok : `${bad} ${cut(formatValue(a.actual, col), col - 3)}`) : paint('2', '-'), col);
              })
              .join(''),
        );
      }
    }
    const failures = describeFailures(s);
    if (failures.length) lines.push('', ...failures.map((f) => paint('31', f)));
  }
  const t = report.totals;
  lines.push(
    '',
    `${report.ok ? paint('32', 'PASS') : paint('31', 'FAIL')}  ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped ` +
      `(${t.runs} runs, ${t.assertions - t.failedAssertions}/${t.assertions} assertions) in ${report.durationMs}ms`,
  );
  return lines.join('\n') + '\n';
}

function labels(s: ScenarioResult): string[] {
  return s.runs.flatMap((r) => r.steps.flatMap((st) => [st.name, ...st.assertions.map((a) => `  ${a.description}`)]));
}

function runCell(r: EnvironmentRun, ok: string, bad: string, paint: (c: string, s: string) => string): string {
  if (r.outcome === 'skipped') return paint('33', 'skipped');
  return `${r.outcome === 'passed' ? ok : bad} ${r.outcome} ${r.latencyMs}ms`;
}

function describeFailures(s: ScenarioResult): string[] {
  const out: string[] = [];
  for (const r of s.runs) {
    for (const st of r.steps) {
      if (st.error) out.push(`  [${r.environment}] ${st.name}: ${st.error}`);
      for (const a of st.assertions.filter((x: AssertionResult) => !x.passed)) {
        out.push(`  [${r.environment}] ${st.name}: ${a.description} — ${a.message ?? 'failed'}`);
        out.push(`      expected ${a.operator} ${formatValue(a.expected)}`);
        out.push(`      actual   ${formatValue(a.actual, 300)}`);
      }
    }
  }
  return out;
}
