import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson } from '../../src/scenarios/reporters/json.js';
import { renderJunit } from '../../src/scenarios/reporters/junit.js';
import { renderPretty } from '../../src/scenarios/reporters/pretty.js';
import type { Report } from '../../src/scenarios/types.js';

const report: Report = {
  startedAt: '2024-01-01T00:00:00.000Z',
  durationMs: 1234,
  environments: ['mock', 'local', 'production'],
  ok: false,
  totals: { runs: 3, passed: 1, failed: 1, skipped: 1, assertions: 4, failedAssertions: 1 },
  scenarios: [
    {
      scenario: 'Smoke <&> "quotes"',
      file: 'examples/scenarios/smoke.json',
      runs: [
        {
          environment: 'mock',
          outcome: 'passed',
          latencyMs: 12,
          steps: [
            {
              name: 'Basic completion',
              outcome: 'passed',
              latencyMs: 12,
              status: 200,
              assertions: [
                { description: 'status equals 200', field: 'status', operator: 'equals', passed: true, expected: 200, actual: 200 },
                {
                  description: 'content contains "test passed"',
                  field: 'response.choices[0].message.content',
                  operator: 'contains',
                  passed: true,
                  expected: 'test passed',
                  actual: 'test passed',
                },
              ],
            },
          ],
        },
        {
          environment: 'local',
          outcome: 'failed',
          latencyMs: 230,
          steps: [
            {
              name: 'Basic completion',
              outcome: 'failed',
              latencyMs: 230,
              status: 200,
              assertions: [
                { description: 'status equals 200', field: 'status', operator: 'equals', passed: true, expected: 200, actual: 200 },
                {
                  description: 'content contains "test passed"',
                  field: 'response.choices[0].message.content',
                  operator: 'contains',
                  passed: false,
                  expected: 'test passed',
                  actual: 'Test Passed. <ok> & \u0001done',
                  message: 'not contained',
                },
              ],
            },
          ],
        },
        { environment: 'production', outcome: 'skipped', reason: "scenario defines no 'production' environment", latencyMs: 0, steps: [] },
      ],
    },
  ],
};

/** A minimal XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < body.length) {
    if (body[i] === '<') {
      tag.lastIndex = i;
      const m = tag.exec(body);
      assert.ok(m, `malformed tag at ${i}: ${body.slice(i, i + 40)}`);
      const [, close, name, , selfClose] = m;
      if (close) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
      else if (!selfClose) stack.push(name!);
      i = tag.lastIndex;
    } else {
      const next = body.indexOf('<', i);
      const text = body.slice(i, next < 0 ? undefined : next);
      assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|apos);)/, `unescaped & in ${text}`);
      assert.doesNotMatch(text, /[\u0000-\u0008]/);
      i = next < 0 ? body.length : next;
    }
  }
  assert.deepEqual(stack, [], 'unclosed tags');
}

test('JUnit XML is well-formed and carries the failure with expected vs actual', () => {
  const xml = renderJunit(report);
  assertWellFormedXml(xml);
  assert.match(xml, /<testsuites [^>]*tests="3" failures="1" errors="0" skipped="1"/);
  assert.match(xml, /<testsuite name="Smoke &lt;&amp;&gt; &quot;quotes&quot; \[local\]" tests="1" failures="1"/);
  assert.match(xml, /<failure message="content contains &quot;test passed&quot;" type="AssertionError">/);
  assert.match(xml, /expected contains &quot;test passed&quot;/);
  assert.match(xml, /actual {3}&quot;Test Passed\. &lt;ok&gt; &amp; /);
  assert.match(xml, /<skipped message="scenario defines no &apos;production&apos; environment"\/>/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 3);
});

test('JSON reporter round-trips the report', () => {
  assert.deepEqual(JSON.parse(renderJson(report)), report);
});

test('pretty reporter shows environments side by side and the failure details', () => {
  const text = renderPretty(report);
  const header = text.split('\n').find((l) => l.includes('mock') && l.includes('local'));
  assert.ok(header && header.indexOf('mock') < header.indexOf('local') && header.includes('production'), text);
  const stepRow = text.split('\n').find((l) => l.includes('Basic completion') && l.includes('12ms'));
  assert.ok(stepRow && stepRow.includes('230ms'), 'step row shows each env latency');
  assert.match(text, /\[local\] Basic completion: content contains "test passed" — not contained/);
  assert.match(text, /expected contains "test passed"/);
  assert.match(text, /actual {3}"Test Passed/);
  assert.match(text, /skipped/);
  assert.match(text, /^FAIL {2}1 passed, 1 failed, 1 skipped/m);
  assert.doesNotMatch(text, /\x1b\[/, 'no colour unless asked');
  assert.match(renderPretty(report, { color: true }), /\x1b\[31m/);
});
