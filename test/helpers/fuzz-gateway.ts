/**
 * The gateway the fuzz suites attack: a real gateway on 127.0.0.1 with the privacy guard on, auth
 * required (one key), and a fake OpenAI-compatible upstream that answers every well-formed call
 * successfully, so any 5xx the fuzz sees is the gateway's own.
 */
import assert from 'node:assert/strict';
import {
  assertLoopNeverBlocked,
  describeFailures,
  postCases,
  rng,
  runCases,
  watchEventLoop,
  type Envelope,
  type FuzzRun,
  type PostCaseOptions,
} from './fuzz.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { sendJson, sendSse, startUpstream, type FakeUpstream } from './upstream.js';

const MASTER = 'master-key-for-fuzz-tests-000001';

export interface FuzzGateway {
  url: string;
  /** Headers that authenticate as the fuzz key. */
  auth: Record<string, string>;
  /** Headers that authenticate with the master key (admin API). */
  master: Record<string, string>;
  close(): Promise<void>;
}

function chatChunk(delta: Record<string, unknown>, finish: string | null = null) {
  return {
    id: 'chatcmpl-f',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

// https://ai.google.dev/api/generate-content#generatecontentresponse
const geminiAnswer = (finish: boolean) => ({
  candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, ...(finish ? { finishReason: 'STOP' } : {}), index: 0 }],
  ...(finish ? { usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 } } : {}),
});

// https://docs.anthropic.com/en/api/messages and .../build-with-claude/streaming
const anthropicMessage = { id: 'msg_f', type: 'message', role: 'assistant', model: 'claude-f', stop_sequence: null };
const anthropicEvents = [
  {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: { ...anthropicMessage, content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 0 } },
    },
  },
  { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } } },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
  {
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } },
  },
  { event: 'message_stop', data: { type: 'message_stop' } },
];

/** Answers OpenAI-compatible, Gemini and Anthropic calls successfully, whatever they ask. */
async function fuzzUpstream(): Promise<FakeUpstream> {
  return startUpstream((req, res) => {
    const b = req.json ?? {};
    if (req.url.includes(':batchEmbedContents'))
      return sendJson(res, 200, { embeddings: (b.requests ?? []).map(() => ({ values: [0.1, 0.2, 0.3] })) });
    if (req.url.includes(':streamGenerateContent')) return sendSse(res, [geminiAnswer(false), geminiAnswer(true)]);
    if (req.url.includes(':generateContent')) return sendJson(res, 200, geminiAnswer(true));
    if (req.url.startsWith('/anthropic/v1/messages')) {
      if (b.stream) return sendSse(res, anthropicEvents);
      return sendJson(res, 200, {
        ...anthropicMessage,
        content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 5, output_tokens: 1 },
      });
    }
    if (req.url.endsWith('/embeddings')) {
      const n = Array.isArray(b.input) ? b.input.length : 1;
      return sendJson(res, 200, {
        object: 'list',
        data: Array.from({ length: n }, (_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
        model: 'embed-model',
        usage: { prompt_tokens: n, total_tokens: n },
      });
    }
    if (req.url.endsWith('/models'))
      return sendJson(res, 200, { object: 'list', data: [{ id: 'local-model', object: 'model', created: 1, owned_by: 'x' }] });
    if (b.stream)
      return sendSse(res, [
        chatChunk({ role: 'assistant', content: '' }),
        chatChunk({ content: 'ok' }),
        chatChunk({}, 'stop'),
        { ...chatChunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } },
        '[DONE]',
      ]);
    return sendJson(res, 200, {
      id: 'chatcmpl-f',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    });
  });
}

export async function startFuzzGateway(): Promise<FuzzGateway> {
  const upstream = await fuzzUpstream();
  let gw: RunningGateway;
  try {
    gw = await startGateway(
      {
        providers: [
          { id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake-cloud-key-000000', location: 'cloud' },
          { id: 'gem', type: 'gemini', baseUrl: `${upstream.url}/gemini/v1beta`, apiKey: 'fake-gemini-key-0000000', location: 'cloud' },
          { id: 'anth', type: 'anthropic', baseUrl: `${upstream.url}/anthropic`, apiKey: 'sk-ant-fake-key-0000000', location: 'cloud' },
        ],
        models: {
          'chat-default': [
            { provider: 'local', model: 'local-model', capabilities: { tools: true, vision: true } },
            { provider: 'cloud', model: 'cloud-model', capabilities: { tools: true, vision: true, contextWindow: 128000 } },
          ],
          'cloud-chat': [{ provider: 'cloud', model: 'cloud-model', capabilities: { tools: true, vision: true } }],
          'gemini-chat': [{ provider: 'gem', model: 'gemini-f', capabilities: { tools: true, vision: true, jsonSchema: true } }],
          'claude-chat': [{ provider: 'anth', model: 'claude-f', capabilities: { tools: true, vision: true } }],
          'embed-default': [{ provider: 'local', model: 'embed-model' }],
          'gemini-embed': [{ provider: 'gem', model: 'embed-f' }],
        },
        // Policies so hostile tags, tools and sizes go through every kind of routing rule.
        policies: [
          { name: 'confidential-stays-inside', when: { tags: ['confidential'] }, require: { location: ['local'] } },
          { name: 'tools-prefer-cloud', when: { hasTools: true }, prefer: 'cloud' },
          { name: 'long-prompts-fit', when: { estimatedPromptTokens: { gt: 3000 } }, require: { capability: ['contextWindow'] } },
          { name: 'no-legal-hold', when: { tags: { any: ['legal-hold'], all: ['team:fuzz'] } }, deny: { message: 'Legal hold.' } },
        ],
        guard: { defaultAction: 'pseudonymize' },
        router: { healthIntervalMs: 0, retries: 0 },
        server: { bodyLimitBytes: 1024 * 1024 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  } catch (err) {
    await upstream.close();
    throw err;
  }
  const created = await fetch(`${gw.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'fuzz' }),
  });
  if (created.status !== 201) throw new Error(`creating the fuzz key failed: ${created.status} ${await created.text()}`);
  const { key } = (await created.json()) as { key: string };
  return {
    url: gw.url,
    auth: { authorization: `Bearer ${key}` },
    master: { authorization: `Bearer ${MASTER}` },
    close: async () => {
      await gw.close();
      await upstream.close();
    },
  };
}

/** Seed of a fuzz run: fixed so a failure reproduces; `FUZZ_SEED=n` explores other inputs. */
/** Aliases and `provider/` prefixes the generators put in `model`, so every adapter sees hostile input. */
export const CHAT_ALIASES = ['chat-default', 'cloud-chat', 'gemini-chat', 'claude-chat'];
export const EMBED_ALIASES = ['embed-default', 'gemini-embed'];
export const PROVIDER_PREFIXES = ['local/', 'cloud/', 'gem/', 'anth/'];

export function fuzzSeed(fixed: number): number {
  return process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : fixed;
}

/**
 * The body every endpoint's fuzz test shares: a warm-up, then `count` seeded hostile requests
 * under an event-loop watch; no 5xx, every error in `envelope`, enough requests through the whole
 * pipeline (≥ 50 answered 200), and the loop never blocked.
 */
export async function fuzzPostEndpoint(
  gw: FuzzGateway,
  path: string,
  opts: PostCaseOptions,
  seed: number,
  envelope: Envelope,
  count = 1000,
): Promise<void> {
  const cases = postCases(rng(seed), path, count, opts);
  await runCases(gw.url, postCases(rng(1), path, 10, opts), envelope); // warm-up
  let run: FuzzRun = { failures: [], statuses: new Map() };
  const loop = await watchEventLoop(async () => {
    run = await runCases(gw.url, cases, envelope);
  });
  assert.equal(run.failures.length, 0, describeFailures(run));
  assert.ok((run.statuses.get(200) ?? 0) >= 50, `too few requests got through the pipeline: ${describeFailures(run)}`);
  assertLoopNeverBlocked(loop);
}
