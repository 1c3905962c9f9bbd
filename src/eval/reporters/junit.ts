/**
 * JUnit XML for CI: one <testsuite> per target, one <testcase> per case; a failed case is a
 * <failure> listing its failed assertions and output, a case without an answer an <error>.
 * Format: https://github.com/testmoapp/junitxml
 */
import { escapeXml } from '../../scenarios/reporters/junit.js';
import type { EvalRun } from '../types.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function renderJunit(run: EvalRun): string {
  const failures = run.results.filter((r) => !r.pass && !r.error).length;
  const errors = run.results.filter((r) => r.error).length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(`meridian eval ${run.suite.description ?? run.suite.file}`)}" tests="${run.results.length}" failures="${failures}" errors="${errors}" time="${seconds(run.durationMs)}" timestamp="${escapeXml(run.startedAt)}">`,
  ];
  for (const t of run.targets) {
    const mine = run.results.filter((r) => r.target === t.target);
    const time = mine.reduce((n, r) => n + r.latencyMs, 0);
    out.push(
      `  <testsuite name="${escapeXml(t.target)}" tests="${mine.length}" failures="${mine.filter((r) => !r.pass && !r.error).length}" errors="${mine.filter((r) => r.error).length}" skipped="0" time="${seconds(time)}" file="${escapeXml(run.suite.file)}">`,
    );
    out.push(
      `    <properties><property name="model" value="${escapeXml(t.model)}"/><property name="costUsd" value="${t.costUsd}"/></properties>`,
    );
    for (const r of mine) {
      out.push(`    <testcase classname="${escapeXml(`eval.${t.target}`)}" name="${escapeXml(r.caseKey)}" time="${seconds(r.latencyMs)}">`);
      if (r.error) out.push(`      <error message="${escapeXml(r.error)}" type="GatewayError">${escapeXml(r.error)}</error>`);
      else if (!r.pass) {
        const failed = r.assertions.filter((a) => !a.pass);
        const body = [...failed.map((a) => `${a.name}: ${a.reason}`), `score: ${r.score}`, `output: ${r.output}`].join('\n');
        out.push(
          `      <failure message="${escapeXml(failed.map((a) => a.name).join('; ') || `score ${r.score} below the case threshold`)}" type="AssertionError">${escapeXml(body)}</failure>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
