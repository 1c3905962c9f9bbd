/**
 * The vertex adapter (Gemini on Vertex AI) against a fake Vertex endpoint and a fake Google OAuth
 * token endpoint on 127.0.0.1 (test/contract/fixtures/vertex/fake-vertex.ts). Wire formats:
 * https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.publishers.models/generateContent ,
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Agent, type Dispatcher } from 'undici';
import type { ChatRequest, StreamEvent } from '../../src/api/types.js';
import { ConfigError, UpstreamError } from '../../src/errors.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { ChatResult, Deployment, ProviderAdapter, ProviderHandle } from '../../src/providers/spec.js';
import { createVertexAdapter } from '../../src/providers/vertex/index.js';
import { sendJson, sendSse } from '../helpers/upstream.js';
import { CLIENT_EMAIL, PROJECT, REGION, startFakeVertex, vertexResponse, type FakeVertex } from './fixtures/vertex/fake-vertex.js';

let vx: FakeVertex;
let keyPath: string;
const handles: ProviderHandle[] = [];

before(async () => {
  vx = await startFakeVertex((_req, res) => sendJson(res, 200, vertexResponse([{ text: 'Hello from Vertex.' }])));
  keyPath = join(mkdtempSync(join(tmpdir(), 'meridian-vertex-')), 'sa.json');
  writeFileSync(keyPath, JSON.stringify(vx.keyFile));
});
after(async () => {
  await Promise.all(handles.map((h) => h.http.close()));
  await vx.close();
});
beforeEach(() => {
  vx.api.requests.length = 0;
  vx.setApi((_req, res) => sendJson(res, 200, vertexResponse([{ text: 'Hello from Vertex.' }])));
});

interface Setup {
  adapter: ProviderAdapter;
  provider: ProviderHandle;
  deployment: Deployment;
}

function setup(options: Record<string, unknown> = { credentialsFile: keyPath }): Setup {
  const base = createProviderHandle({ id: 'vertex', type: 'vertex', baseUrl: vx.api.url, options: { region: REGION, ...options } });
  handles.push(base);
  const adapter = createVertexAdapter({ now: () => vx.clock.now });
  const provider: ProviderHandle = { ...base, adapter };
  const deployment: Deployment = {
    id: 'vertex/gemini-2.5-flash',
    provider,
    model: 'gemini-2.5-flash',
    location: provider.location,
    capabilities: { tools: true, vision: true, jsonSchema: true, embeddings: false },
  };
  return { adapter, provider, deployment };
}

function chat(s: Setup, request: Omit<ChatRequest, 'model'>): Promise<ChatResult> {
  return s.adapter.chat({
    request: { model: s.deployment.model, ...request },
    deployment: s.deployment,
    signal: AbortSignal.timeout(5000),
  });
}

async function events(result: ChatResult): Promise<StreamEvent[]> {
  assert.equal(result.type, 'stream');
  const out: StreamEvent[] = [];
  if (result.type === 'stream') for await (const e of result.events) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `expected an UpstreamError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

const PATH = `/v1/projects/${PROJECT}/locations/${REGION}/publishers/google/models/gemini-2.5-flash`;

describe('vertex: config', () => {
  it('defaults to location private and checks its options by name', () => {
    const s = setup();
    assert.equal(s.provider.location, 'private');
    const check = (o: Record<string, unknown>) => () => s.adapter.checkOptions!(o);
    assert.throws(check({ region: REGION }), (e: Error) => e instanceof ConfigError && /credentialsFile/.test(e.message));
    assert.throws(check({ region: REGION, credentialsFile: keyPath, credentials: vx.keyFile }), /exactly one/);
    assert.throws(check({ credentialsFile: keyPath }), /options\.region/);
    assert.throws(check({ region: REGION, credentialsFile: '/nonexistent/sa.json' }), /cannot read '\/nonexistent\/sa.json' \(ENOENT\)/);
    assert.throws(
      check({
        region: REGION,
        credentials: { ...vx.keyFile, private_key: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n' },
      }),
      (e: Error) => {
        assert.match(e.message, /not a valid PEM key/);
        assert.ok(!e.message.includes('nope'));
        return true;
      },
    );
    assert.throws(check({ region: REGION, credentials: '{not json' }), /options\.credentials is not valid JSON/);
    assert.throws(check({ region: REGION, credentialsFile: keyPath, location: 'x' }), /options\.location is not a vertex option/);
    assert.throws(
      () =>
        createProviderHandle({ id: 'v', type: 'vertex', options: { region: REGION, credentialsFile: keyPath, project: 'Bad_Project' } }),
      (e: Error) => e instanceof ConfigError && e.message.startsWith('providers[v].options.project'),
    );
    assert.doesNotThrow(check({ region: 'global', credentials: JSON.stringify(vx.keyFile) }));
  });
});

describe('vertex: service-account token', () => {
  it('signs an RS256 JWT the token endpoint verifies, reuses the token, refreshes it a minute before expiry', async () => {
    const s = setup();
    const before = vx.tokenRequests;
    await chat(s, { messages: [{ role: 'user', content: 'one' }] });
    await chat(s, { messages: [{ role: 'user', content: 'two' }] });
    assert.equal(vx.tokenRequests - before, 1);
    assert.deepEqual(vx.lastHeader, { alg: 'RS256', typ: 'JWT', kid: 'a1b2c3d4e5f6' });
    const iat = Math.floor(vx.clock.now / 1000);
    assert.deepEqual(vx.lastClaims, {
      iss: CLIENT_EMAIL,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: `${vx.oauth.url}/token`,
      iat,
      exp: iat + 3600,
    });
    const [a, b] = vx.api.requests.map((r) => r.headers.authorization);
    assert.match(a!, /^Bearer ya29\./);
    assert.equal(a, b);

    vx.clock.now += 57 * 60_000; // 57 min: still more than a minute left on a 59m59s token
    await chat(s, { messages: [{ role: 'user', content: 'three' }] });
    assert.equal(vx.tokenRequests - before, 1);
    vx.clock.now += 2 * 60_000; // 59 min: inside the last minute — a new token, with a fresh assertion
    await chat(s, { messages: [{ role: 'user', content: 'four' }] });
    assert.equal(vx.tokenRequests - before, 2);
    assert.notEqual(vx.api.requests.at(-1)!.headers.authorization, a);
    assert.equal(vx.lastClaims!.iat, Math.floor(vx.clock.now / 1000));
  });

  it('inline credentials work too; a key the endpoint does not know is a 401 auth failure without secrets', async () => {
    const inline = setup({ credentials: vx.keyFile });
    const r = await chat(inline, { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.type, 'response');

    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const s = setup({ credentials: { ...vx.keyFile, private_key: other } });
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(err.code, 'upstream_auth_failed');
    assert.equal(err.upstreamStatus, 401);
    assert.match(err.message, /invalid_grant: Invalid JWT Signature/);
    assert.match(err.message, new RegExp(`service account ${CLIENT_EMAIL}`));
    assert.ok(!err.message.includes(vx.oauth.url), 'the token endpoint is not named');
    assert.ok(!/eyJ[A-Za-z0-9_-]{10}/.test(err.message) && !err.message.includes('PRIVATE KEY'));
  });

  it('a token the API refuses is dropped: the next call gets a new one', async () => {
    const s = setup();
    await chat(s, { messages: [{ role: 'user', content: 'hi' }] });
    const token = vx.api.requests.at(-1)!.headers.authorization!.replace('Bearer ', '');
    vx.issued.delete(token);
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(err.upstreamStatus, 401);
    await chat(s, { messages: [{ role: 'user', content: 'hi' }] });
    assert.notEqual(vx.api.requests.at(-1)!.headers.authorization, `Bearer ${token}`);
  });

  it('an upstream error that echoes the access token never shows it', async () => {
    const s = setup();
    vx.setApi((req, res) =>
      sendJson(res, 500, {
        error: { code: 500, status: 'INTERNAL', message: `internal error for ${req.headers.authorization!.replace('Bearer ', '')}` },
      }),
    );
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }));
    const token = vx.api.requests.at(-1)!.headers.authorization!.replace('Bearer ', '');
    assert.ok(!err.message.includes(token), err.message);
    assert.match(err.message, /internal error for \*\*\*/);
  });
});

describe('vertex: generateContent with the Gemini mapping', () => {
  it('sends the Gemini body to the project/location/publisher path and maps the answer', async () => {
    const s = setup();
    const r = await chat(s, {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 64,
    });
    const sent = vx.api.requests.at(-1)!;
    assert.equal(sent.url, `${PATH}:generateContent`);
    assert.deepEqual(sent.json, {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 64 },
    });
    assert.equal(r.type, 'response');
    if (r.type !== 'response') return;
    assert.equal(r.response.choices[0]!.message.content, 'Hello from Vertex.');
    assert.equal(r.response.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(r.response.usage, { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 });
  });

  it('round-trips tools: functionCall out as tool_calls, the tool result back as functionResponse', async () => {
    const s = setup();
    vx.setApi((_req, res) => sendJson(res, 200, vertexResponse([{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }])));
    const tools: ChatRequest['tools'] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const r = await chat(s, { messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools });
    assert.equal(r.type, 'response');
    if (r.type !== 'response') return;
    const call = r.response.choices[0]!.message.tool_calls![0]!;
    assert.equal(r.response.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
    assert.deepEqual(vx.api.requests.at(-1)!.json.tools[0].functionDeclarations[0].name, 'get_weather');

    vx.setApi((_req, res) => sendJson(res, 200, vertexResponse([{ text: 'It is 4 °C.' }])));
    await chat(s, {
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"celsius":4}' },
      ],
      tools,
    });
    const contents = vx.api.requests.at(-1)!.json.contents;
    assert.deepEqual(contents[1].parts[0].functionCall, { name: 'get_weather', args: { city: 'Oslo' } });
    assert.equal(contents[2].parts[0].functionResponse.name, 'get_weather');
  });

  it('streams over streamGenerateContent?alt=sse with usage at the end; SAFETY is content_filter', async () => {
    const s = setup();
    vx.setApi((_req, res) =>
      sendSse(res, [
        {
          candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }],
          modelVersion: 'gemini-2.5-flash',
          responseId: 'r1',
          createTime: '2026-12-01T12:00:00Z',
        },
        {
          candidates: [{ content: { role: 'model', parts: [{ text: 'lo.' }] }, finishReason: 'STOP' }],
          usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5, trafficType: 'ON_DEMAND' },
          modelVersion: 'gemini-2.5-flash',
          responseId: 'r1',
        },
      ]),
    );
    const evs = await events(await chat(s, { messages: [{ role: 'user', content: 'hi' }], stream: true }));
    assert.equal(vx.api.requests.at(-1)!.url, `${PATH}:streamGenerateContent?alt=sse`);
    assert.equal(evs.map((e) => e.chunk.choices[0]?.delta.content ?? '').join(''), 'Hello.');
    assert.equal(evs.find((e) => e.chunk.choices[0]?.finish_reason)!.chunk.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(evs.at(-1)!.chunk.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });

    vx.setApi((_req, res) => sendJson(res, 200, vertexResponse([], 'SAFETY')));
    const blocked = await chat(s, { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(blocked.type === 'response' && blocked.response.choices[0]!.finish_reason, 'content_filter');
  });

  it('another project is the 403 Vertex sends; listModels reads the publisher models', async () => {
    const s = setup({ credentialsFile: keyPath, project: 'someone-else-42' });
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(err.upstreamStatus, 403);
    assert.match(err.message, /PERMISSION_DENIED|aiplatform\.endpoints\.predict/);
    const ok = setup();
    const models = await ok.adapter.listModels!(ok.provider, AbortSignal.timeout(5000));
    assert.deepEqual(
      models.map((m) => m.id),
      ['gemini-2.5-flash', 'gemini-2.5-pro'],
    );
    assert.equal(vx.api.requests.at(-1)!.url, '/v1beta1/publishers/google/models?pageSize=100');
  });

  it('without baseUrl, calls go to the regional host (or the global one for region global)', async () => {
    const agent = new Agent();
    const seen: string[] = [];
    // Records where the adapter sends each call, then delivers API calls to the fake.
    const recorder = {
      request(o: Dispatcher.RequestOptions) {
        seen.push(`${String(o.origin)}${o.path}`);
        return agent.request(String(o.origin).endsWith('aiplatform.googleapis.com') ? { ...o, origin: vx.api.url } : o);
      },
      close: () => agent.close(),
    } as unknown as Dispatcher;
    for (const region of [REGION, 'global']) {
      seen.length = 0;
      const base = createProviderHandle({ id: 'vertex', type: 'vertex', options: { region, credentialsFile: keyPath } }, recorder);
      const adapter = createVertexAdapter({ now: () => vx.clock.now });
      const provider = { ...base, adapter };
      const deployment = { ...setup().deployment, provider };
      vx.setApi((_req, res) => sendJson(res, 200, vertexResponse([{ text: 'ok' }])));
      await adapter
        .chat({
          request: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] },
          deployment,
          signal: AbortSignal.timeout(5000),
        })
        .catch(() => undefined);
      const host = region === 'global' ? 'https://aiplatform.googleapis.com' : `https://${region}-aiplatform.googleapis.com`;
      assert.equal(
        seen.at(-1),
        `${host}/v1/projects/${PROJECT}/locations/${region}/publishers/google/models/gemini-2.5-flash:generateContent`,
      );
    }
    await agent.close();
  });
});

describe('vertex: Claude on Vertex (Anthropic publisher)', () => {
  const anthropicFixture = (name: string) => readFileSync(new URL(`./fixtures/anthropic/${name}`, import.meta.url), 'utf8');
  const claude = (s: Setup, model = 'claude-sonnet-4-5@20250929'): Deployment => ({ ...s.deployment, id: `vertex/${model}`, model });

  it('posts the Messages body to :rawPredict with anthropic_version and no model; tool_use comes back as tool_calls', async () => {
    const s = setup();
    vx.setApi((_req, res) => sendJson(res, 200, JSON.parse(anthropicFixture('message-tool-use.json'))));
    const d = claude(s);
    const tools: ChatRequest['tools'] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    ];
    const r = await s.adapter.chat({
      request: {
        model: d.model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in SF?' },
        ],
        tools,
        max_tokens: 300,
      },
      deployment: d,
      signal: AbortSignal.timeout(5000),
    });
    const sent = vx.api.requests.at(-1)!;
    assert.equal(sent.url, `/v1/projects/${PROJECT}/locations/${REGION}/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`);
    assert.match(sent.headers.authorization ?? '', /^Bearer ya29\./);
    assert.equal(sent.json.anthropic_version, 'vertex-2023-10-16');
    assert.equal(sent.json.model, undefined);
    assert.equal(sent.json.system, 'Be brief.');
    assert.equal(sent.json.max_tokens, 300);
    assert.equal(sent.json.tools[0].name, 'get_weather');
    assert.equal(r.type, 'response');
    if (r.type !== 'response') return;
    assert.equal(r.response.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(JSON.parse(r.response.choices[0]!.message.tool_calls![0]!.function.arguments), {
      location: 'San Francisco, CA',
      unit: 'celsius',
    });
  });

  it('streams Anthropic events from :streamRawPredict', async () => {
    const s = setup();
    vx.setApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(anthropicFixture('stream-text.sse'));
    });
    const d = claude(s, 'anthropic/claude-haiku-4-5@20251001');
    const evs = await events(
      await s.adapter.chat({
        request: { model: d.model, messages: [{ role: 'user', content: 'hi' }], stream: true },
        deployment: d,
        signal: AbortSignal.timeout(5000),
      }),
    );
    assert.equal(
      vx.api.requests.at(-1)!.url,
      `/v1/projects/${PROJECT}/locations/${REGION}/publishers/anthropic/models/claude-haiku-4-5@20251001:streamRawPredict`,
    );
    assert.equal(evs.map((e) => e.chunk.choices[0]?.delta.content ?? '').join(''), 'Hello!');
    assert.equal(evs.find((e) => e.chunk.choices[0]?.finish_reason)!.chunk.choices[0]!.finish_reason, 'stop');
    assert.ok(evs.some((e) => e.chunk.usage?.completion_tokens === 15));
  });
});

describe('vertex: custom endpoint serving OpenAI-compatible chat', () => {
  const ep = (s: Setup, model: string): Deployment => ({ ...s.deployment, id: `vertex/${model}`, model });

  it('posts the OpenAI body to endpoints/{id}/chat/completions, with the served model only when named', async () => {
    const s = setup();
    vx.setApi((_req, res) =>
      sendJson(res, 200, {
        id: 'chatcmpl-v1',
        object: 'chat.completion',
        created: 1764590400,
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi from vLLM.' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 },
      }),
    );
    const bare = ep(s, 'endpoints/1234567890');
    const r = await s.adapter.chat({
      request: { model: bare.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 9 },
      deployment: bare,
      signal: AbortSignal.timeout(5000),
    });
    const sent = vx.api.requests.at(-1)!;
    assert.equal(sent.url, `/v1/projects/${PROJECT}/locations/${REGION}/endpoints/1234567890/chat/completions`);
    assert.match(sent.headers.authorization ?? '', /^Bearer ya29\./);
    assert.deepEqual(sent.json, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 9 });
    assert.equal(r.type === 'response' && r.response.choices[0]!.message.content, 'Hi from vLLM.');

    const named = ep(s, 'endpoints/1234567890/meta-llama/Llama-3.1-8B-Instruct');
    await s.adapter.chat({
      request: { model: named.model, messages: [{ role: 'user', content: 'hi' }] },
      deployment: named,
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(vx.api.requests.at(-1)!.json.model, 'meta-llama/Llama-3.1-8B-Instruct');
  });

  it('streams OpenAI chunks with usage', async () => {
    const s = setup();
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    vx.setApi((_req, res) =>
      sendSse(res, [
        chunk({ role: 'assistant', content: 'Hi' }),
        chunk({}, 'stop'),
        { ...chunk({}), choices: [], usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } },
        '[DONE]',
      ]),
    );
    const d = ep(s, 'endpoints/1234567890');
    const evs = await events(
      await s.adapter.chat({
        request: { model: d.model, messages: [{ role: 'user', content: 'hi' }], stream: true },
        deployment: d,
        signal: AbortSignal.timeout(5000),
      }),
    );
    assert.deepEqual(vx.api.requests.at(-1)!.json.stream_options, { include_usage: true });
    assert.equal(evs[0]!.chunk.choices[0]!.delta.content, 'Hi');
    assert.deepEqual(evs.at(-1)!.chunk.usage, { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 });
  });
});
