/**
 * Issue 5, "measure local engines", through the gateway: `meridian bench` drives the gateway's
 * OpenAI-compatible endpoint, which streams from a fake engine on 127.0.0.1 that makes exactly
 * 200 tokens/s per stream. The bench must report within 10% the rate the engine actually sent (it
 * records its own, so a busy machine delaying its timers does not fail the test), every bench request is
 * in the gateway's request log, and the saved run feeds the local cost model: a gateway started
 * with `pricing.local.<provider>: { gpuUsdPerHour }` (no tokensPerSecond) prices that engine's
 * output at gpuUsdPerHour / (measured total tokens/s × 3600) per token.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { BenchRun } from '../../src/meter/bench-results.js';
import { benchTokensPerSecond } from '../../src/meter/bench-results.js';
import { registerMeterCommands } from '../../src/meter/cli.js';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway } from '../helpers/gateway.js';
import { MASTER, admin, chat, closeTo, costValue } from '../helpers/cost.js';

const TOKENS_PER_SECOND = 200;
const TOKENS_PER_STREAM = 40;
const GPU_USD_PER_HOUR = 0.72;

let engine: FakeUpstream;
/** The engine's own decode rate per stream (tokens/s after the first): what the bench must report, load or not. */
const sentRates: number[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-bench-gw-'));
  engine = await startUpstream(async (req, res) => {
    if (req.method === 'GET')
      return sendJson(res, 200, { object: 'list', data: [{ id: 'llama-test', object: 'model', created: 1, owned_by: 'x' }] });
    const base = { id: 'c1', created: 1, model: req.json.model };
    const usage = { prompt_tokens: 20, completion_tokens: TOKENS_PER_STREAM, total_tokens: 20 + TOKENS_PER_STREAM };
    if (!req.json.stream) {
      return sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const write = (o: object) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...o })}\n\n`);
    const start = performance.now();
    let firstAt = 0;
    for (let i = 0; i < TOKENS_PER_STREAM; i++) {
      const wait = start + (i * 1000) / TOKENS_PER_SECOND - performance.now();
      if (wait > 0) await sleep(wait);
      write({
        choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: ' hello' } : { content: ' hello' }, finish_reason: null }],
      });
      if (i === 0) firstAt = performance.now();
    }
    sentRates.push(((TOKENS_PER_STREAM - 1) * 1000) / (performance.now() - firstAt));
    write({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
    write({ choices: [], usage });
    res.end('data: [DONE]\n\n');
  });
});

after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test('bench through the gateway reports the engine speed within 10%, and the run prices the engine', async () => {
  const providers = [{ id: 'engine', type: 'openai-compatible', baseUrl: `${engine.url}/v1`, location: 'local' }];
  const gw = await startGateway(
    { providers, models: { 'llama-test': [{ provider: 'engine', model: 'llama-test' }] } },
    { env: { MERIDIAN_MASTER_KEY: MASTER } },
  );
  let run: BenchRun;
  try {
    const program = new Command().exitOverride();
    registerMeterCommands(program, { stdout: { write: () => true }, stderr: { write: () => true } });
    // The target names the engine's provider/model; the requests go to the gateway's endpoint.
    await program.parseAsync(
      [
        'bench',
        'engine/llama-test',
        '--base-url',
        `${gw.url}/v1`,
        '--concurrency',
        '1,4',
        '--duration',
        '1s',
        '--max-tokens',
        '64',
        '--bench-dir',
        dir,
      ],
      {
        from: 'user',
      },
    );
    const files = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1);
    run = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as BenchRun;
    for (const level of run.levels) {
      assert.equal(level.errors, 0);
      const perStream = level.tokensPerSecondPerStream.p50;
      const engineRate = median(sentRates);
      assert.ok(
        Math.abs(perStream - engineRate) / engineRate < 0.1,
        `per-stream ${perStream} tok/s at c=${level.concurrency}, engine sent ${engineRate}`,
      );
      assert.equal(level.tokensEstimated, false, 'the gateway passed the engine usage through');
    }
    const { data } = await admin(gw.url, '/admin/requests?alias=llama-test&limit=1000');
    const benched = run.levels.reduce((n, l) => n + l.requests, 0);
    const ok = (data as Array<{ status: number; location: string; completionTokens: number }>).filter((e) => e.status === 200);
    assert.ok(ok.length >= benched, `log has ${ok.length} requests, bench counted ${benched}`);
    assert.ok(ok.every((e) => e.location === 'local' && e.completionTokens === TOKENS_PER_STREAM));
  } finally {
    await gw.close();
  }

  // The saved run feeds the local cost model (tokens/s read from the bench dir).
  const measured = benchTokensPerSecond(run);
  assert.ok(measured && measured > TOKENS_PER_SECOND, `total tokens/s ${measured} (more than one stream's)`);
  const priced = await startGateway({
    providers,
    models: { 'llama-test': [{ provider: 'engine', model: 'llama-test' }] },
    pricing: { benchDir: dir, local: { engine: { gpuUsdPerHour: GPU_USD_PER_HOUR } } },
  });
  try {
    const r = await chat(priced.url, { model: 'llama-test', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(r.status, 200, r.text);
    closeTo(
      costValue(r.headers['x-meridian-cost-usd']),
      (TOKENS_PER_STREAM * GPU_USD_PER_HOUR) / (measured! * 3600),
      'cost from the measured speed',
    );
  } finally {
    await priced.close();
  }
});
