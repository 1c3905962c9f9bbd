/**
 * The pure Ollama ⇄ canonical translation of src/api/ollama/ (no gateway): request mapping,
 * validation messages, answers, the NDJSON stream's assembly and timing, embeddings and model
 * shapes. Shapes follow https://github.com/ollama/ollama/blob/main/docs/api.md
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalToOllamaEmbed, canonicalToOllamaLegacyEmbeddings } from '../../src/api/ollama/embed.js';
import { ollamaShow, ollamaTags } from '../../src/api/ollama/models.js';
import { chatLoadReason, generateLoadReason, ollamaChatToCanonical, ollamaGenerateToCanonical } from '../../src/api/ollama/request.js';
import { canonicalToOllamaChat, toolCallOut } from '../../src/api/ollama/response.js';
import { parseOllamaChat, parseOllamaGenerate, parseOllamaShow } from '../../src/api/ollama/schema.js';
import { canonicalStreamToOllama } from '../../src/api/ollama/stream.js';
import type { ChatChunk, ChatResponse, EmbeddingsResponse } from '../../src/api/types.js';
import { InvalidRequestError } from '../../src/errors.js';

const JPEG = '/9j/4AAQSkZJRg==';

describe('Ollama requests → canonical', () => {
  it('streams by default; options, format, think and images map to canonical fields', () => {
    const req = ollamaChatToCanonical(
      parseOllamaChat({
        model: 'm',
        messages: [{ role: 'user', content: 'What is this?', images: [JPEG] }],
        options: { temperature: 0.1, top_p: 0.5, top_k: 20, num_predict: 100, stop: 'END', seed: 3, num_ctx: 8192 },
        format: { type: 'object' },
        think: 'high',
      }),
    );
    assert.deepEqual(req, {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${JPEG}` } },
          ],
        },
      ],
      stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } },
      temperature: 0.1,
      top_p: 0.5,
      max_tokens: 100,
      stop: ['END'],
      seed: 3,
      top_k: 20,
      reasoning_effort: 'high',
    });
  });

  it('num_predict -1 / -2 set no limit; stream false; think false leaves the default', () => {
    const req = ollamaChatToCanonical(
      parseOllamaChat({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        options: { num_predict: -1 },
        stream: false,
        think: false,
      }),
    );
    assert.deepEqual(req, { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: false });
  });

  it('tool results are matched to call ids: by tool_call_id, else by tool_name, in order', () => {
    const req = ollamaChatToCanonical(
      parseOllamaChat({
        model: 'm',
        messages: [
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { function: { name: 'a', arguments: { x: 1 } } },
              { id: 'given', function: { name: 'b', arguments: '{"y":2}' } },
              { function: { name: 'a', arguments: {} } },
            ],
          },
          { role: 'tool', content: 'b result', tool_call_id: 'given' },
          { role: 'tool', content: 'a result 1', tool_name: 'a' },
          { role: 'tool', content: 'a result 2', tool_name: 'a' },
        ],
      }),
    );
    const calls = req.messages[0]!.tool_calls!;
    assert.equal(req.messages[0]!.content, null);
    assert.deepEqual(
      calls.map((c) => [c.function.name, c.function.arguments]),
      [
        ['a', '{"x":1}'],
        ['b', '{"y":2}'],
        ['a', '{}'],
      ],
    );
    assert.equal(calls[1]!.id, 'given');
    assert.equal(new Set(calls.map((c) => c.id)).size, 3, 'ids are unique');
    assert.deepEqual(
      req.messages.slice(1).map((m) => m.tool_call_id),
      [calls[1]!.id, calls[0]!.id, calls[2]!.id],
    );
  });

  it('generate: system then prompt; suffix is refused; empty prompt is a load request', () => {
    const g = parseOllamaGenerate({ model: 'm', system: 'S', prompt: 'P', format: 'json', raw: true, context: [1] });
    assert.deepEqual(ollamaGenerateToCanonical(g), {
      model: 'm',
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'P' },
      ],
      stream: true,
      response_format: { type: 'json_object' },
    });
    assert.throws(() => ollamaGenerateToCanonical(parseOllamaGenerate({ model: 'm', prompt: 'x', suffix: 'y' })), InvalidRequestError);
    assert.equal(generateLoadReason(g), undefined);
    assert.equal(generateLoadReason(parseOllamaGenerate({ model: 'm' })), 'load');
    assert.equal(generateLoadReason(parseOllamaGenerate({ model: 'm', images: [JPEG] })), undefined);
    assert.equal(chatLoadReason(parseOllamaChat({ model: 'm', messages: [], keep_alive: 0 })), 'unload');
    assert.equal(chatLoadReason(parseOllamaChat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })), undefined);
  });

  it('validation names the field and never the value', () => {
    const secret = 'jane.doe@example.com';
    for (const [body, param] of [
      [{ model: 'm', messages: [{ role: secret, content: 'x' }] }, 'messages[0].role'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], options: { temperature: 9 } }, 'options.temperature'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], format: secret }, 'format'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ function: { name: secret } }] }, 'tools[0].function.name'],
      [{ model: secret + ' x', messages: [] }, 'model'],
    ] as const) {
      assert.throws(
        () => parseOllamaChat(body),
        (e: InvalidRequestError) => e.param === param && !e.message.includes(secret),
      );
    }
    assert.deepEqual(parseOllamaShow({ name: 'old-client' }).model, 'old-client');
  });
});

describe('canonical answers → Ollama', () => {
  const response: ChatResponse = {
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'upstream',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          reasoning_content: 'hmm',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":[1]}' } }],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  };

  it('a response: the client-side model name, done_reason stop after tool calls, counts, nanosecond durations', () => {
    const out = canonicalToOllamaChat(response, 'alias', { startMs: 100, endMs: 350 });
    assert.deepEqual(out.message, {
      role: 'assistant',
      content: '',
      thinking: 'hmm',
      tool_calls: [{ id: 'call_1', function: { index: 0, name: 'f', arguments: { a: [1] } } }],
    });
    assert.equal(out.model, 'alias');
    assert.equal(out.done, true);
    assert.equal(out.done_reason, 'stop');
    assert.equal(out.total_duration, 250_000_000);
    assert.equal(out.eval_duration, 250_000_000);
    assert.equal(out.prompt_eval_duration, 0);
    assert.equal(out.prompt_eval_count, 5);
    assert.equal(out.eval_count, 2);
    assert.equal(out.load_duration, 0);
  });

  it('malformed tool arguments keep their text instead of vanishing', () => {
    assert.deepEqual(toolCallOut(0, 'f', '{"a":', undefined).function.arguments, { arguments: '{"a":' });
    assert.deepEqual(toolCallOut(1, 'f', '[1]', 'id').function.arguments, { value: [1] });
  });

  it('a stream: text and thinking as they come, tool calls assembled once, a done object timed at the first token', async () => {
    const c = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'up',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    async function* chunks(): AsyncGenerator<ChatChunk> {
      yield c({ role: 'assistant', content: '' });
      yield c({ reasoning_content: 'think' });
      yield c({ content: 'Hel' });
      yield c({ content: 'lo' });
      yield c({ tool_calls: [{ index: 0, id: 'call_9', function: { name: 'f', arguments: '{"q"' } }] });
      yield c({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] });
      yield c({}, 'length');
      yield { ...c({}), choices: [], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } };
    }
    const clock = [10, 40];
    const lines: any[] = [];
    for await (const l of canonicalStreamToOllama(chunks(), { kind: 'chat', model: 'alias', startMs: 0, now: () => clock.shift()! }))
      lines.push(l);
    assert.deepEqual(
      lines.map((l) => [l.message.content, l.message.thinking ?? null, l.done]),
      [
        ['', 'think', false],
        ['Hel', null, false],
        ['lo', null, false],
        ['', null, false],
        ['', null, true],
      ],
    );
    assert.deepEqual(lines[3].message.tool_calls, [{ id: 'call_9', function: { index: 0, name: 'f', arguments: { q: 1 } } }]);
    const last = lines.at(-1);
    assert.equal(last.done_reason, 'length');
    assert.equal(last.prompt_eval_duration, 10_000_000);
    assert.equal(last.eval_duration, 30_000_000);
    assert.equal(last.total_duration, 40_000_000);
    assert.equal(last.eval_count, 3);
    assert.ok(lines.every((l) => l.model === 'alias'));

    const gen: any[] = [];
    for await (const l of canonicalStreamToOllama(chunks(), { kind: 'generate', model: 'alias', startMs: 0 })) gen.push(l);
    assert.deepEqual(
      gen.map((l) => [l.response, l.thinking ?? null]),
      [
        ['', 'think'],
        ['Hel', null],
        ['lo', null],
        ['', null],
      ],
      'generate has no tool-call line',
    );
  });
});

describe('embeddings and models → Ollama', () => {
  const res: EmbeddingsResponse = {
    object: 'list',
    model: 'up',
    data: [
      { object: 'embedding', index: 1, embedding: Buffer.from(new Float32Array([0.5, -1]).buffer).toString('base64') },
      { object: 'embedding', index: 0, embedding: [1, 2] },
    ],
    usage: { prompt_tokens: 4, total_tokens: 4 },
  };

  it('vectors in input order (base64 decoded), counts and durations', () => {
    assert.deepEqual(canonicalToOllamaEmbed(res, 'alias', 2), {
      model: 'alias',
      embeddings: [
        [1, 2],
        [0.5, -1],
      ],
      total_duration: 2_000_000,
      load_duration: 0,
      prompt_eval_count: 4,
    });
    assert.deepEqual(canonicalToOllamaLegacyEmbeddings(res), { embedding: [1, 2] });
  });

  it('tags and show shapes', () => {
    const tags = ollamaTags(['a', 'p/m'], '2026-01-01T00:00:00.000Z');
    assert.equal(tags.models.length, 2);
    assert.equal(tags.models[1]!.name, 'p/m');
    assert.notEqual(tags.models[0]!.digest, tags.models[1]!.digest);
    const show = ollamaShow(
      { name: 'a', completion: true, embedding: false, tools: true, vision: false, thinking: true, contextWindow: 8192 },
      '2026-01-01T00:00:00.000Z',
    );
    assert.deepEqual(show.capabilities, ['completion', 'tools', 'thinking']);
    assert.equal(show.model_info['meridian.context_length'], 8192);
  });
});
