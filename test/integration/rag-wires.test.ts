/**
 * Retrieval on every chat wire (docs/rag.md): OpenAI Chat Completions (plain and streamed),
 * Anthropic Messages, the Responses API and Ollama's /api/chat all take `"rag"`, send the context
 * upstream as a system message, and answer with `x-meridian-sources` and a `sources` field; a
 * registered prompt that names a collection retrieves without the request saying so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sendJson, sendSse, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'mk-master-rag-wires-00000000000';
const DOCS = [
  { id: 'kb/holidays.md', text: '# Holidays\n\nEmployees get 25 vacation days per year. Unused vacation days expire in March.' },
  { id: 'kb/vpn.md', text: '# VPN setup\n\nInstall the WireGuard client, then import the configuration file from the IT portal.' },
];
const QUESTION = 'How many vacation days do employees get per year?';

interface Source {
  id: string;
  document_id: string;
  heading: string;
  score: number;
}

function answer(req: RecordedRequest, res: Parameters<typeof sendJson>[0]): void | Promise<void> {
  const model = String(req.json.model);
  if (req.json.stream === true) {
    return sendSse(res, [
      {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model,
        choices: [{ index: 0, delta: { role: 'assistant', content: 'Twenty' } }],
      },
      {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model,
        choices: [{ index: 0, delta: { content: '-five.' }, finish_reason: 'stop' }],
      },
      {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model,
        choices: [],
        usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
      },
      '[DONE]',
    ]);
  }
  sendJson(res, 200, {
    id: 'chatcmpl-w',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'Twenty-five.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  });
}

describe('RAG on every chat wire, and prompts that name a collection', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let key: string;

  const post = (path: string, body: unknown, auth = key) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** The last upstream chat call: its system context names the holidays chunk and not the `rag` field. */
  function assertContextSent(from: number): void {
    assert.equal(upstream.requests.length, from + 1, 'one upstream call');
    const sent = upstream.requests[from]!.json as { messages: Array<{ role: string; content: unknown }>; rag?: unknown };
    assert.equal(sent.rag, undefined, 'the rag field is the gateway’s, not the upstream’s');
    const system = sent.messages.filter((m) => m.role === 'system').map((m) => String(m.content));
    assert.ok(
      system.some((s) => /\[source: kb\/holidays\.md#0\][^]*25 vacation days/.test(s)),
      JSON.stringify(sent.messages).slice(0, 400),
    );
  }

  function assertSources(res: Response, sources: Source[] | undefined): void {
    assert.ok(Array.isArray(sources) && sources.length > 0, 'a sources field');
    assert.equal(sources[0]!.id, 'kb/holidays.md#0');
    assert.equal(sources[0]!.document_id, 'kb/holidays.md');
    assert.equal(sources[0]!.heading, 'Holidays');
    assert.ok(sources[0]!.score > 0);
    assert.equal(res.headers.get('x-meridian-sources'), sources.map((s) => s.id).join(', '), 'header and body agree');
  }

  before(async () => {
    upstream = await startUpstream(answer);
    gw = await startGateway(
      {
        providers: [
          { id: 'mock', type: 'mock', location: 'local' },
          { id: 'onprem', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake-cloud-000000000', location: 'cloud' },
        ],
        models: {
          embed: [{ provider: 'mock', model: 'mock-embed-ngram' }],
          chat: [{ provider: 'onprem', model: 'local-model' }],
          'cloud-first': {
            strategy: 'priority',
            deployments: [
              { provider: 'cloud', model: 'cloud-model' },
              { provider: 'onprem', model: 'local-model' },
            ],
          },
        },
        policies: [{ name: 'contracts-on-premises', when: { collection: 'contracts' }, require: { location: ['local', 'private'] } }],
        router: { healthIntervalMs: 0, retries: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const created = await post('/admin/keys', { tenant: 'wires' }, MASTER);
    key = ((await created.json()) as { key: string }).key;
    assert.equal((await post('/v1/rag/collections', { name: 'kb', embeddingModel: 'embed' }, MASTER)).status, 201);
    for (const d of DOCS) assert.equal((await post('/v1/rag/collections/kb/documents', d, MASTER)).status, 200);
    assert.equal((await post('/v1/rag/collections', { name: 'contracts', embeddingModel: 'embed' }, MASTER)).status, 201);
    for (const d of DOCS) assert.equal((await post('/v1/rag/collections/contracts/documents', d, MASTER)).status, 200);
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('OpenAI chat: the body carries `sources` beside the answer', async () => {
    const from = upstream.requests.length;
    const res = await post('/v1/chat/completions', {
      model: 'chat',
      rag: { collection: 'kb', k: 2 },
      messages: [{ role: 'user', content: QUESTION }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; sources: Source[] };
    assert.equal(body.choices[0]!.message.content, 'Twenty-five.');
    assertSources(res, body.sources);
    assertContextSent(from);
  });

  it('OpenAI chat, streamed: the first chunk carries `sources`, the rest are the upstream’s', async () => {
    const from = upstream.requests.length;
    const res = await post('/v1/chat/completions', {
      model: 'chat',
      stream: true,
      rag: { collection: 'kb', k: 1 },
      messages: [{ role: 'user', content: QUESTION }],
    });
    assert.equal(res.status, 200);
    const chunks = (await res.text())
      .split('\n\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)) as { sources?: Source[]; choices: Array<{ delta: { content?: string } }> });
    assertSources(res, chunks[0]!.sources);
    assert.ok(
      chunks.slice(1).every((c) => c.sources === undefined),
      'only the first chunk',
    );
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Twenty-five.');
    assertContextSent(from);
  });

  it('Anthropic Messages: `rag` beside `system`, the answer in the Messages shape with `sources`', async () => {
    const from = upstream.requests.length;
    const res = await post('/v1/messages', {
      model: 'chat',
      max_tokens: 50,
      system: 'Be brief.',
      rag: { collection: 'kb', k: 1 },
      messages: [{ role: 'user', content: QUESTION }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { type: string; content: Array<{ text: string }>; sources: Source[] };
    assert.equal(body.type, 'message');
    assert.equal(body.content[0]!.text, 'Twenty-five.');
    assertSources(res, body.sources);
    assertContextSent(from);
    const sent = upstream.requests[from]!.json as { messages: Array<{ role: string; content: unknown }> };
    assert.ok(
      sent.messages.some((m) => m.role === 'system' && String(m.content).includes('Be brief.')),
      'the client’s own system prompt is kept',
    );
  });

  it('Responses API: `rag` on /v1/responses; the response object has `sources`', async () => {
    const from = upstream.requests.length;
    const res = await post('/v1/responses', { model: 'chat', store: false, rag: { collection: 'kb', k: 1 }, input: QUESTION });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { object: string; output: Array<{ content?: Array<{ text: string }> }>; sources: Source[] };
    assert.equal(body.object, 'response');
    assert.equal(body.output.at(-1)!.content![0]!.text, 'Twenty-five.');
    assertSources(res, body.sources);
    assertContextSent(from);
  });

  it('Ollama /api/chat: `rag` on the native body; the answer object has `sources`', async () => {
    const from = upstream.requests.length;
    const res = await post('/api/chat', {
      model: 'chat',
      stream: false,
      rag: { collection: 'kb', k: 1 },
      messages: [{ role: 'user', content: QUESTION }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { message: { content: string }; done: boolean; sources: Source[] };
    assert.equal(body.message.content, 'Twenty-five.');
    assert.equal(body.done, true);
    assertSources(res, body.sources);
    assertContextSent(from);
  });

  it('a registered prompt that names a collection retrieves for every request that runs it', async () => {
    const pushed = await post(
      '/admin/prompts',
      {
        name: 'hr-assistant',
        prompt: { type: 'text', template: 'You answer HR questions.', model: 'chat', rag: { collection: 'kb', k: 1 } },
      },
      MASTER,
    );
    assert.equal(pushed.status, 201, await pushed.clone().text());
    const from = upstream.requests.length;
    const res = await post('/v1/chat/completions', { model: 'prompt:hr-assistant', messages: [{ role: 'user', content: QUESTION }] });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('x-meridian-prompt') ?? '', /^hr-assistant@1$/);
    assertSources(res, ((await res.json()) as { sources: Source[] }).sources);
    assertContextSent(from);

    // The request's own `rag` wins over the prompt's.
    const own = await post('/v1/chat/completions', {
      model: 'prompt:hr-assistant',
      rag: { collection: 'kb', k: 1 },
      messages: [{ role: 'user', content: 'How do I install the WireGuard VPN client?' }],
    });
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('x-meridian-sources'), 'kb/vpn.md#0');
    await own.arrayBuffer();

    // A prompt naming a bad collection name is refused when it is pushed, not when it runs.
    const bad = await post(
      '/admin/prompts',
      { name: 'bad-rag', prompt: { type: 'text', template: 'x', rag: { collection: '../etc' } } },
      MASTER,
    );
    assert.equal(bad.status, 400);
  });

  it('a routing policy can match the collection: `contracts` stays on premises, `kb` may use the cloud', async () => {
    const ask = async (collection: string) => {
      const res = await post('/v1/chat/completions', {
        model: 'cloud-first',
        rag: { collection, k: 1 },
        messages: [{ role: 'user', content: QUESTION }],
      });
      assert.equal(res.status, 200, await res.clone().text());
      await res.arrayBuffer();
      return res.headers.get('x-meridian-route') ?? '';
    };
    assert.match(await ask('kb'), /cloud\/cloud-model/);
    assert.match(await ask('contracts'), /onprem\/local-model/);
  });

  it('a request without `rag` has no sources field and no header', async () => {
    const res = await post('/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: QUESTION }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-meridian-sources'), null);
    assert.equal(((await res.json()) as { sources?: unknown }).sources, undefined);
  });
});
