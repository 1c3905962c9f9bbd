/**
 * End to end through the Bedrock adapter: the official `openai` SDK drives the running gateway,
 * which signs its calls with SigV4 and talks to a fake Bedrock on 127.0.0.1 that verifies every
 * signature and answers in Converse JSON or ConverseStream event-stream frames — non-stream,
 * stream with usage, a tools round trip, Titan embeddings, the catalog price and location.
 * Wire format: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { sendJson, type RecordedRequest } from '../helpers/upstream.js';
import {
  eventFrame,
  sendEventStream,
  startFakeBedrock,
  useEnvCredentials,
  type FakeBedrock,
} from '../contract/fixtures/bedrock/fake-bedrock.js';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
];

function bedrock(req: RecordedRequest, res: ServerResponse): void | Promise<void> {
  if (req.url.endsWith('/invoke')) return sendJson(res, 200, { embedding: [0.5, 0.25, -1], inputTextTokenCount: 3 });
  const b = req.json;
  const hasResult = b.messages.some((m: { content: Array<Record<string, unknown>> }) => m.content.some((c) => 'toolResult' in c));
  if (req.url.endsWith('/converse-stream')) {
    return sendEventStream(res, [
      eventFrame('messageStart', { role: 'assistant' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello from ' } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'bedrock' } }),
      eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
      eventFrame('messageStop', { stopReason: 'end_turn' }),
      eventFrame('metadata', { usage: { inputTokens: 25, outputTokens: 15, totalTokens: 40 }, metrics: { latencyMs: 100 } }),
    ]);
  }
  const content =
    b.toolConfig && !hasResult
      ? [{ toolUse: { toolUseId: 'tooluse_abc', name: 'get_weather', input: { location: 'Boston, MA' } } }]
      : [{ text: hasResult ? 'It is 22C in Boston.' : 'Hello from bedrock' }];
  return sendJson(res, 200, {
    output: { message: { role: 'assistant', content } },
    stopReason: b.toolConfig && !hasResult ? 'tool_use' : 'end_turn',
    usage: { inputTokens: 25, outputTokens: 15, totalTokens: 40 },
    metrics: { latencyMs: 100 },
  });
}

describe('e2e through the bedrock adapter', () => {
  let fake: FakeBedrock;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    useEnvCredentials();
    fake = await startFakeBedrock(bedrock);
    gw = await startGateway({
      providers: [{ id: 'bedrock', type: 'bedrock', options: { endpoint: fake.upstream.url } }],
      models: {
        chat: [{ provider: 'bedrock', model: MODEL }],
        embed: [{ provider: 'bedrock', model: 'amazon.titan-embed-text-v2:0', capabilities: { embeddings: true } }],
      },
      // "Customer data may leave the building, but only to our own cloud tenancy": Bedrock is private by default.
      policies: [{ name: 'own-cloud-only', require: { location: ['local', 'private'] } }],
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  it('non-stream: routed to bedrock, priced from the catalog', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'Hello from bedrock');
    assert.equal(data.usage?.total_tokens, 40);
    assert.match(response.headers.get('x-meridian-route') ?? '', /^bedrock\//);
    // claude-haiku-4-5 on Bedrock: $1 in / $5 out per 1M → 25 × 1e-6 + 15 × 5e-6.
    assert.equal(Number(response.headers.get('x-meridian-cost-usd')), 0.0001);
    assert.deepEqual(fake.signatureFailures, []);
  });

  it('stream with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const ch of stream) {
      text += ch.choices[0]?.delta?.content ?? '';
      finish = ch.choices[0]?.finish_reason ?? finish;
      if (ch.usage) usage = ch.usage;
    }
    assert.equal(text, 'Hello from bedrock');
    assert.equal(finish, 'stop');
    assert.deepEqual(usage && [usage.prompt_tokens, usage.completion_tokens], [25, 15]);
  });

  it('tools round trip', async () => {
    const first = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'What is the weather in Boston? Use the tool.' }],
      tools,
    });
    const msg = first.choices[0]!.message;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    const call = msg.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.id, 'tooluse_abc');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Boston, MA' });
    const second = await client.chat.completions.create({
      model: 'chat',
      tools,
      messages: [
        { role: 'user', content: 'What is the weather in Boston? Use the tool.' },
        msg,
        { role: 'tool', tool_call_id: call.id, content: '{"temp_c":22}' },
      ],
    });
    assert.equal(second.choices[0]!.message.content, 'It is 22C in Boston.');
    const sent = fake.upstream.requests.at(-1)!.json;
    assert.deepEqual(sent.messages[2].content[0].toolResult, { toolUseId: 'tooluse_abc', content: [{ text: '{"temp_c":22}' }] });
  });

  it('embeddings through InvokeModel (Titan)', async () => {
    const res = await client.embeddings.create({ model: 'embed', input: ['first text', 'second text'] });
    assert.equal(res.data.length, 2);
    assert.deepEqual(res.data[0]!.embedding, [0.5, 0.25, -1]); // exact in float32 (the SDK asks for base64)
    assert.equal(res.usage.prompt_tokens, 6);
    assert.deepEqual(fake.signatureFailures, []);
  });
});
