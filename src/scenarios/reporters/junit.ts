/**
 * JUnit XML for CI systems (GitHub Actions, GitLab, Jenkins): one <testsuite> per scenario and
 * environment, one <testcase> per step; failed assertions become <failure>, transport errors
 * <error>, skipped environments <skipped>. Format: https://github.com/testmoapp/junitxml
 */
import { formatValue } from './pretty.js';
import type { Report } from '../types.js';

export function escapeXml(text: string): string {
  return (
    text
      // Characters XML 1.0 forbids even escaped.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function renderJunit(report: Report): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const t = report.totals;
  const cases = report.scenarios.flatMap((s) => s.runs.flatMap((r) => (r.outcome === 'skipped' ? [null] : r.steps)));
  const failures = report.scenarios.flatMap((s) => s.runs.flatMap((r) => r.steps.filter((st) => st.assertions.some((a) => !a.passed))));
  const errors = report.scenarios.flatMap((s) =>
    s.runs.flatMap((r) => r.steps.filter((st) => st.error && st.assertions.every((a) => a.passed))),
  );
  out.push(
    `<testsuites name="meridian scenarios" tests="${cases.length}" failures="${failures.length}" errors="${errors.length}" skipped="${t.skipped}" time="${seconds(report.durationMs)}" timestamp="${escapeXml(report.startedAt)}">`,
  );
  for (const s of report.scenarios) {
    for (const r of s.runs) {
      const name = escapeXml(`${s.scenario} [${r.environment}]`);
      const classname = escapeXml(`${s.scenario}.${r.environment}`);
      if (r.outcome === 'skipped') {
        out.push(`  <testsuite name="${name}" tests="1" failures="0" errors="0" skipped="1" time="0.000" file="${escapeXml(s.file)}">`);
        out.push(
          `    <testcase classname="${classname}" name="${escapeXml(r.environment)}" time="0.000"><skipped message="${escapeXml(r.reason ?? 'skipped')}"/></testcase>`,
        );
        out.push('  </testsuite>');
        continue;
      }
      const f = r.steps.filter((st) => st.assertions.some((a) => !a.passed)).length;
      const e = r.steps.filter((st) => st.error && st.assertions.every((a) => a.passed)).length;
      out.push(
        `  <testsuite name="${name}" tests="${r.steps.length}" failures="${f}" errors="${e}" skipped="0" time="${seconds(r.latencyMs)}" file="${escapeXml(s.file)}">`,
      );
      for (const st of r.steps) {
        out.push(`    <testcase classname="${classname}" name="${escapeXml(st.name)}" time="${seconds(st.latencyMs)}">`);
        const failed = st.assertions.filter((a) => !a.passed);
        if (failed.length) {
          const body = failed
            .map(
              (a) =>
                `${a.description}: ${a.message ?? 'failed'}\n  expected ${a.operator} ${formatValue(a.expected)}\n  actual   ${formatValue(a.actual, 500)}`,
            )
            .join('\n');
          out.push(
            `      <failure message="${escapeXml(failed.map((a) => a.description).join('; '))}" type="AssertionError">${escapeXml(body + (st.error ? `\n${st.error}` : ''))}</failure>`,
          );
        } else if (st.error) {
          out.push(`      <error message="${escapeXml(st.error)}" type="StepError">${escapeXml(st.error)}</error>`);
        }
        out.push('    </testcase>');
      }
      out.push('  </testsuite>');
    }
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
