/**
 * Contract tests for the Bedrock adapter, non-streamed Converse, over real HTTP on 127.0.0.1
 * against a fake that verifies every SigV4 signature (fixtures/bedrock/fake-bedrock.ts).
 * Wire format: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html ,
 * tool use: https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html ,
 * errors: https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import { ConfigError, InvalidRequestError, UpstreamError } from '../../src/errors.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import { sendJson } from '../helpers/upstream.js';
import {
  ACCESS_KEY_ID,
  REGION,
  SECRET_ACCESS_KEY,
  SESSION_TOKEN,
  chat,
  sendAwsError,
  startBedrock,
  useEnvCredentials,
  type BedrockHarness,
} from './fixtures/bedrock/fake-bedrock.js';

const CLAUDE = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';

const weatherTool: NonNullable<ChatRequest['tools']>[number] = {
  type: 'function',
  function: {
    name: 'top_song',
    description: 'Get the most popular song played on a radio station.',
    parameters: { type: 'object', properties: { sign: { type: 'string' } }, required: ['sign'] },
  },
};

const textAnswer = {
  output: { message: { role: 'assistant', content: [{ text: 'Hello from Bedrock.' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 },
  metrics: { latencyMs: 321 },
};

describe('bedrock adapter: Converse', () => {
  let h: BedrockHarness;
  before(async () => {
    useEnvCredentials();
    h = await startBedrock((_req, res) => sendJson(res, 200, textAnswer));
  });
  after(() => h.close());
  beforeEach(() => {
    h.fake.upstream.requests.length = 0;
    h.fake.signatureFailures.length = 0;
    h.fake.setHandler((_req, res) => sendJson(res, 200, textAnswer));
  });

  it('defaults to location private and registers under type bedrock', () => {
    assert.equal(h.provider.location, 'private');
    assert.equal(h.provider.adapter.type, 'bedrock');
  });

  it('signs with SigV4 (scope region/bedrock, session token) and sends the documented body', async () => {
    const result = await chat(h, CLAUDE, {
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 200,
      temperature: 1.7,
      top_p: 0.9,
      stop: ['END', ''],
      seed: 3,
    });
    assert.deepEqual(h.fake.signatureFailures, []);
    const req = h.fake.upstream.requests[0]!;
    assert.equal(req.method, 'POST');
    // The model id's ':' is percent-encoded in the path, as the AWS SDKs send it.
    assert.equal(req.url, '/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    assert.match(
      String(req.headers.authorization),
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/${REGION}/bedrock/aws4_request, `),
    );
    assert.equal(req.headers['x-amz-security-token'], SESSION_TOKEN);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(req.json, {
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      system: [{ text: 'You are terse.' }, { text: 'Answer in English.' }],
      inferenceConfig: { maxTokens: 200, temperature: 1, topP: 0.9, stopSequences: ['END'] },
    });
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    assert.equal(result.response.choices[0]!.message.content, 'Hello from Bedrock.');
    assert.equal(result.response.choices[0]!.finish_reason, 'stop');
    assert.equal(result.response.model, CLAUDE);
    assert.deepEqual(result.response.usage, { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 });
    assert.ok(!JSON.stringify(req.headers).includes(SECRET_ACCESS_KEY), 'the secret key never travels');
  });

  it('tool round trip: toolConfig out, toolUse back as tool_calls, then toolResult in the next user turn', async () => {
    h.fake.setHandler((_req, res) =>
      sendJson(res, 200, {
        output: {
          message: {
            role: 'assistant',
            content: [
              { text: 'Let me look that up.' },
              { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: { sign: 'WZPZ' } } },
            ],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 375, outputTokens: 70, totalTokens: 445, cacheReadInputTokens: 100 },
      }),
    );
    const first = await chat(h, CLAUDE, {
      messages: [{ role: 'user', content: 'What is the most popular song on WZPZ?' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    assert.deepEqual(h.fake.upstream.requests[0]!.json.toolConfig, {
      tools: [
        {
          toolSpec: {
            name: 'top_song',
            description: 'Get the most popular song played on a radio station.',
            inputSchema: { json: weatherTool.function.parameters },
          },
        },
      ],
      toolChoice: { any: {} },
    });
    assert.equal(first.type, 'response');
    if (first.type !== 'response') return;
    const msg = first.response.choices[0]!.message;
    assert.equal(first.response.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(msg.content, 'Let me look that up.');
    assert.deepEqual(msg.tool_calls, [
      { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'top_song', arguments: '{"sign":"WZPZ"}' } },
    ]);
    assert.deepEqual(first.response.usage, {
      prompt_tokens: 475,
      completion_tokens: 70,
      total_tokens: 545,
      prompt_tokens_details: { cached_tokens: 100 },
    });

    h.fake.setHandler((_req, res) => sendJson(res, 200, textAnswer));
    await chat(h, CLAUDE, {
      messages: [
        { role: 'user', content: 'What is the most popular song on WZPZ?' },
        msg,
        { role: 'tool', tool_call_id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', content: '{"song":"Elemental Hotel","artist":"8 Storey Hike"}' },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'top_song' } },
    });
    const second = h.fake.upstream.requests[1]!.json;
    assert.deepEqual(second.messages, [
      { role: 'user', content: [{ text: 'What is the most popular song on WZPZ?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Let me look that up.' },
          { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: { sign: 'WZPZ' } } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            toolResult: {
              toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
              content: [{ text: '{"song":"Elemental Hotel","artist":"8 Storey Hike"}' }],
            },
          },
        ],
      },
    ]);
    assert.deepEqual(second.toolConfig.toolChoice, { tool: { name: 'top_song' } });
    assert.deepEqual(h.fake.signatureFailures, []);
  });

  it('tool_choice none leaves tools out, unless the history holds tool blocks', async () => {
    await chat(h, CLAUDE, { messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool], tool_choice: 'none' });
    assert.equal(h.fake.upstream.requests[0]!.json.toolConfig, undefined);
    await chat(h, CLAUDE, {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'top_song', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: '' },
      ],
      tools: [weatherTool],
      tool_choice: 'none',
    });
    const body = h.fake.upstream.requests[1]!.json;
    assert.equal(body.toolConfig.tools.length, 1);
    assert.equal(body.toolConfig.toolChoice, undefined);
    assert.deepEqual(body.messages[2].content[0].toolResult.content, [{ text: '(empty)' }]);
  });

  it('images: data URLs become image blocks with format and base64 bytes; http URLs are refused before any request', async () => {
    await chat(h, CLAUDE, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          ],
        },
      ],
    });
    assert.deepEqual(h.fake.upstream.requests[0]!.json.messages[0].content, [
      { text: 'What is in these?' },
      { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
      { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
    ]);
    await assert.rejects(
      chat(h, CLAUDE, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }),
      (err: unknown) => err instanceof InvalidRequestError && err.param === 'messages[0].content[0]',
    );
    await assert.rejects(
      chat(h, CLAUDE, {
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }],
      }),
      InvalidRequestError,
    );
    assert.equal(h.fake.upstream.requests.length, 1);
  });

  it('JSON mode becomes a forced tool whose input is the answer text', async () => {
    h.fake.setHandler((_req, res) =>
      sendJson(res, 200, {
        output: {
          message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'json_response', input: { city: 'Paris' } } }] },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
      }),
    );
    const r = await chat(h, CLAUDE, {
      messages: [{ role: 'user', content: 'capital of France as JSON' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'a', schema: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    });
    const body = h.fake.upstream.requests[0]!.json;
    assert.deepEqual(body.toolConfig.toolChoice, { tool: { name: 'json_response' } });
    assert.equal(r.type === 'response' && r.response.choices[0]!.message.content, '{"city":"Paris"}');
    assert.equal(r.type === 'response' && r.response.choices[0]!.finish_reason, 'stop');
  });

  it('maps stop reasons: max_tokens → length, guardrail_intervened → content_filter', async () => {
    for (const [stopReason, finish] of [
      ['max_tokens', 'length'],
      ['guardrail_intervened', 'content_filter'],
      ['content_filtered', 'content_filter'],
      ['stop_sequence', 'stop'],
    ] as const) {
      h.fake.setHandler((_req, res) => sendJson(res, 200, { ...textAnswer, stopReason }));
      const r = await chat(h, CLAUDE, { messages: [{ role: 'user', content: 'x' }] });
      assert.equal(r.type === 'response' && r.response.choices[0]!.finish_reason, finish, stopReason);
    }
  });

  it('custom-model and provisioned ARNs are percent-encoded into one path segment and still verify', async () => {
    const arn = 'arn:aws:bedrock:eu-west-3:123456789012:custom-model-deployment/a1b2c3d4e5f6';
    await chat(h, arn, { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(h.fake.upstream.requests[0]!.url, `/model/${encodeURIComponent(arn)}/converse`);
    assert.ok(!h.fake.upstream.requests[0]!.url.slice('/model/'.length).replace('/converse', '').includes('/'));
    assert.deepEqual(h.fake.signatureFailures, []);
  });

  it('errors: ThrottlingException → 429 retryable, ValidationException → 400, AccessDeniedException → 502 not retryable', async () => {
    const cases = [
      { status: 429, type: 'ThrottlingException', msg: 'Too many requests, please wait before trying again.', client: 429, retry: true },
      { status: 400, type: 'ValidationException', msg: 'The provided model identifier is invalid.', client: 400, retry: false },
      {
        status: 403,
        type: 'AccessDeniedException',
        msg: "You don't have access to the model with the specified model ID.",
        client: 502,
        retry: false,
      },
    ];
    for (const c of cases) {
      h.fake.setHandler((_req, res) => sendAwsError(res, c.status, c.type, c.msg, c.status === 429 ? { 'retry-after': '3' } : {}));
      await assert.rejects(chat(h, CLAUDE, { messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
        assert.ok(err instanceof UpstreamError, c.type);
        assert.equal(err.upstreamStatus, c.status);
        assert.equal(err.status, c.client);
        assert.equal(err.isRetryable, c.retry);
        assert.ok(err.message.includes(c.type) && err.message.includes(c.msg), err.message);
        if (c.status === 429) assert.equal(err.retryAfter, 3);
        return true;
      });
    }
  });

  it('an upstream error echoing the credentials shows neither the secret, the token, the full key id nor the signature', async () => {
    h.fake.setHandler((req, res) =>
      sendAwsError(
        res,
        403,
        'InvalidSignatureException',
        `The request signature we calculated does not match. Authorization: ${String(req.headers.authorization)} ` +
          `secret=${SECRET_ACCESS_KEY} token=${SESSION_TOKEN} key=${ACCESS_KEY_ID}`,
      ),
    );
    await assert.rejects(chat(h, CLAUDE, { messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      const shown = JSON.stringify(err.toJSON()) + err.message;
      assert.ok(!shown.includes(SECRET_ACCESS_KEY), 'secret key');
      assert.ok(!shown.includes(SESSION_TOKEN), 'session token');
      assert.ok(!shown.includes(ACCESS_KEY_ID), 'access key id');
      assert.ok(!/Signature=[0-9a-f]{64}/.test(shown), 'signature');
      assert.match(shown, /InvalidSignatureException/);
      assert.match(shown, /AKIA\*\*\*/);
      return true;
    });
  });

  it('a request signed with the wrong secret is refused by the fake (the verification can fail)', async () => {
    const prev = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-right-secret-0000000000000000000';
    const other = createProviderHandle({ id: 'bedrock-wrong', type: 'bedrock', options: { endpoint: h.fake.upstream.url } });
    try {
      await assert.rejects(
        other.adapter.chat({
          request: { model: CLAUDE, messages: [{ role: 'user', content: 'x' }] },
          deployment: { ...h.deployment(CLAUDE), provider: other },
          signal: AbortSignal.timeout(5000),
        }),
        (err: unknown) => err instanceof UpstreamError && err.upstreamStatus === 403 && /InvalidSignatureException/.test(err.message),
      );
      assert.deepEqual(h.fake.signatureFailures, ['signature mismatch']);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = prev;
      await other.http.close();
    }
  });

  it('rejects a connection failure as a retryable UpstreamError naming the endpoint', async () => {
    const dead = createProviderHandle({ id: 'bedrock-dead', type: 'bedrock', options: { endpoint: 'http://127.0.0.1:1' } });
    try {
      await assert.rejects(
        dead.adapter.chat({
          request: { model: CLAUDE, messages: [{ role: 'user', content: 'x' }] },
          deployment: { ...h.deployment(CLAUDE), provider: dead },
          signal: AbortSignal.timeout(5000),
        }),
        (err: unknown) => err instanceof UpstreamError && err.isRetryable && /127\.0\.0\.1:1/.test(err.message),
      );
    } finally {
      await dead.http.close();
    }
  });

  it('checks options at start: unknown keys, bad region, bad endpoint', () => {
    for (const options of [
      { regoin: 'us-east-1' },
      { region: 'Mars' },
      { endpoint: 'ftp://x' },
      { defaultMaxTokens: 0 },
      { embeddingFormat: 'x' },
    ]) {
      assert.throws(() => createProviderHandle({ id: 'b', type: 'bedrock', options }), ConfigError, JSON.stringify(options));
    }
    assert.equal(createProviderHandle({ id: 'b', type: 'bedrock', location: 'cloud' }).location, 'cloud');
  });
});
