/**
 * Every assertion type, passing and failing, against a deterministic upstream: a real gateway
 * on loopback in front of the mock server (answers, tool calls, latency, judge verdicts and
 * embeddings all come from mock rules). Also: a target the gateway does not know becomes an error
 * cell with the gateway's message, and the API key reaches the gateway.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ASSERTION_TYPES } from '../../src/eval/assertions/index.js';
import { loadSuite } from '../../src/eval/load-suite.js';
import { renderPretty } from '../../src/eval/reporters/pretty.js';
import { runEval, type EvalProgress } from '../../src/eval/runner.js';
import type { EvalRun } from '../../src/eval/types.js';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import type { MockRulesFile } from '../../src/mock/rules.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const rules: MockRulesFile = {
  models: ['mock-judge'],
  rules: [
    { match: { model: 'mock-judge', message: 'monks' }, json: { category: 'D', reason: 'contradicts the expert' } },
    { match: { model: 'mock-judge', message: '"category"' }, json: { category: 'A', reason: 'consistent' } },
    { match: { model: 'mock-judge', message: 'FAILME' }, json: { pass: false, score: 0.1, reason: 'does not meet it' } },
    { match: { model: 'mock-judge' }, json: { pass: true, score: 0.9, reason: 'meets it' } },
    { match: { message: 'capital' }, text: 'The capital of France is Paris.' },
    { match: { message: 'json' }, json: { order_id: 'A-1', status: 'shipped' } },
    { match: { message: 'badweather' }, tool_calls: [{ name: 'get_weather', arguments: { city: 42 } }] },
    { match: { message: 'weather' }, tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    { match: { message: 'slow' }, latency_ms: 300, text: 'slow answer' },
    { match: { message: 'really' }, text: 'A committee of monks wrote it.' },
    { match: { message: 'Hamlet' }, text: 'William Shakespeare wrote Hamlet.' },
  ],
};

type Case = [expect: 'pass' | 'fail', q: string, assertion: Record<string, unknown>];

const CASES: Case[] = [
  ['pass', 'capital', { type: 'equals', value: 'The capital of France is Paris.' }],
  ['fail', 'capital', { type: 'equals', value: 'Paris' }],
  ['pass', 'capital', { type: 'contains', value: 'Paris' }],
  ['fail', 'capital', { type: 'contains', value: 'paris' }],
  ['pass', 'capital', { type: 'icontains', value: 'PARIS' }],
  ['fail', 'capital', { type: 'icontains', value: 'lyon' }],
  ['pass', 'capital', { type: 'contains-any', value: ['Lyon', 'Paris'] }],
  ['fail', 'capital', { type: 'contains-any', value: ['Lyon', 'Nice'] }],
  ['pass', 'capital', { type: 'contains-all', value: ['capital', 'Paris'] }],
  ['fail', 'capital', { type: 'contains-all', value: ['capital', 'Lyon'] }],
  ['pass', 'capital', { type: 'icontains-any', value: 'lyon,paris' }],
  ['fail', 'capital', { type: 'icontains-any', value: 'lyon,nice' }],
  ['pass', 'capital', { type: 'icontains-all', value: ['CAPITAL', 'paris'] }],
  ['fail', 'capital', { type: 'icontains-all', value: ['capital', 'berlin'] }],
  ['pass', 'capital', { type: 'starts-with', value: 'The capital' }],
  ['fail', 'capital', { type: 'starts-with', value: 'Paris' }],
  ['pass', 'capital', { type: 'regex', value: '^The \\w+ of France' }],
  ['fail', 'capital', { type: 'regex', value: '\\d+' }],
  ['pass', 'json', { type: 'is-json' }],
  ['fail', 'capital', { type: 'is-json' }],
  ['pass', 'json', { type: 'json-schema', value: { type: 'object', required: ['status'], properties: { status: { enum: ['shipped'] } } } }],
  ['fail', 'json', { type: 'json-schema', value: { type: 'object', properties: { status: { enum: ['pending'] } } } }],
  ['pass', 'capital', { type: 'latency', threshold: 10_000 }],
  ['fail', 'slow', { type: 'latency', threshold: 100 }],
  ['pass', 'capital', { type: 'cost', threshold: 1 }],
  ['fail', 'capital', { type: 'cost', threshold: 1e-12 }],
  ['pass', 'weather', { type: 'is-valid-openai-tools-call' }],
  ['fail', 'badweather', { type: 'is-valid-openai-tools-call' }],
  ['pass', 'weather', { type: 'tool-call', value: { name: 'get_weather', arguments: { city: 'Paris' } } }],
  ['fail', 'badweather', { type: 'tool-call', value: 'get_weather' }],
  ['pass', 'capital', { type: 'similar', value: 'The capital of France is Paris.', threshold: 0.99 }],
  ['fail', 'capital', { type: 'similar', value: 'Bananas are yellow.', threshold: 0.9 }],
  ['pass', 'capital', { type: 'llm-rubric', value: 'Names a city' }],
  ['fail', 'capital', { type: 'llm-rubric', value: 'FAILME' }],
  ['pass', 'capital', { type: 'tone', value: 'neutral' }],
  ['fail', 'capital', { type: 'tone', value: 'FAILME pirate' }],
  ['pass', 'capital', { type: 'policy', value: 'no personal data' }],
  ['fail', 'capital', { type: 'policy', value: 'FAILME always answer in German' }],
  ['pass', 'Who wrote Hamlet?', { type: 'factuality', value: 'Shakespeare wrote Hamlet.' }],
  ['fail', 'Who wrote Hamlet, really?', { type: 'factuality', value: 'Shakespeare wrote Hamlet.' }],
  ['pass', 'capital', { type: 'not-contains', value: 'Lyon' }],
  ['fail', 'capital', { type: 'not-icontains', value: 'paris' }],
];

describe('every assertion type through the gateway against the mock', () => {
  let mock: MockServer;
  let gw: RunningGateway;
  let run: EvalRun;
  const progress: EvalProgress[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'meridian-eval-assert-'));

  before(async () => {
    mock = await startMockServer({ rules });
    gw = await startGateway({
      providers: [{ id: 'mockhttp', type: 'openai-compatible', baseUrl: `${mock.url}/v1`, location: 'local' }],
      models: {
        alpha: [{ provider: 'mockhttp', model: 'mock-small', price: { input: 1, output: 1 }, capabilities: { tools: true } }],
        judge: [{ provider: 'mockhttp', model: 'mock-judge' }],
        embed: [{ provider: 'mockhttp', model: 'mock-embed', capabilities: { embeddings: true } }],
      },
      router: { healthIntervalMs: 0 },
    });
    const suite = {
      prompts: ['{{q}}'],
      targets: ['alpha'],
      judge: 'judge',
      embedding: 'embed',
      threshold: 0,
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        },
      ],
      tests: CASES.map(([expect, q, a], i) => ({ description: `${expect} ${a.type} #${i}`, vars: { q }, assert: [a] })),
    };
    const file = join(dir, 'all.yaml');
    writeFileSync(file, stringify(suite));
    run = await runEval(loadSuite(file), { baseUrl: `${gw.url}/v1`, concurrency: 3, onProgress: (p) => progress.push(p) });
  });
  after(async () => {
    await gw?.close();
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('covers every known assertion type with a passing and a failing case', () => {
    for (const type of ASSERTION_TYPES) {
      for (const expect of ['pass', 'fail'] as const) {
        assert.ok(
          CASES.some(([e, , a]) => e === expect && a.type === type),
          `no '${expect}' case for ${type}`,
        );
      }
    }
  });

  it('each case passes or fails as expected, with a reason, and no cell errors', () => {
    assert.equal(run.results.length, CASES.length);
    for (const r of run.results) {
      assert.equal(r.error, undefined, `${r.caseKey}: ${r.error}`);
      const expected = r.caseKey.split(' / ')[1]!.startsWith('pass');
      assert.equal(r.pass, expected, `${r.caseKey}: ${r.assertions.map((a) => a.reason).join('; ')}\n${renderPretty(run)}`);
      assert.ok(r.assertions[0]!.reason.length > 0);
    }
  });

  it('model-graded scores come from the judge; similarity and factuality explain themselves', () => {
    const byKey = (part: string) => run.results.find((r) => r.caseKey.includes(part))!;
    assert.equal(byKey('pass llm-rubric').score, 0.9);
    assert.equal(byKey('fail llm-rubric').score, 0.1);
    assert.match(byKey('fail factuality').assertions[0]!.reason, /^factuality D: contradicts the expert/);
    assert.match(byKey('pass similar').assertions[0]!.reason, /similarity 1 ≥ 0.99/);
    assert.match(byKey('fail similar').assertions[0]!.reason, /similarity -?0?\.\d+ < 0.9/);
    assert.match(byKey('fail latency').assertions[0]!.reason, /^\d+ms > 100ms$/);
  });

  it('reports progress for every cell, ending at the total', () => {
    assert.deepEqual(progress[0], { done: 0, total: CASES.length, passed: 0, failed: 0 });
    assert.deepEqual(progress.at(-1), { done: CASES.length, total: CASES.length, passed: CASES.length / 2, failed: CASES.length / 2 });
    assert.equal(progress.length, CASES.length + 1);
  });

  it('a target the gateway does not know is an error cell carrying the gateway message; the gate fails', async () => {
    const file = join(dir, 'ghost.yaml');
    writeFileSync(
      file,
      stringify({
        prompts: ['{{q}}'],
        targets: ['alpha', 'ghost'],
        tests: [{ vars: { q: 'capital' }, assert: [{ type: 'icontains', value: 'paris' }] }],
      }),
    );
    const ghostRun = await runEval(loadSuite(file), { baseUrl: `${gw.url}/v1` });
    const ghost = ghostRun.results.find((r) => r.target === 'ghost')!;
    assert.equal(ghost.pass, false);
    assert.match(ghost.error ?? '', /^HTTP 404: .*ghost/);
    assert.equal(ghostRun.targets.find((t) => t.target === 'ghost')!.errors, 1);
    assert.equal(ghostRun.ok, false);
    assert.match(ghostRun.verdicts[0]!.text, /^ghost passes 0% of what alpha passes \(0\/1\)/);
  });

  it('sends the API key as a bearer token and keeps it out of the run', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const file = join(dir, 'key.yaml');
      writeFileSync(file, stringify({ prompts: ['hi'], targets: ['m'], tests: [{ assert: [{ type: 'equals', value: 'ok' }] }] }));
      const port = (server.address() as AddressInfo).port;
      const keyed = await runEval(loadSuite(file), { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'mk-secret-value-123' });
      assert.deepEqual(seen, ['Bearer mk-secret-value-123']);
      assert.equal(keyed.results[0]!.pass, true);
      assert.equal(keyed.results[0]!.costUsd, undefined, 'a server without x-meridian-cost-usd leaves cost unknown');
      assert.ok(!JSON.stringify(keyed).includes('mk-secret'));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
