/**
 * Experiments through a real gateway over loopback, in front of the in-process mock provider (and
 * one recording upstream): the variant drawn per request is the pure function's, sticky per user
 * and episode, applies its prompt version and deployment, yields to policies, is logged, counted
 * in /metrics, and reported per variant by the admin API and `meridian experiments report`.
 * Also prompts on POST /v1/messages (the Anthropic wire).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseConfig } from '../../src/config/load.js';
import { assignVariant } from '../../src/experiments/assign.js';
import { registerExperimentCommands } from '../../src/experiments/cli.js';
import { experimentsOf, type ExperimentReport } from '../../src/experiments/index.js';
import {
  assertLoopNeverBlocked,
  describeFailures,
  getCases,
  rng,
  runCases,
  watchEventLoop,
  type FuzzCase,
  type FuzzRun,
} from '../helpers/fuzz.js';
import { fuzzSeed } from '../helpers/fuzz-gateway.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';

const MASTER = 'master-key-for-tests-0123456789';
const SEED = fuzzSeed(0xe4e7);

describe('experiments over HTTP', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meridian-exp-'));
  const configFile = join(tmp, 'meridian.json.yaml');
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let config: Record<string, unknown>;
  /** Responses to the `support` alias, by variant header. */
  const served = new Map<string, string[]>();

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const admin = (path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const track = (res: Response) => {
    const v = res.headers.get('x-meridian-variant');
    if (v?.startsWith('reply-test/')) served.set(v, [...(served.get(v) ?? []), res.headers.get('x-request-id')!]);
  };
  const ask = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Where is my parcel?' }], ...body }, headers);
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    track(res);
    return res;
  };

  before(async () => {
    upstream = await startUpstream((_req, res) =>
      sendJson(res, 200, {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      }),
    );
    const twoWay = (name: string, sticky: string) => ({
      deployments: [
        { provider: 'local', model: 'small' },
        { provider: 'cloud', model: 'big' },
      ],
      experiment: {
        name,
        sticky,
        variants: [
          { name: 'a', weight: 1 },
          { name: 'b', weight: 1 },
        ],
      },
    });
    config = {
      providers: [
        { id: 'local', type: 'mock', location: 'local' },
        { id: 'cloud', type: 'mock', location: 'cloud', options: {} },
        { id: 'rec', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
      ],
      models: {
        support: {
          deployments: [
            { provider: 'local', model: 'small' },
            { provider: 'cloud', model: 'big', price: { input: 1, output: 2 } },
          ],
          experiment: {
            name: 'reply-test',
            sticky: 'none',
            variants: [
              { name: 'control', weight: 3, prompt: 'sr@1', deployment: 'local' },
              { name: 'treatment', weight: 1, prompt: 'sr@2', deployment: 'cloud/big' },
            ],
          },
        },
        'by-user': twoWay('sticky-user', 'user'),
        'by-episode': twoWay('sticky-episode', 'episode'),
        plain: [{ provider: 'rec', model: 'm' }],
      },
      policies: [{ name: 'private-stays-local', when: { tags: ['private'] }, require: { location: ['local'] } }],
      router: { healthIntervalMs: 0 },
      store: { sqlite: join(tmp, 'meridian.db') },
    };
    writeFileSync(configFile, JSON.stringify({ models: config.models, store: config.store }));
    gw = await startGateway(config, { env: { MERIDIAN_MASTER_KEY: MASTER } });
    const prompt = (tone: string) => ({
      type: 'chat',
      messages: [{ role: 'system', content: `Reply ${tone} for {{company}}.` }, { placeholder: 'history' }],
    });
    for (const tone of ['formally', 'warmly'])
      assert.equal((await admin('/admin/prompts', { name: 'sr', prompt: prompt(tone) })).status, 201);
    const greet = {
      type: 'chat',
      model: 'plain',
      params: { temperature: 0.2, max_tokens: 50, stop: 'END', seed: 7 },
      messages: [{ role: 'system', content: 'You greet {{name}}.' }, { placeholder: 'history' }],
    };
    assert.equal((await admin('/admin/prompts', { name: 'greet', prompt: greet })).status, 201);
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const experiment = () => experimentsOf(parseConfig(config, {})).get('reply-test')!;

  it('each request gets the variant the pure function draws from its request id; the variant applies its prompt and deployment', async () => {
    const exp = experiment();
    for (let batch = 0; batch < 8; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 25 }, () => ask({ model: 'support', prompt: { variables: { company: 'Acme' } } })),
      );
      for (const res of responses) {
        const id = res.headers.get('x-request-id')!;
        const want = assignVariant(exp, `request:${id}`);
        assert.equal(res.headers.get('x-meridian-variant'), want.label);
        assert.equal(res.headers.get('x-meridian-prompt'), want.name === 'control' ? 'sr@1' : 'sr@2');
        assert.match(
          res.headers.get('x-meridian-route')!,
          want.name === 'control'
            ? /^local\/small; reason=experiment:reply-test\/control/
            : /^cloud\/big; reason=experiment:reply-test\/treatment/,
        );
      }
    }
    const control = served.get('reply-test/control')?.length ?? 0;
    const treatment = served.get('reply-test/treatment')?.length ?? 0;
    assert.equal(control + treatment, 200);
    // 3:1 over 200 requests; the ±5% bound over 2,000 draws is in test/unit/experiments.test.ts.
    assert.ok(control > treatment && treatment > 20, `control ${control}, treatment ${treatment}`);
  });

  it('sticky per user (body user, else the key) and per episode (x-meridian-episode)', async () => {
    const seen = new Set<string>();
    for (let u = 0; u < 12; u++) {
      const variants = new Set<string>();
      for (let i = 0; i < 4; i++) variants.add((await ask({ model: 'by-user', user: `user-${u}` })).headers.get('x-meridian-variant')!);
      assert.equal(variants.size, 1, `user-${u} saw ${[...variants].join(', ')}`);
      seen.add([...variants][0]!);
      const episodes = new Set<string>();
      for (let i = 0; i < 4; i++)
        episodes.add((await ask({ model: 'by-episode' }, { 'x-meridian-episode': `ep-${u}` })).headers.get('x-meridian-variant')!);
      assert.equal(episodes.size, 1, `ep-${u} saw ${[...episodes].join(', ')}`);
    }
    assert.deepEqual([...seen].sort(), ['sticky-user/a', 'sticky-user/b'], 'twelve users land on both variants');
    const msg = await post('/v1/messages', {
      model: 'by-user',
      max_tokens: 10,
      metadata: { user_id: 'user-0' },
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(msg.status, 200);
    const viaChat = (await ask({ model: 'by-user', user: 'user-0' })).headers.get('x-meridian-variant');
    assert.equal(msg.headers.get('x-meridian-variant'), viaChat, 'the Anthropic metadata.user_id is the same user');
  });

  it('a policy excluding the variant deployment wins: the normal plan runs, the variant is still recorded', async () => {
    let treated = 0;
    for (let i = 0; i < 40; i++) {
      const res = await ask({ model: 'support', prompt: { variables: { company: 'Acme' } } }, { 'x-meridian-tags': 'private' });
      assert.match(res.headers.get('x-meridian-route')!, /^local\/small; /);
      if (res.headers.get('x-meridian-variant') === 'reply-test/treatment') {
        treated++;
        assert.match(res.headers.get('x-meridian-route')!, /reason=private-stays-local/);
        assert.equal(res.headers.get('x-meridian-prompt'), 'sr@2', 'the prompt arm still applies');
      }
    }
    assert.ok(treated > 0, 'some private requests drew the cloud variant');
  });

  it('reports per variant: requests, feedback with 95% intervals, cost, latency p50 (admin API, CLI, /metrics)', async () => {
    const control = served.get('reply-test/control')!;
    const treatment = served.get('reply-test/treatment')!;
    const rate = async (id: string, body: Record<string, unknown>) =>
      assert.equal((await post('/v1/feedback', { request_id: id, ...body })).status, 201);
    for (const [i, id] of control.slice(0, 10).entries()) await rate(id, { label: i < 8 ? 'pass' : 'fail', score: i < 8 ? 1 : 0 });
    for (const [i, id] of treatment.slice(0, 6).entries()) await rate(id, { label: i < 3 ? 'pass' : 'fail' });
    await rate(treatment[0]!, { score: 0.5 });

    const res = await admin('/admin/experiments?name=reply-test&since=1h');
    assert.equal(res.status, 200);
    const report = (await res.json()) as ExperimentReport;
    assert.equal(report.requests, control.length + treatment.length);
    const [c, t] = report.variants;
    assert.equal(c!.variant, 'control');
    assert.equal(c!.requests, control.length);
    assert.equal(c!.expectedShare, 0.75);
    assert.equal(c!.prompt, 'sr@1');
    assert.equal(c!.deployment, 'local/small');
    assert.equal(c!.feedback.count, 10);
    assert.deepEqual({ n: c!.feedback.passRate!.n, passes: c!.feedback.passRate!.passes }, { n: 10, passes: 8 });
    // Wilson 95% for 8/10: 0.490–0.943.
    assert.ok(Math.abs(c!.feedback.passRate!.ci95.low - 0.4902) < 1e-3 && Math.abs(c!.feedback.passRate!.ci95.high - 0.9433) < 1e-3);
    assert.equal(c!.feedback.score!.mean, 0.8);
    assert.ok(c!.feedback.score!.ci95!.low < 0.8 && c!.feedback.score!.ci95!.high > 0.8);
    assert.ok(c!.latencyP50Ms! > 0);
    assert.equal(t!.requests, treatment.length);
    assert.equal(t!.feedback.count, 7);
    assert.deepEqual({ n: t!.feedback.passRate!.n, passes: t!.feedback.passRate!.passes }, { n: 6, passes: 3 });
    assert.equal(t!.feedback.score!.n, 1);
    // Only the treatment's cloud deployment has a price; private requests of treatment ran locally.
    assert.ok(t!.cost.totalUsd > 0 && c!.cost.totalUsd === 0, JSON.stringify([c!.cost, t!.cost]));

    const list = (await (await admin('/admin/experiments')).json()) as { data: Array<{ name: string }> };
    assert.deepEqual(list.data.map((e) => e.name).sort(), ['reply-test', 'sticky-episode', 'sticky-user']);
    assert.equal((await admin('/admin/experiments?name=never-ran')).status, 404);
    assert.equal((await admin('/admin/experiments?name=Bad%20Name')).status, 400);
    assert.equal((await admin('/admin/experiments?name=reply-test&since=yesterday-ish')).status, 400);
    assert.equal((await fetch(`${gw.url}/admin/experiments`)).status, 401);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`meridian_experiment_requests_total\\{variant="reply-test/control",status="200"\\} ${c!.requests}`));

    const out: string[] = [];
    const program = new Command().option('-c, --config <file>').exitOverride();
    registerExperimentCommands(program, undefined, { out: (t) => out.push(t) });
    await program.parseAsync(['node', 'meridian', '-c', configFile, 'experiments', 'report', 'reply-test', '--since', '1h']);
    const text = out.join('\n');
    assert.match(text, /experiment reply-test \(alias support, sticky none\)/);
    assert.match(text, new RegExp(`control {2}\\(sr@1 on local/small\\)\\n {4}requests ${c!.requests} `));
    assert.match(text, /pass 80\.0% \[49\.0%, 94\.3%\] \(8\/10\)/);
    out.length = 0;
    await program.parseAsync(['node', 'meridian', '-c', configFile, 'experiments', 'report', 'reply-test', '--json']);
    assert.equal((JSON.parse(out.join('')) as ExperimentReport).variants[1]!.feedback.count, 7);
    out.length = 0;
    await program.parseAsync(['node', 'meridian', '-c', configFile, 'experiments', 'list']);
    assert.match(out.join('\n'), /treatment {2}weight=1 \(25\.0%\) {2}prompt=sr@2 deployment=cloud\/big/);
    await assert.rejects(
      program.parseAsync(['node', 'meridian', '-c', configFile, 'experiments', 'report', 'nothing-here']),
      /no experiment named "nothing-here"/,
    );
  });

  it('prompts on POST /v1/messages: "prompt:name@label" and a prompt object, rendered into the Anthropic body', async () => {
    const res = await post('/v1/messages', {
      model: 'prompt:greet@latest',
      prompt: { variables: { name: 'Ada' } },
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-meridian-prompt'), 'greet@1');
    const message = (await res.json()) as { type: string; content: Array<{ text: string }> };
    assert.equal(message.type, 'message');
    assert.equal(message.content[0]!.text, 'hello');
    let sent = upstream.requests.at(-1)!.json as Record<string, unknown>;
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'You greet Ada.' },
      { role: 'user', content: 'hi' },
    ]);
    assert.equal(sent.temperature, 0.2, 'the prompt parameters are defaults');
    assert.equal(sent.max_tokens, 50);
    assert.deepEqual(sent.stop, ['END']);

    const own = await post('/v1/messages', {
      model: 'plain',
      prompt: { name: 'greet', version: 1, variables: { name: 'Bo' } },
      system: 'Be brief.',
      max_tokens: 20,
      temperature: 0.9,
      messages: [{ role: 'user', content: 'hello?' }],
    });
    assert.equal(own.status, 200, await own.clone().text());
    sent = upstream.requests.at(-1)!.json as Record<string, unknown>;
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'You greet Bo.\n\nBe brief.' },
      { role: 'user', content: 'hello?' },
    ]);
    assert.equal(sent.max_tokens, 20, 'the request overrides the prompt');
    assert.equal(sent.temperature, 0.9);

    const missing = await post('/v1/messages', { model: 'prompt:greet@latest', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(missing.status, 400);
    const err = (await missing.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(err.type, 'error', 'the Anthropic error envelope');
    assert.match(err.error.message, /needs the variable "name"/);
    const unknown = await post('/v1/messages', { model: 'prompt:greet@nope', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(unknown.status, 404);

    const variant = await post('/v1/messages', {
      model: 'support',
      max_tokens: 10,
      prompt: { variables: { company: 'Acme' } },
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(variant.status, 200, await variant.clone().text());
    assert.match(variant.headers.get('x-meridian-variant')!, /^reply-test\/(control|treatment)$/);
    assert.match(variant.headers.get('x-meridian-prompt')!, /^sr@[12]$/, 'the variant prompt applies on the Anthropic wire too');
  });

  it(`fuzz GET /admin/experiments: hostile names, times, headers; no 5xx, OpenAI envelope, loop never blocked (seed ${SEED})`, async () => {
    const auth = { authorization: `Bearer ${MASTER}` };
    const r = rng(SEED);
    const words = ['reply-test', 'sticky-user', 'x', '', '%00', '../..', 'a'.repeat(300), 'Reply-Test', 'r_t', '__proto__'];
    const times = ['1h', '7d', '0m', '-1h', '2026-13-40', '9999-12-31T23:59:59Z', 'now', '%ff', '1e309d', ''];
    const cases: FuzzCase[] = getCases(r, '/admin/experiments', 200, auth);
    for (let i = 0; i < 200; i++) {
      const q = `name=${encodeURIComponent(words[Math.floor(r() * words.length)]!)}&since=${encodeURIComponent(times[Math.floor(r() * times.length)]!)}`;
      cases.push({ generator: 'name-since', method: 'GET', path: `/admin/experiments?${q}`, headers: auth });
    }
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, cases, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 50, describeFailures(run));
    assertLoopNeverBlocked(loop);
  });

  // Last: creating a key turns authentication on (auth.mode auto) for the rest of the gateway's life.
  it('sticky per API key when the body names no user; a key that may not use the alias learns nothing of the experiment', async () => {
    const create = async (body: unknown) => (await (await admin('/admin/keys', body)).json()) as { key: string; id: string };
    const any = await create({ tenant: 't1' });
    const plainOnly = await create({ tenant: 't1', models: ['plain'] });
    const exp = experimentsOf(parseConfig(config, {})).get('sticky-user')!;
    const want = assignVariant(exp, `key:${any.id}`).label;
    for (let i = 0; i < 4; i++) {
      const res = await post(
        '/v1/chat/completions',
        { model: 'by-user', messages: [{ role: 'user', content: 'hi' }] },
        { authorization: `Bearer ${any.key}` },
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-meridian-variant'), want);
    }
    const refused = await post(
      '/v1/chat/completions',
      { model: 'support', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${plainOnly.key}` },
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-meridian-variant'), null);
  });
});
