/**
 * Runs the whole examples/scenarios suite against `meridian mock` (with the suite's rules file),
 * over real HTTP — this is how `.ci/run` (via `npm test`) exercises the scenario suite. The same
 * by hand:  meridian mock --port 4010 --rules examples/scenarios/mock.rules.yaml &
 *           MOCK_URL=http://127.0.0.1:4010 meridian test examples/scenarios --env mock
 */
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { startMockServer } from '../../src/mock/server.js';
import { renderPretty } from '../../src/scenarios/reporters/pretty.js';
import { runScenarios } from '../../src/scenarios/runner.js';

const examples = fileURLToPath(new URL('../../examples/scenarios/', import.meta.url));

test('examples/scenarios pass against the mock', async () => {
  const mock = await startMockServer({ rulesFile: `${examples}mock.rules.yaml` });
  try {
    const report = await runScenarios([examples], { environments: ['mock'], env: { ...process.env, MOCK_URL: mock.url } });
    assert.equal(report.ok, true, renderPretty(report));
    const names = report.scenarios.map((s) => s.scenario);
    for (const expected of [
      'Chat completion smoke test',
      'Streaming chat completion',
      'Tool call round trip',
      'Errors and fault injection',
    ]) {
      assert.ok(names.includes(expected), `missing scenario '${expected}' in ${names.join(', ')}`);
    }
    assert.equal(report.totals.skipped, 0);
    assert.ok(report.totals.assertions >= 40, String(report.totals.assertions));
  } finally {
    await mock.close();
  }
});
