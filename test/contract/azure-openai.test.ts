/**
 * The azure-openai adapter against a fake Azure OpenAI resource and a fake Entra ID authority on
 * 127.0.0.1 (test/contract/fixtures/azure/fake-azure.ts). Wire formats:
 * https://learn.microsoft.com/azure/ai-foundry/openai/reference ,
 * https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter ,
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ChatRequest, StreamEvent } from '../../src/api/types.js';
import { ConfigError, UpstreamError } from '../../src/errors.js';
import { createAzureOpenAIAdapter } from '../../src/providers/azure-openai/index.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { ChatResult, Deployment, ProviderAdapter, ProviderHandle } from '../../src/providers/spec.js';
import { sendJson, sendSse } from '../helpers/upstream.js';
import {
  API_VERSION,
  AZURE_KEY,
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT,
  azureCompletion,
  startFakeAzure,
  type FakeAzure,
} from './fixtures/azure/fake-azure.js';

let az: FakeAzure;
const handles: ProviderHandle[] = [];

before(async () => {
  az = await startFakeAzure((_req, res) => sendJson(res, 200, azureCompletion({ content: 'Hello from Azure.' })));
});
after(async () => {
  await Promise.all(handles.map((h) => h.http.close()));
  await az.close();
});
beforeEach(() => {
  az.api.requests.length = 0;
  az.setApi((_req, res) => sendJson(res, 200, azureCompletion({ content: 'Hello from Azure.' })));
});

interface Setup {
  adapter: ProviderAdapter;
  provider: ProviderHandle;
  deployment(model?: string): Deployment;
}

function setup(opts: { options?: Record<string, unknown>; apiKey?: string; entra?: boolean; secret?: string } = {}): Setup {
  const options = {
    ...(opts.entra
      ? { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: opts.secret ?? CLIENT_SECRET, authorityHost: az.authority.url }
      : {}),
    ...opts.options,
  };
  const base = createProviderHandle({
    id: 'azure',
    type: 'azure-openai',
    baseUrl: az.api.url,
    ...(opts.entra || opts.apiKey === '' ? {} : { apiKey: opts.apiKey ?? AZURE_KEY }),
    ...(Object.keys(options).length ? { options } : {}),
  });
  handles.push(base);
  // Same handle, with an adapter whose clock is the fake's (tokens expire when the test says).
  const adapter = createAzureOpenAIAdapter({ now: () => az.clock.now });
  const provider: ProviderHandle = { ...base, adapter };
  return {
    adapter,
    provider,
    deployment: (model = 'gpt4o-prod') => ({
      id: `azure/${model}`,
      provider,
      model,
      location: provider.location,
      capabilities: { tools: true, vision: true, jsonSchema: true, embeddings: model.startsWith('embed') },
    }),
  };
}

function chat(s: Setup, request: Omit<ChatRequest, 'model'>, model?: string): Promise<ChatResult> {
  const deployment = s.deployment(model);
  return s.adapter.chat({ request: { model: deployment.model, ...request }, deployment, signal: AbortSignal.timeout(5000) });
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

describe('azure-openai: config', () => {
  it('defaults to location private; checkOptions names the bad option', () => {
    const s = setup();
    assert.equal(s.provider.location, 'private');
    const check = (options: Record<string, unknown>) => () => s.adapter.checkOptions!(options);
    assert.throws(
      check({ tenantId: TENANT, clientId: CLIENT_ID }),
      (e: Error) => e instanceof ConfigError && /clientSecret/.test(e.message),
    );
    assert.throws(check({ apiVersion: 'latest' }), /options\.apiVersion/);
    assert.throws(check({ deployment: 'x' }), /options\.deployment is not an azure-openai option/);
    assert.throws(check({ scope: 'https://x/.default' }), /options\.authorityHost and options\.scope need/);
    assert.throws(
      () => createProviderHandle({ id: 'az', type: 'azure-openai', baseUrl: az.api.url, options: { apiVersion: 3 } }),
      (e: Error) => e instanceof ConfigError && e.message.startsWith('providers[az].options.apiVersion'),
    );
    assert.throws(() => createProviderHandle({ id: 'az', type: 'azure-openai' }), /baseUrl is required/);
    assert.doesNotThrow(
      check({
        apiVersion: 'v1',
        tenantId: TENANT,
        clientId: CLIENT_ID,
        clientSecret: 'x',
        authorityHost: 'https://login.microsoftonline.us',
      }),
    );
  });
});

describe('azure-openai: api-key, dated api-version', () => {
  it('sends the deployment in the path, api-version in the query and the api-key header', async () => {
    const s = setup();
    const result = await chat(s, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 20, metadata: { team: 'a' } });
    const sent = az.api.requests.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, `/openai/deployments/gpt4o-prod/chat/completions?api-version=${API_VERSION}`);
    assert.equal(sent.headers['api-key'], AZURE_KEY);
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.json, { model: 'gpt4o-prod', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 20 });
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    assert.equal(result.response.choices[0]!.message.content, 'Hello from Azure.');
    assert.equal(result.response.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(result.response.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  });

  it('an unknown deployment is the 404 Azure sends, a wrong key a 401 whose message does not hold the key', async () => {
    const s = setup();
    const notFound = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }, 'no-such-deployment'));
    assert.equal(notFound.upstreamStatus, 404);
    assert.match(notFound.message, /deployment for this resource does not exist/);
    const wrong = setup({ apiKey: 'wrong-key-0123456789' });
    const denied = await rejection(chat(wrong, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(denied.upstreamStatus, 401);
    assert.equal(denied.isRetryable, false);
    const none = setup({ apiKey: '' });
    const before = az.api.requests.length;
    const missing = await rejection(chat(none, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(missing.code, 'upstream_auth_failed');
    assert.match(missing.message, /has no credentials: set apiKey, or options\.tenantId/);
    assert.equal(az.api.requests.length, before, 'nothing sent without credentials');
  });

  it('an upstream error that echoes the key or a token never shows it', async () => {
    const s = setup();
    az.setApi((req, res) =>
      sendJson(res, 500, {
        error: {
          code: 'InternalServerError',
          message: `failed for key ${String(req.headers['api-key'])} token eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl`,
        },
      }),
    );
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(err.upstreamStatus, 500);
    assert.ok(!err.message.includes(AZURE_KEY), err.message);
    assert.ok(!err.message.includes('c2lnbmF0dXJl'), err.message);
    assert.match(err.message, /failed for key \*\*\*/);
  });

  it('embeddings go to the embeddings deployment', async () => {
    const s = setup();
    az.setApi((req, res) =>
      sendJson(res, 200, {
        object: 'list',
        data: (req.json.input as string[]).map((_t, index) => ({ object: 'embedding', index, embedding: [0.1, -0.2, 0.3] })),
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 4, total_tokens: 4 },
      }),
    );
    const d = s.deployment('embed-small');
    const out = await s.adapter.embed!({
      request: { model: 'embed-small', input: ['a', 'b'], dimensions: 3 },
      deployment: d,
      signal: AbortSignal.timeout(5000),
    });
    const sent = az.api.requests.at(-1)!;
    assert.equal(sent.url, `/openai/deployments/embed-small/embeddings?api-version=${API_VERSION}`);
    assert.deepEqual(sent.json, { model: 'embed-small', input: ['a', 'b'], dimensions: 3 });
    assert.equal(out.data.length, 2);
    assert.deepEqual(out.usage, { prompt_tokens: 4, total_tokens: 4 });
  });

  it('listModels checks the endpoint and key through Models - List and reports no deployments; a refused key is a 401', async () => {
    const s = setup();
    const models = await s.adapter.listModels!(s.provider, AbortSignal.timeout(5000));
    assert.deepEqual(models, [], 'base models are not deployments: nothing routable to discover');
    assert.equal(az.api.requests.at(-1)!.url, `/openai/models?api-version=${API_VERSION}`);
    const wrong = setup({ apiKey: 'wrong-key-0123456789' });
    const err = await rejection(wrong.adapter.listModels!(wrong.provider, AbortSignal.timeout(5000)));
    assert.equal(err.upstreamStatus, 401);
  });
});

describe('azure-openai: /openai/v1/ surface', () => {
  it('sends OpenAI paths with the deployment as model, no api-version', async () => {
    const s = setup({ options: { apiVersion: 'v1' } });
    await chat(s, { messages: [{ role: 'user', content: 'hi' }] });
    const sent = az.api.requests.at(-1)!;
    assert.equal(sent.url, '/openai/v1/chat/completions');
    assert.equal(sent.json.model, 'gpt4o-prod');
    assert.equal(sent.headers['api-key'], AZURE_KEY);
    await s.adapter.listModels!(s.provider, AbortSignal.timeout(5000));
    assert.equal(az.api.requests.at(-1)!.url, '/openai/v1/models');
  });
});

describe('azure-openai: Microsoft Entra ID client credentials', () => {
  it('fetches a token with the documented form, reuses it, and refreshes it before it expires', async () => {
    const s = setup({ entra: true });
    const before = az.tokenRequests;
    await chat(s, { messages: [{ role: 'user', content: 'one' }] });
    await chat(s, { messages: [{ role: 'user', content: 'two' }] });
    assert.equal(az.tokenRequests - before, 1, 'one token for both calls');
    const form = new URLSearchParams(az.authority.requests.at(-1)!.body);
    assert.deepEqual(Object.fromEntries(form), {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'https://cognitiveservices.azure.com/.default',
    });
    const [first, second] = az.api.requests.slice(-2).map((r) => r.headers.authorization);
    assert.match(first!, /^Bearer eyJ/);
    assert.equal(first, second);
    assert.equal(az.api.requests.at(-1)!.headers['api-key'], undefined);

    // 56 minutes later the token (59m59s) is inside the 5-minute margin: a new one is fetched.
    az.clock.now += 56 * 60_000;
    await chat(s, { messages: [{ role: 'user', content: 'three' }] });
    assert.equal(az.tokenRequests - before, 2);
    assert.notEqual(az.api.requests.at(-1)!.headers.authorization, first);
  });

  it('concurrent calls share one token request', async () => {
    const s = setup({ entra: true });
    const before = az.tokenRequests;
    await Promise.all([1, 2, 3, 4].map((i) => chat(s, { messages: [{ role: 'user', content: String(i) }] })));
    assert.equal(az.tokenRequests - before, 1);
  });

  it('a token the service refuses (revoked) is dropped: the next call gets a new one', async () => {
    const s = setup({ entra: true });
    await chat(s, { messages: [{ role: 'user', content: 'hi' }] });
    const token = az.api.requests.at(-1)!.headers.authorization!.replace('Bearer ', '');
    az.issued.delete(token);
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(err.upstreamStatus, 401);
    await chat(s, { messages: [{ role: 'user', content: 'hi' }] });
    assert.notEqual(az.api.requests.at(-1)!.headers.authorization, `Bearer ${token}`);
  });

  it('a refused client secret is a 401 auth failure naming neither the secret nor the token endpoint', async () => {
    const secret = 'wrong~secret.Value_9876543210';
    const s = setup({ entra: true, secret });
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(err.code, 'upstream_auth_failed');
    assert.equal(err.upstreamStatus, 401);
    assert.match(err.message, /Microsoft Entra ID client credentials/);
    assert.match(err.message, /AADSTS7000215/);
    assert.ok(!err.message.includes(secret), err.message);
    assert.ok(!err.message.includes(az.authority.url) && !err.message.includes(TENANT), err.message);
    assert.equal(az.api.requests.length, 0, 'nothing sent to the API without a token');
  });
});

describe('azure-openai: streaming, tools, content filter', () => {
  const safe = { filtered: false, severity: 'safe' };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: 'chatcmpl-AzS1',
    object: 'chat.completion.chunk',
    created: 1764590400,
    model: 'gpt-4o-2024-11-20',
    system_fingerprint: 'fp_b705f0c291',
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null, content_filter_results: {} }],
  });
  // Azure's first event: prompt filter results only (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter#streaming).
  const promptFilter = {
    id: '',
    object: '',
    created: 0,
    model: '',
    choices: [],
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: safe, self_harm: safe, sexual: safe, violence: safe } }],
  };

  it('streams tool calls, drops the filter-only opening chunk, keeps usage; the tool result goes back as a tool message', async () => {
    const s = setup();
    az.setApi((_req, res) =>
      sendSse(res, [
        promptFilter,
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
        chunk({}, 'tool_calls'),
        {
          id: 'chatcmpl-AzS1',
          object: 'chat.completion.chunk',
          created: 1764590400,
          model: 'gpt-4o-2024-11-20',
          choices: [],
          usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 },
        },
        '[DONE]',
      ]),
    );
    const tools: ChatRequest['tools'] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const evs = await events(await chat(s, { messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools, stream: true }));
    const sent = az.api.requests.at(-1)!;
    assert.equal(sent.headers.accept, 'text/event-stream');
    assert.deepEqual(sent.json.stream_options, { include_usage: true });
    assert.ok(
      evs.every((e) => e.chunk.choices.length > 0 || e.chunk.usage),
      'no filter-only chunk',
    );
    const args = evs
      .flatMap((e) => e.chunk.choices.flatMap((c) => c.delta.tool_calls ?? []))
      .map((t) => t.function?.arguments ?? '')
      .join('');
    assert.equal(args, '{"city":"Oslo"}');
    assert.equal(evs.find((e) => e.chunk.choices[0]?.finish_reason)?.chunk.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(evs.at(-1)!.chunk.usage, { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 });

    az.setApi((_req, res) => sendJson(res, 200, azureCompletion({ content: 'It is 4 °C in Oslo.' })));
    const result = await chat(s, {
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_9', content: '{"celsius":4}' },
      ],
      tools,
    });
    assert.deepEqual(az.api.requests.at(-1)!.json.messages[2], { role: 'tool', tool_call_id: 'call_9', content: '{"celsius":4}' });
    assert.equal(result.type === 'response' && result.response.choices[0]!.message.content, 'It is 4 °C in Oslo.');
  });

  it('a completion stopped by the filter ends with finish_reason content_filter (response and stream)', async () => {
    const s = setup();
    az.setApi((_req, res) => sendJson(res, 200, azureCompletion({ content: null }, 'content_filter')));
    const r = await chat(s, { messages: [{ role: 'user', content: 'tell me a story' }] });
    assert.equal(r.type === 'response' && r.response.choices[0]!.finish_reason, 'content_filter');

    az.setApi((_req, res) =>
      sendSse(res, [promptFilter, chunk({ role: 'assistant', content: 'Once' }), chunk({}, 'content_filter'), '[DONE]']),
    );
    const evs = await events(await chat(s, { messages: [{ role: 'user', content: 'tell me a story' }], stream: true }));
    assert.equal(evs.at(-1)!.chunk.choices[0]!.finish_reason, 'content_filter');
  });

  it('a prompt the filter blocks is a 400 content_filter error saying Azure refused it', async () => {
    const s = setup();
    az.setApi((_req, res) =>
      sendJson(res, 400, {
        error: {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { hate: { filtered: true, severity: 'medium' }, self_harm: safe, sexual: safe, violence: safe },
          },
        },
      }),
    );
    const err = await rejection(chat(s, { messages: [{ role: 'user', content: 'something hateful' }] }));
    assert.equal(err.code, 'content_filter');
    assert.equal(err.status, 400);
    assert.equal(err.isRetryable, false);
    assert.match(err.message, /Azure's content filter refused the prompt sent to 'azure\/gpt4o-prod'/);
    assert.match(err.message, /hate \(medium\)/);
    assert.ok(!/self_harm/.test(err.message), 'only the categories that filtered');

    // Any other 400 keeps the generic mapping.
    az.setApi((_req, res) => sendJson(res, 400, { error: { code: 'invalid_request_error', message: 'messages is too short' } }));
    const plain = await rejection(chat(s, { messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(plain.code, 'upstream_error');
    assert.match(plain.message, /messages is too short/);
  });
});

describe('azure-openai: token requests and cancellation', () => {
  it('a caller that gives up does not cancel the shared token request; the token is cached for the next call', async () => {
    const s = setup({ entra: true });
    const before = az.tokenRequests;
    const d = s.deployment();
    const gone = new AbortController();
    const pending = s.adapter.chat({
      request: { model: d.model, messages: [{ role: 'user', content: 'hi' }] },
      deployment: d,
      signal: gone.signal,
    });
    gone.abort(new Error('client went away'));
    await assert.rejects(pending, /client went away/);
    await chat(s, { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(az.tokenRequests - before, 1);
  });
});
