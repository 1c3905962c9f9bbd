/**
 * `meridian bench` against a fake streaming engine on 127.0.0.1 that emits 200 tokens/s per stream
 * (one token every 5 ms, scheduled against the clock so timer jitter does not accumulate) after a
 * 40 ms time to first token. The bench must report within 10% what the engine actually sent: the
 * engine records its own per-stream rate and time to first token, so a busy machine that delays
 * the engine's timers moves both sides alike instead of failing the test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { BenchRun } from '../../src/meter/bench-results.js';
import { registerMeterCommands } from '../../src/meter/cli.js';
import { startUpstream, type FakeUpstream } from '../helpers/upstream.js';

const TOKENS_PER_SECOND = 200;
const TOKENS_PER_STREAM = 60;
const TTFT_MS = 40;

let engine: FakeUpstream;
/** What the engine really did, per stream: decode rate (tokens/s after the first) and time to first token. */
const sent = { rate: [] as number[], ttft: [] as number[] };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

before(async () => {
  engine = await startUpstream(async (req, res) => {
    assert.equal(req.url, '/v1/chat/completions');
    assert.equal(req.json.stream, true);
    const arrived = performance.now();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, extra: object = {}) =>
      res.write(
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: req.json.model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`,
      );
    await sleep(TTFT_MS);
    const start = performance.now();
    let firstAt = 0;
    for (let i = 0; i < TOKENS_PER_STREAM; i++) {
      const due = start + (i * 1000) / TOKENS_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      chunk(i === 0 ? { role: 'assistant', content: ' hello' } : { content: ' hello' });
      if (i === 0) firstAt = performance.now();
    }
    sent.ttft.push(firstAt - arrived);
    sent.rate.push(((TOKENS_PER_STREAM - 1) * 1000) / (performance.now() - firstAt));
    res.write(
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: req.json.model, choices: [{ index: 0, delta: {}, finish_reason: 'length' }] })}\n\n`,
    );
    res.write(
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: req.json.model, choices: [], usage: { prompt_tokens: 20, completion_tokens: TOKENS_PER_STREAM, total_tokens: 20 + TOKENS_PER_STREAM } })}\n\n`,
    );
    res.end('data: [DONE]\n\n');
  });
});

after(() => engine.close());

test('bench reports the fake engine speed within 10%, shows progress and saves JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-cli-'));
  let stdout = '';
  let stderr = '';
  const program = new Command().exitOverride();
  registerMeterCommands(program, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  await program.parseAsync(
    [
      'bench',
      'fake/llama-test',
      '--base-url',
      `${engine.url}/v1`,
      '--concurrency',
      '1,4',
      '--duration',
      '1.2s',
      '--max-tokens',
      '64',
      '--bench-dir',
      dir,
    ],
    { from: 'user' },
  );

  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  const run = JSON.parse(readFileSync(join(dir, files[0] ?? ''), 'utf8')) as BenchRun;
  assert.equal(run.target, 'fake/llama-test');
  assert.deepEqual(
    run.levels.map((l) => l.concurrency),
    [1, 4],
  );
  for (const level of run.levels) {
    assert.equal(level.errors, 0);
    assert.ok(level.requests >= level.concurrency);
    const perStream = level.tokensPerSecondPerStream.p50;
    const engineRate = median(sent.rate);
    assert.ok(
      Math.abs(perStream - engineRate) / engineRate < 0.1,
      `per-stream ${perStream} tok/s at c=${level.concurrency}, engine sent ${engineRate}`,
    );
    const engineTtft = median(sent.ttft);
    assert.ok(level.ttftMs.p50 >= TTFT_MS && level.ttftMs.p50 < engineTtft + 60, `ttft ${level.ttftMs.p50}, engine ${engineTtft}`);
    // Each stream takes ~TTFT + 300 ms for 60 tokens; total throughput scales with concurrency.
    const ideal = (level.concurrency * TOKENS_PER_STREAM) / ((TTFT_MS + (TOKENS_PER_STREAM * 1000) / TOKENS_PER_SECOND) / 1000);
    assert.ok(
      level.totalTokensPerSecond > ideal * 0.6 && level.totalTokensPerSecond <= ideal * 1.1,
      `total ${level.totalTokensPerSecond} vs ideal ${ideal}`,
    );
    assert.equal(level.tokensEstimated, false);
  }
  const [c1, c4] = run.levels;
  assert.ok((c4?.totalTokensPerSecond ?? 0) > 2.5 * (c1?.totalTokensPerSecond ?? 0));
  assert.match(stdout, /tok\/s total/);
  assert.match(stdout, /^\s+4\s+\d+\s+0\s/m);
  assert.match(stderr, /\[concurrency 1\] starting/);
  assert.match(stderr, /saved /);
});

test('cost breakeven prints the table and JSON from flags', async () => {
  let stdout = '';
  const program = new Command().exitOverride();
  registerMeterCommands(program, { stdout: { write: (s: string) => (stdout += s) } });
  await program.parseAsync(
    [
      'cost',
      'breakeven',
      '--tokens-out-per-day',
      '70K',
      '--cloud-price-out',
      '10',
      '--gpu-usd-per-hour',
      '1.99',
      '--tokens-per-second',
      '200',
    ],
    { from: 'user' },
  );
  assert.match(stdout, /self-host cost\/day\s+\$47\.76/);
  assert.match(stdout, /break-even volume\s+4\.78M output tokens\/day/);
  assert.match(stdout, /cheapest\s+cloud/);

  stdout = '';
  const p2 = new Command().exitOverride();
  registerMeterCommands(p2, {
    stdout: { write: (s: string) => (stdout += s) },
    loadUsage: async (days) => ({ days, promptTokens: days * 2e6, completionTokens: days * 5e5 }),
  });
  await p2.parseAsync(
    [
      'cost',
      'breakeven',
      '--days',
      '7',
      '--cloud-model',
      'openai/gpt-4o',
      '--gpu-usd-per-hour',
      '1.99',
      '--tokens-per-second',
      '200',
      '--json',
    ],
    {
      from: 'user',
    },
  );
  const json = JSON.parse(stdout) as { inputs: { tokensInPerDay: number }; result: { cloudUsdPerDay: number; cheapest: string } };
  assert.equal(json.inputs.tokensInPerDay, 2e6);
  assert.equal(json.result.cloudUsdPerDay, 10);
  assert.equal(json.result.cheapest, 'cloud');
});
