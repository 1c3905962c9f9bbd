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

  it('with no cloud price: the logged cloud spend per day is the cloud side', async () => {
    const { inputs, result } = await breakevenCli(configPath, ['--days', '1', '--gpu-usd-per-hour', '2', '--tokens-per-second', '200']);
    const loggedCloudUsd = CLOUD_REQUESTS * usdFor(catalogPrice('openai', 'gpt-4o'), CLOUD);
    assert.equal(inputs.tokensOutPerDay, tokensOut);
    closeTo(result.cloudUsdPerDay as number, loggedCloudUsd, 'cloud/day = logged cost');
    closeTo(result.savingsUsdPerDay as number, 48 - loggedCloudUsd, 'savings');
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
