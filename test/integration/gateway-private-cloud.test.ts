/**
 * The gateway in front of Azure OpenAI (Entra ID client credentials) and Gemini on Vertex AI
 * (service-account key), driven by the official `openai` SDK over real sockets: non-stream,
 * stream with usage, tools round trip, Azure's content filter, cost from the catalog, and
 * discovery. The clouds are the contract tests' fakes (test/contract/fixtures/{azure,vertex}),
 * which verify the tokens they are given.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { sendJson, sendSse } from '../helpers/upstream.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT,
  azureCompletion,
  startFakeAzure,
  type FakeAzure,
} from '../contract/fixtures/azure/fake-azure.js';
import { REGION, startFakeVertex, vertexResponse, type FakeVertex } from '../contract/fixtures/vertex/fake-vertex.js';

const tools: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];

describe('gateway over private-cloud deployments (openai SDK)', () => {
  let az: FakeAzure;
  let vx: FakeVertex;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    az = await startFakeAzure((req, res) => {
      const body = req.json;
      if (body.messages.at(-1).content === 'blocked please') {
        return sendJson(res, 400, {
          error: {
            code: 'content_filter',
            message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
            innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { violence: { filtered: true, severity: 'high' } } },
          },
        });
      }
      if (body.stream) {
        const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
          id: 'chatcmpl-AzS',
          object: 'chat.completion.chunk',
          created: 1764590400,
          model: 'gpt-4o-2024-11-20',
          choices: [{ index: 0, delta, finish_reason: finish }],
        });
        return sendSse(res, [
          {
            id: '',
            object: '',
            created: 0,
            model: '',
            choices: [],
            prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
          },
          chunk({ role: 'assistant', content: 'Hi' }),
          chunk({ content: ' there' }),
          chunk({}, 'stop'),
          { ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } },
          '[DONE]',
        ]);
      }
      if (body.tools && !body.messages.some((m: { role: string }) => m.role === 'tool')) {
        return sendJson(
          res,
          200,
          azureCompletion(
            {
              content: null,
              tool_calls: [{ id: 'call_az', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
            },
            'tool_calls',
          ),
        );
      }
      return sendJson(res, 200, azureCompletion({ content: 'Hello from Azure.' }));
    });
    vx = await startFakeVertex((req, res, m) => {
      const contents = req.json.contents as Array<{ parts: Array<Record<string, unknown>> }>;
      if (m.method === 'streamGenerateContent') {
        return sendSse(res, [
          { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] } }], modelVersion: 'gemini-2.5-flash' },
          {
            candidates: [{ content: { role: 'model', parts: [{ text: ' from Vertex' }] }, finishReason: 'STOP' }],
            usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 3, totalTokenCount: 7 },
            modelVersion: 'gemini-2.5-flash',
          },
        ]);
      }
      if (req.json.tools && !contents.some((c) => c.parts.some((p) => p.functionResponse))) {
        return sendJson(res, 200, vertexResponse([{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }]));
      }
      return sendJson(res, 200, vertexResponse([{ text: 'Hello from Vertex.' }]));
    });
    // The fakes judge token lifetimes by their clock; the gateway uses the real one.
    az.clock.now = Date.now();
    vx.clock.now = Date.now();
    gw = await startGateway({
      providers: [
        {
          id: 'azure',
          type: 'azure-openai',
          baseUrl: az.api.url,
          options: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorityHost: az.authority.url },
        },
        { id: 'vertex', type: 'vertex', baseUrl: vx.api.url, options: { region: REGION, credentials: vx.keyFile } },
      ],
      models: {
        'azure-chat': [{ provider: 'azure', model: 'gpt-4o' }],
        'vertex-chat': [{ provider: 'vertex', model: 'gemini-2.5-flash' }],
      },
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw?.close();
    await az?.close();
    await vx?.close();
  });

  for (const [alias, provider, text] of [
    ['azure-chat', 'azure/gpt-4o', 'Hello from Azure.'],
    ['vertex-chat', 'vertex/gemini-2.5-flash', 'Hello from Vertex.'],
  ] as const) {
    it(`${alias}: non-stream, with route and catalog cost`, async () => {
      const { data, response } = await client.chat.completions
        .create({ model: alias, messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      assert.equal(data.choices[0]!.message.content, text);
      assert.match(response.headers.get('x-meridian-route') ?? '', new RegExp(`^${provider}; reason=`));
      assert.ok(Number(response.headers.get('x-meridian-cost-usd')) > 0, 'priced from the catalog');
    });

    it(`${alias}: stream with usage`, async () => {
      const stream = await client.chat.completions.create({
        model: alias,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let content = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      let finish: string | null = null;
      for await (const c of stream) {
        content += c.choices[0]?.delta.content ?? '';
        finish = c.choices[0]?.finish_reason ?? finish;
        if (c.usage) usage = c.usage;
      }
      assert.match(content, /^Hi (there|from Vertex)$/);
      assert.equal(finish, 'stop');
      assert.ok(usage && usage.total_tokens === 7);
    });

    it(`${alias}: tools round trip`, async () => {
      const first = await client.chat.completions.create({
        model: alias,
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        tools,
      });
      const call = first.choices[0]!.message.tool_calls![0]!;
      assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
      assert.equal(call.type === 'function' && call.function.name, 'get_weather');
      const second = await client.chat.completions.create({
        model: alias,
        tools,
        messages: [
          { role: 'user', content: 'Weather in Oslo?' },
          first.choices[0]!.message,
          { role: 'tool', tool_call_id: call.id, content: '{"celsius":4}' },
        ],
      });
      assert.equal(second.choices[0]!.message.content, text);
    });
  }

  it("azure: a prompt Azure's content filter blocks is a 400 content_filter error for the client", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'azure-chat', messages: [{ role: 'user', content: 'blocked please' }] }),
      (err: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(err.status, 400);
        assert.equal(err.code, 'content_filter');
        assert.match(err.message, /Azure's content filter refused the prompt/);
        return true;
      },
    );
  });

  it('one token per cloud served every call above', () => {
    assert.equal(az.tokenRequests, 1);
    assert.equal(vx.tokenRequests, 1);
  });

  it('/v1/models lists the aliases and what each cloud lists', async () => {
    await gw.gateway.refreshModels();
    const ids = (await client.models.list()).data.map((m) => m.id);
    for (const id of ['azure-chat', 'vertex-chat', 'vertex/gemini-2.5-pro']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
    // Azure lists base models, not deployments: none of them is offered as a routable id.
    assert.ok(!ids.some((id) => id.startsWith('azure/')), ids.join(', '));
  });
});
