/**
 * Issue 5, "break-even advisor from the logged traffic": requests go through a gateway whose
 * store is a SQLite file; then `meridian cost breakeven --days 1 … --json` (the real CLI, as a
 * child process, with the same config file) must use the logged totals: tokens in/out per day,
 * the cached share of the input, and — with no cloud price given — what the traffic actually cost.
 * The arithmetic it is checked against is docs/cost.md's ("Self-host or API?").
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerMeterCommands, type MeterCliDeps } from '../../src/meter/cli.js';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway } from '../helpers/gateway.js';
import { catalogPrice, chat, closeTo, usdFor } from '../helpers/cost.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

// Each cloud request: 1,000 prompt tokens (400 cached), 200 completion tokens. Each local one: 100 + 50.
const CLOUD = { prompt: 1_000, cached: 400, completion: 200 };
const LOCAL = { prompt: 100, completion: 50 };
const CLOUD_REQUESTS = 3;
const LOCAL_REQUESTS = 2;

async function breakevenCli(
  configPath: string,
  flags: string[],
): Promise<{ inputs: Record<string, number>; result: Record<string, number | string> }> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', '--config', configPath, 'cost', 'breakeven', ...flags, '--json'],
    {
      cwd: ROOT,
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout);
}

describe('meridian cost breakeven --days N reads the request log', () => {
  let dir: string;
  let configPath: string;
  let upstream: FakeUpstream;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-breakeven-'));
    upstream = await startUpstream((req, res) => {
      if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [] });
      const local = req.json.model === 'llama-3.1-8b';
      const u = local ? LOCAL : CLOUD;
      sendJson(res, 200, {
        id: 'chatcmpl-log',
        object: 'chat.completion',
        created: 1,
        model: req.json.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: u.prompt,
          completion_tokens: u.completion,
          total_tokens: u.prompt + u.completion,
          ...(local ? {} : { prompt_tokens_details: { cached_tokens: CLOUD.cached } }),
        },
      });
    });
    const config = {
      providers: [
        { id: 'openai', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-test-abcdef', location: 'cloud' },
        { id: 'vllm', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
      ],
      models: { cloud: [{ provider: 'openai', model: 'gpt-4o' }], local: [{ provider: 'vllm', model: 'llama-3.1-8b' }] },
      store: { sqlite: join(dir, 'meridian.db') },
    };
    configPath = join(dir, 'meridian.json');
    writeFileSync(configPath, JSON.stringify(config));
    const gw = await startGateway(config);
    for (let i = 0; i < CLOUD_REQUESTS; i++)
      assert.equal((await chat(gw.url, { model: 'cloud', messages: [{ role: 'user', content: 'Hi' }] })).status, 200);
    for (let i = 0; i < LOCAL_REQUESTS; i++)
      assert.equal((await chat(gw.url, { model: 'local', messages: [{ role: 'user', content: 'Hi' }] })).status, 200);
    // A failed request is logged but is not traffic the break-even should count.
    assert.equal((await chat(gw.url, { model: 'nope', messages: [{ role: 'user', content: 'Hi' }] })).status, 404);
    await gw.close(); // drains and flushes the request log to the file
  });
  after(async () => {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tokensIn = CLOUD_REQUESTS * CLOUD.prompt + LOCAL_REQUESTS * LOCAL.prompt;
  const tokensOut = CLOUD_REQUESTS * CLOUD.completion + LOCAL_REQUESTS * LOCAL.completion;
  const cached = CLOUD_REQUESTS * CLOUD.cached;

  it('with a cloud model: logged volumes and cached share, priced at the catalog, against the GPU', async () => {
    const { inputs, result } = await breakevenCli(configPath, [
      '--days',
      '1',
      '--cloud-model',
      'gpt-4o',
      '--gpu-usd-per-hour',
      '2',
      '--tokens-per-second',
      '200',
    ]);
    assert.equal(inputs.tokensInPerDay, tokensIn);
    assert.equal(inputs.tokensOutPerDay, tokensOut);
    closeTo(inputs.cachedInputFraction!, cached / tokensIn, 'cached share');
    const p = catalogPrice('openai', 'gpt-4o');
    assert.equal(inputs.cloudPriceIn, p.input);
    assert.equal(inputs.cloudPriceOut, p.output);
    assert.equal(inputs.cloudPriceCachedIn, p.cachedInput);
    closeTo(result.cloudUsdPerDay as number, usdFor(p, { prompt: tokensIn, cached, completion: tokensOut }), 'cloud/day');
    assert.equal(result.selfHostUsdPerDay, 48); // $2/h × 24 h
    assert.equal(result.capacityTokensOutPerDay, 200 * 86_400);
    assert.equal(result.cheapest, 'cloud');
  });

  it('with no cloud price: the price per token is what the cloud requests paid, local traffic left out', async () => {
    const { inputs, result } = await breakevenCli(configPath, ['--days', '1', '--gpu-usd-per-hour', '2', '--tokens-per-second', '200']);
    const loggedCloudUsd = CLOUD_REQUESTS * usdFor(catalogPrice('openai', 'gpt-4o'), CLOUD);
    const cloudOut = CLOUD_REQUESTS * CLOUD.completion;
    // Output-equivalent price from cloud requests only: their spend over their output tokens.
    assert.equal(inputs.cloudPriceIn, 0);
    closeTo(inputs.cloudPriceOut!, (loggedCloudUsd / cloudOut) * 1e6, 'cloud price per 1M output tokens');
    // Both sides serve all logged traffic: the cloud side prices it at that rate.
    assert.equal(inputs.tokensOutPerDay, tokensOut);
    closeTo(result.cloudUsdPerDay as number, (loggedCloudUsd * tokensOut) / cloudOut, 'cloud/day');
    closeTo(result.savingsUsdPerDay as number, 48 - (loggedCloudUsd * tokensOut) / cloudOut, 'savings');
  });

  it('over N days the totals are divided by N', async () => {
    const { inputs } = await breakevenCli(configPath, [
      '--days',
      '4',
      '--cloud-model',
      'gpt-4o',
      '--gpu-usd-per-hour',
      '2',
      '--tokens-per-second',
      '200',
    ]);
    assert.equal(inputs.tokensInPerDay, tokensIn / 4);
    assert.equal(inputs.tokensOutPerDay, tokensOut / 4);
  });
});

/** Runs `cost breakeven … --json` in process with a stubbed request log. */
async function breakevenInProcess(flags: string[], loadUsage?: MeterCliDeps['loadUsage']): Promise<{ inputs: any; result: any }> {
  let stdout = '';
  const program = new Command().exitOverride();
  registerMeterCommands(program, { stdout: { write: (s: string) => (stdout += s) }, ...(loadUsage ? { loadUsage } : {}) });
  await program.parseAsync(['cost', 'breakeven', ...flags, '--json'], { from: 'user' });
  return JSON.parse(stdout);
}

describe('meridian cost breakeven --cloud-price-cached-in applies with and without --days', () => {
  // 2M input tokens a day, half of them read from the cache; 500K output. $2.50 in, $0.25 cached, $10 out.
  const base = ['--cloud-price-in', '2.5', '--cloud-price-out', '10', '--cloud-price-cached-in', '0.25'];
  const gpu = ['--gpu-usd-per-hour', '2', '--tokens-per-second', '200'];
  const expectedCloudPerDay = (1e6 * 2.5 + 1e6 * 0.25 + 5e5 * 10) / 1e6;

  it('typed volumes: the cached share is a flag, and the cached price is used', async () => {
    const { inputs, result } = await breakevenInProcess([
      '--tokens-in-per-day',
      '2M',
      '--tokens-out-per-day',
      '500K',
      ...base,
      '--cached-input-share',
      '0.5',
      ...gpu,
    ]);
    assert.equal(inputs.cloudPriceCachedIn, 0.25);
    assert.equal(inputs.cachedInputFraction, 0.5);
    closeTo(result.cloudUsdPerDay, expectedCloudPerDay, 'cloud/day');
  });

  it('logged volumes: the same price against the logged cached share gives the same answer', async () => {
    const { result } = await breakevenInProcess(['--days', '2', ...base, ...gpu], async (days) => ({
      days,
      promptTokens: days * 2e6,
      completionTokens: days * 5e5,
      cachedTokens: days * 1e6,
    }));
    closeTo(result.cloudUsdPerDay, expectedCloudPerDay, 'cloud/day');
  });

  it('typed volumes without a cached share: a clear error instead of silently ignoring the price', async () => {
    await assert.rejects(
      breakevenInProcess(['--tokens-in-per-day', '2M', '--tokens-out-per-day', '500K', ...base, ...gpu]),
      /--cloud-price-cached-in needs the share of input served from the cache: add --cached-input-share/,
    );
    await assert.rejects(
      breakevenInProcess(['--tokens-out-per-day', '1M', '--cached-input-share', '1.5', ...base, ...gpu]),
      /between 0 and 1/,
    );
  });

  it('no cloud requests logged and no cloud price: says so', async () => {
    await assert.rejects(
      breakevenInProcess(['--days', '1', ...gpu], async (days) => ({
        days,
        promptTokens: 1000,
        completionTokens: 500,
        cloud: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
      })),
      /No cloud traffic in the last 1 days/,
    );
  });
});
