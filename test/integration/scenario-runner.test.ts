import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { sendJson, startUpstream } from '../helpers/upstream.js';
import { registerScenarioCommands } from '../../src/scenarios/cli.js';
import { runScenarios } from '../../src/scenarios/runner.js';

let mock: MockServer;
let dir: string;

before(async () => {
  mock = await startMockServer({ rules: { rules: [{ match: { message: '^whoami' }, text: 'you are {{model}}' }] } });
  dir = mkdtempSync(join(tmpdir(), 'meridian-scenarios-'));
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('the seed scenario from the issue passes against the mock over HTTP', async () => {
  const report = await runScenarios([fileURLToPath(new URL('../../examples/scenarios/smoke.json', import.meta.url))], {
    environments: ['mock'],
    env: { MOCK_URL: mock.url },
  });
  assert.equal(report.ok, true, JSON.stringify(report, null, 1));
  const step = report.scenarios[0]!.runs[0]!.steps[0]!;
  assert.equal(step.status, 200);
  assert.equal(step.assertions.length, 3);
  assert.ok(step.assertions.every((a) => a.passed));
});

test('extract carries values to the next step; --var overrides the environment; YAML works', async () => {
  const file = write(
    'extract.yaml',
    `
scenario: Extract and reuse
environments:
  mock: { base_url: "{{env.MOCK_URL}}", model_name: overridden-by-var }
steps:
  - name: first
    url: "{{base_url}}/v1/chat/completions"
    body: { model: "{{model_name}}", messages: [{ role: user, content: "Say 'token-123'" }] }
    extract: { said: "response.choices[0].message.content", total: response.usage.total_tokens }
    assertions:
      - { field: response.model, operator: equals, value: mock-large }
  - name: second
    url: "{{base_url}}/v1/chat/completions"
    body: { model: "{{model_name}}", max_tokens: "{{total}}", messages: [{ role: user, content: "whoami {{said}}" }] }
    assertions:
      - { field: "response.choices[0].message.content", operator: equals, value: "you are {{model_name}}" }
      - { field: "response.choices[0].message.content", operator: not_contains, value: "{{said}}" }
`,
  );
  const report = await runScenarios([file], { vars: { model_name: 'mock-large' }, env: { MOCK_URL: mock.url } });
  assert.equal(report.ok, true, JSON.stringify(report.scenarios[0]!.runs[0]!.steps, null, 1));
  assert.equal(report.totals.assertions, 3);
});

test('environment and step headers are sent; method defaults from the body', async () => {
  const upstream = await startUpstream((_req, res) => sendJson(res, 200, { ok: true }, { 'x-answer': '42' }));
  try {
    const file = write('headers.json', {
      scenario: 'Headers',
      environments: { dev: { base_url: upstream.url, headers: { authorization: 'Bearer {{env.TOKEN}}', 'x-both': 'env' } } },
      steps: [
        {
          name: 'get',
          url: '{{base_url}}/a',
          headers: { 'x-both': 'step' },
          assertions: [{ field: 'headers.x-answer', operator: 'equals', value: 42 }],
        },
        { name: 'post', url: '{{base_url}}/b', body: { n: 1 }, assertions: [{ field: 'response.ok', operator: 'equals', value: true }] },
      ],
    });
    const report = await runScenarios([file], { env: { TOKEN: 'tok' } });
    assert.equal(report.ok, true, JSON.stringify(report, null, 1));
    assert.deepEqual(
      upstream.requests.map((r) => [r.method, r.url]),
      [
        ['GET', '/a'],
        ['POST', '/b'],
      ],
    );
    assert.equal(upstream.requests[0]!.headers.authorization, 'Bearer tok');
    assert.equal(upstream.requests[0]!.headers['x-both'], 'step');
    assert.deepEqual(upstream.requests[1]!.json, { n: 1 });
    assert.equal(upstream.requests[1]!.headers['content-type'], 'application/json');
  } finally {
    await upstream.close();
  }
});

test('stream steps expose text, tool_calls, chunks, ttft_ms', async () => {
  const file = write('stream.json', {
    scenario: 'Stream fields',
    environments: { mock: { base_url: '{{env.MOCK_URL}}' } },
    steps: [
      {
        name: 'streamed tool call',
        url: '{{base_url}}/v1/chat/completions',
        body: {
          model: 'mock-small',
          stream: true,
          tool_choice: 'required',
          tools: [
            {
              type: 'function',
              function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
            },
          ],
          messages: [{ role: 'user', content: 'look it up' }],
        },
        assertions: [
          { field: 'tool_calls', operator: 'length', value: 1 },
          { field: 'tool_calls[0].function.name', operator: 'equals', value: 'lookup' },
          { field: 'tool_calls[0].function.arguments', operator: 'json_schema', value: { type: 'object', required: ['q'] } },
          { field: 'finish_reason', operator: 'equals', value: 'tool_calls' },
          { field: 'chunks', operator: 'length', value: { min: 3 } },
          { field: 'chunks[0].choices[0].delta.role', operator: 'equals', value: 'assistant' },
          { field: 'ttft_ms', operator: 'type_is', value: 'number' },
          { field: 'text', operator: 'equals', value: '' },
        ],
      },
    ],
  });
  const report = await runScenarios([file], { env: { MOCK_URL: mock.url } });
  assert.equal(
    report.ok,
    true,
    JSON.stringify(
      report.scenarios[0]!.runs[0]!.steps[0]!.assertions.filter((a) => !a.passed),
      null,
      1,
    ),
  );
});

test('failures carry expected vs actual; unknown environments are skipped; unresolved variables fail clearly', async () => {
  const file = write('fail.json', {
    scenario: 'Fails on purpose',
    environments: { mock: { base_url: '{{env.MOCK_URL}}' }, local: { base_url: '{{env.MOCK_URL}}' } },
    steps: [
      {
        name: 'wrong expectation',
        url: '{{base_url}}/v1/chat/completions',
        body: { model: 'mock-small', messages: [{ role: 'user', content: "Say 'apple'" }] },
        assertions: [
          { field: 'response.choices[0].message.content', operator: 'equals', value: 'banana' },
          { field: 'status', operator: 'equals', value: 200 },
        ],
      },
      {
        name: 'needs a variable',
        url: '{{base_url}}/v1/{{missing_var}}',
        assertions: [{ field: 'status', operator: 'equals', value: 200 }],
      },
    ],
  });
  const report = await runScenarios([file], { environments: ['mock', 'production'], env: { MOCK_URL: mock.url } });
  assert.equal(report.ok, false);
  const [mockRun, prodRun] = report.scenarios[0]!.runs;
  assert.equal(prodRun!.outcome, 'skipped');
  assert.equal(mockRun!.outcome, 'failed');
  const failed = mockRun!.steps[0]!.assertions[0]!;
  assert.equal(failed.passed, false);
  assert.equal(failed.expected, 'banana');
  assert.equal(failed.actual, 'apple');
  assert.equal(mockRun!.steps[0]!.assertions[1]!.passed, true);
  assert.match(mockRun!.steps[1]!.error!, /Variable 'missing_var' is not defined/);
  assert.deepEqual(report.totals, { runs: 2, passed: 0, failed: 1, skipped: 1, assertions: 2, failedAssertions: 1 });
});

test('meridian test CLI: exit code, json and junit files in --out', async () => {
  const pass = write('cli-pass.json', {
    scenario: 'CLI pass',
    environments: { mock: { base_url: mock.url } },
    steps: [
      { name: 'models', url: '{{base_url}}/v1/models', assertions: [{ field: 'response.data', operator: 'length', value: { min: 3 } }] },
    ],
  });
  const fail = write('cli-fail.json', {
    scenario: 'CLI fail',
    environments: { mock: { base_url: mock.url } },
    steps: [{ name: 'models', url: '{{base_url}}/v1/models', assertions: [{ field: 'status', operator: 'equals', value: 201 }] }],
  });
  const out = join(dir, 'out');
  let printed = '';
  const run = async (args: string[]) => {
    const program = new Command().exitOverride();
    const sink = { write: (t: string) => (printed += t) };
    registerScenarioCommands(program, { stdout: sink, stderr: sink });
    const saved = process.exitCode;
    try {
      process.exitCode = 0;
      await program.parseAsync(['node', 'meridian', 'test', ...args]);
      return process.exitCode;
    } finally {
      process.exitCode = saved;
    }
  };
  assert.equal(await run([pass, '--env', 'mock', '--reporter', 'pretty,json,junit', '--out', out]), 0);
  assert.equal(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).ok, true);
  assert.match(printed, /PASS {2}1 passed, 0 failed/);
  assert.equal(await run([pass, fail, '--env', 'all', '--reporter', 'junit', '--out', out]), 1);
  const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuite name="CLI fail \[mock\]" tests="1" failures="1"/);
  assert.match(xml, /<failure message="status equals 201"/);
});
