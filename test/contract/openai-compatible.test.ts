/**
 * The OpenAI wire protocol adapter against recorded shapes from
 * https://platform.openai.com/docs/api-reference/chat/create ,
 * https://platform.openai.com/docs/api-reference/chat-streaming , and reasoning fields as
 * DeepSeek (https://api-docs.deepseek.com/guides/reasoning_model) and OpenRouter
 * (https://openrouter.ai/docs/use-cases/reasoning-tokens) send them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { Deployment } from '../../src/providers/spec.js';
import type { StreamEvent } from '../../src/api/types.js';
import { UpstreamError } from '../../src/errors.js';
import { startUpstream, sendJson, sendSse, type FakeUpstream } from '../helpers/upstream.js';

let upstream: FakeUpstream;
let respond: (json: any) => { status?: number; body?: unknown; sse?: Array<string | object>; headers?: Record<string, string> };

before(async () => {
  upstream = await startUpstream((req, res) => {
    const r = respond(req.json);
    if (r.sse) return sendSse(res, r.sse);
    return sendJson(res, r.status ?? 200, r.body, r.headers);
  });
});
after(() => upstream.close());

function deployment(type: 'openai' | 'openai-compatible', model = 'gpt-4o-mini'): Deployment {
  const provider = createProviderHandle({
    id: type,
    type,
    baseUrl: `${upstream.url}/v1`,
    apiKey: 'sk-secret-contract-key-123',
    location: 'cloud',
  });
  return {
    id: `${type}/${model}`,
    provider,
    model,
    location: 'cloud',
    capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: false },
  };
}

const completion = (message: Record<string, unknown>) => ({
  id: 'chatcmpl-123',
  object: 'chat.completion',
  created: 1677652288,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 },
});

describe('openai / openai-compatible adapter', () => {
  it('sends a clean body: token field per target, usage always asked on streams, Meridian-only and unknown fields handled per target', async () => {
    respond = () => ({ body: completion({ content: 'hi' }) });
    const request = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user' as const, content: 'hi' },
        { role: 'assistant' as const, content: 'earlier', reasoning_content: 'private thoughts' },
      ],
      max_tokens: 50,
      metadata: { tags: 'confidential' },
      top_k: 40,
    };
    const d = deployment('openai');
    await d.provider.adapter.chat({ request, deployment: d, signal: new AbortController().signal });
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, 'Bearer sk-secret-contract-key-123');
    assert.equal(sent.json.max_completion_tokens, 50);
    assert.equal(sent.json.max_tokens, undefined);
    assert.equal(sent.json.metadata, undefined);
    assert.equal(sent.json.top_k, undefined, 'OpenAI rejects unknown fields: dropped');
    assert.equal(sent.json.messages[1].reasoning_content, undefined);

    const local = deployment('openai-compatible', 'qwen2.5');
    await local.provider.adapter.chat({ request: { ...request, stream: false }, deployment: local, signal: new AbortController().signal });
    const sentLocal = upstream.requests.at(-1)!.json;
    assert.equal(sentLocal.max_tokens, 50);
    assert.equal(sentLocal.top_k, 40, 'engine extras pass through to self-hosted engines');
    assert.equal(sentLocal.stream_options, undefined);
  });

  it('passes the upstream bytes through when nothing changes, and normalizes `reasoning` to `reasoning_content`', async () => {
    const d = deployment('openai-compatible', 'deepseek-r1');
    respond = () => ({ body: completion({ content: '42', reasoning_content: 'think' }) });
    const plain = await d.provider.adapter.chat({
      request: { model: 'deepseek-r1', messages: [{ role: 'user', content: 'q' }] },
      deployment: d,
      signal: new AbortController().signal,
    });
    assert.ok(plain.type === 'response' && plain.raw, 'raw bytes kept');
    assert.equal(plain.response.choices[0]!.message.reasoning_content, 'think');

    respond = () => ({ body: completion({ content: '42', reasoning: 'openrouter style' }) });
    const normalized = await d.provider.adapter.chat({
      request: { model: 'x', messages: [{ role: 'user', content: 'q' }] },
      deployment: d,
      signal: new AbortController().signal,
    });
    assert.ok(normalized.type === 'response');
    assert.equal(normalized.raw, undefined, 'changed: raw dropped');
    assert.equal(normalized.response.choices[0]!.message.reasoning_content, 'openrouter style');
  });

  it('streams chunks with their raw text, forces include_usage, and fails loudly on a mid-stream error event', async () => {
    const d = deployment('openai');
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: 'chatcmpl-123',
      object: 'chat.completion.chunk',
      created: 1694268190,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    respond = () => ({
      sse: [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hel' }),
        chunk({}, 'stop'),
        { ...chunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } },
        '[DONE]',
      ],
    });
    const r = await d.provider.adapter.chat({
      request: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      deployment: d,
      signal: new AbortController().signal,
    });
    assert.equal(upstream.requests.at(-1)!.json.stream_options.include_usage, true);
    assert.ok(r.type === 'stream');
    const events: StreamEvent[] = [];
    for await (const e of r.events) events.push(e);
    assert.equal(events.length, 4);
    assert.ok(events.every((e) => typeof e.raw === 'string'));
    assert.equal(events.at(-1)!.chunk.usage?.total_tokens, 4);

    respond = () => ({
      sse: [
        chunk({ content: 'Hel' }),
        { error: { message: 'The server had an error while processing your request.', type: 'server_error' } },
      ],
    });
    const failing = await d.provider.adapter.chat({
      request: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      deployment: d,
      signal: new AbortController().signal,
    });
    assert.ok(failing.type === 'stream');
    await assert.rejects(
      async () => {
        for await (const _ of failing.events) void _;
      },
      (e: UpstreamError) => e instanceof UpstreamError && /failed mid-stream/.test(e.message),
    );
  });

  it('maps error statuses, keeps the upstream message and never echoes the key', async () => {
    const d = deployment('openai');
    respond = () => ({
      status: 429,
      headers: { 'retry-after': '7' },
      body: {
        error: {
          message: 'Rate limit reached for gpt-4o-mini (key sk-secret-contract-key-123)',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
      },
    });
    await assert.rejects(
      d.provider.adapter.chat({
        request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        deployment: d,
        signal: new AbortController().signal,
      }),
      (e: UpstreamError) => {
        assert.equal(e.upstreamStatus, 429);
        assert.equal(e.status, 429);
        assert.equal(e.retryAfter, 7);
        assert.ok(e.isRetryable);
        assert.match(e.message, /Rate limit reached/);
        assert.doesNotMatch(e.message, /sk-secret-contract-key-123/);
        return true;
      },
    );
    respond = () => ({
      status: 400,
      body: { error: { message: "Invalid value for 'temperature'", type: 'invalid_request_error', param: 'temperature' } },
    });
    await assert.rejects(
      d.provider.adapter.chat({
        request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        deployment: d,
        signal: new AbortController().signal,
      }),
      (e: UpstreamError) => e.status === 400 && !e.isRetryable,
    );
  });
});
