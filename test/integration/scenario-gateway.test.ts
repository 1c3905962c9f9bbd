/**
 * Issue 7 "Done when": the seed scenario (examples/scenarios/smoke.json, accepted as is) passes
 * against the mock server and against the gateway in front of the mock — once with the mock as
 * an `openai-compatible` upstream over HTTP, once as the in-process `mock` provider type.
 * The streaming and tool examples run through both gateways as well, so the gateway's own
 * stream and tool-call handling is held to the same assertions as the mock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { renderPretty } from '../../src/scenarios/reporters/pretty.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import type { Report } from '../../src/scenarios/types.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const examples = fileURLToPath(new URL('../../examples/scenarios/', import.meta.url));
const smoke = `${examples}smoke.json`;

/** Runs scenario files in their `mock` environment with MOCK_URL pointing at `url`. */
function runAgainst(url: string, files: string[], vars: Record<string, string> = {}): Promise<Report> {
  return runScenarios(files, { environments: ['mock'], env: { ...process.env, MOCK_URL: url }, vars, timeoutMs: 10_000 });
}

function assertPassed(report: Report, minAssertions: number): void {
  assert.equal(report.ok, true, renderPretty(report));
  assert.equal(report.totals.failed, 0);
  assert.equal(report.totals.skipped, 0);
  assert.ok(report.totals.assertions >= minAssertions, `only ${report.totals.assertions} assertions ran`);
  assert.equal(report.totals.failedAssertions, 0);
}

describe('the seed scenario against the mock and the gateway', () => {
  let mock: MockServer;
  let viaHttp: RunningGateway;
  let inProcess: RunningGateway;

  before(async () => {
    mock = await startMockServer({ rulesFile: `${examples}mock.rules.yaml` });
    viaHttp = await startGateway({
      providers: [{ id: 'mockhttp', type: 'openai-compatible', baseUrl: `${mock.url}/v1`, location: 'local' }],
      models: { 'smoke-model': [{ provider: 'mockhttp', model: 'mock-small', capabilities: { tools: true } }] },
      router: { healthIntervalMs: 0 },
    });
    inProcess = await startGateway({
      providers: [{ id: 'mockinproc', type: 'mock', location: 'local', options: { rules: `${examples}mock.rules.yaml` } }],
      models: { 'smoke-model': [{ provider: 'mockinproc', model: 'mock-small', capabilities: { tools: true } }] },
      router: { healthIntervalMs: 0 },
    });
  });
  after(async () => {
    await viaHttp?.close();
    await inProcess?.close();
    await mock?.close();
  });

  it('passes against the mock server itself (the mock answers "test passed")', async () => {
    const report = await runAgainst(mock.url, [smoke]);
    assertPassed(report, 3);
    const step = report.scenarios[0]!.runs[0]!.steps[0]!;
    assert.equal(step.name, 'Basic completion');
    assert.ok(step.assertions.some((a) => a.field === 'response.choices[0].message.content' && a.passed));
  });

  it('passes against the gateway in front of the mock over HTTP (openai-compatible)', async () => {
    const report = await runAgainst(viaHttp.url, [smoke], { model_name: 'smoke-model' });
    assertPassed(report, 3);
  });

  it('passes against the gateway with the in-process mock provider', async () => {
    const report = await runAgainst(inProcess.url, [smoke], { model_name: 'smoke-model' });
    assertPassed(report, 3);
  });

  it('the gateway really served it: the route header names the mock deployment', async () => {
    for (const [gw, id] of [
      [viaHttp, 'mockhttp/mock-small'],
      [inProcess, 'mockinproc/mock-small'],
    ] as const) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'smoke-model',
          messages: [{ role: 'user', content: "Say 'test passed' and nothing else" }],
          max_tokens: 20,
        }),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('x-meridian-route') ?? '', new RegExp(`^${id.replace('/', '\\/')};`));
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      assert.equal(body.choices[0]!.message.content, 'test passed');
    }
  });

  it('streaming and tool-call examples pass through both gateways too', async () => {
    const files = [`${examples}streaming.yaml`, `${examples}tools.json`];
    for (const gw of [viaHttp, inProcess]) {
      const report = await runAgainst(gw.url, files, { model_name: 'smoke-model' });
      assertPassed(report, 15);
    }
  });

  it('a failing assertion through the gateway is reported as a failure', async () => {
    // An alias the gateway does not know: the seed's status assertion must fail, not pass silently.
    const report = await runAgainst(viaHttp.url, [smoke], { model_name: 'no-such-alias' });
    assert.equal(report.ok, false);
    assert.equal(report.totals.failed, 1);
    const failed = report.scenarios[0]!.runs[0]!.steps[0]!.assertions.find((a) => a.field === 'status');
    assert.equal(failed?.passed, false);
    assert.equal(failed?.actual, 404);
  });
});
