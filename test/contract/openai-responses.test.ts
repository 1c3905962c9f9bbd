/**
 * The OpenAI adapter's Responses pass-through (`adapter.responses`) against the documented shapes
 * (test/fixtures/openai-responses/, https://platform.openai.com/docs/api-reference/responses/create ,
 * https://platform.openai.com/docs/api-reference/responses-streaming): the body goes to
 * `POST /responses` as given, events come back named and in order, and a stream that fails
 * (`error`, `response.failed`) or is cut off before `response.completed` throws, never ends clean.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { Deployment, ResponsesWireEvent } from '../../src/providers/spec.js';
import { ConfigError, UpstreamError } from '../../src/errors.js';
import { startUpstream, sendJson, sendSse, type FakeUpstream } from '../helpers/upstream.js';

const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/openai-responses/${name}`, import.meta.url), 'utf8'));

let upstream: FakeUpstream;
let reply: () => { json?: unknown; status?: number; sse?: Array<string | object> };

before(async () => {
  upstream = await startUpstream((_req, res) => {
    const r = reply();
    if (r.sse) return sendSse(res, r.sse);
    return sendJson(res, r.status ?? 200, r.json);
  });
});
after(() => upstream.close());

function deployment(type: 'openai' | 'openai-compatible', options?: Record<string, unknown>): Deployment {
  const provider = createProviderHandle({
    id: type,
    type,
    baseUrl: `${upstream.url}/v1`,
    apiKey: 'sk-secret-contract-key-123',
    location: 'cloud',
    ...(options ? { options } : {}),
  });
  return {
    id: `${type}/m`,
    provider,
    model: 'm',
    location: 'cloud',
    capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: false },
  };
}

async function collect(events: AsyncIterable<ResponsesWireEvent>): Promise<ResponsesWireEvent[]> {
  const out: ResponsesWireEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const call = (d: Deployment, body: Record<string, unknown>) =>
  d.provider.adapter.responses!({ body, deployment: d, signal: new AbortController().signal });

describe('openai adapter: Responses pass-through', () => {
  it('speaks the Responses API by default for openai, not for openai-compatible; options.responsesApi overrides', () => {
    assert.equal(deployment('openai').provider.adapter.speaksResponses?.(deployment('openai').provider), true);
    const compat = deployment('openai-compatible');
    assert.equal(compat.provider.adapter.speaksResponses?.(compat.provider), false);
    const optIn = deployment('openai-compatible', { responsesApi: 'native' });
    assert.equal(optIn.provider.adapter.speaksResponses?.(optIn.provider), true);
    const optOut = deployment('openai', { responsesApi: 'translate' });
    assert.equal(optOut.provider.adapter.speaksResponses?.(optOut.provider), false);
    assert.throws(() => deployment('openai', { responsesApi: 'yes' }), ConfigError);
  });

  it('posts the body to /responses with the key and returns the response object', async () => {
    reply = () => ({ json: fixture('response.json') });
    const r = await call(deployment('openai'), { model: 'm', input: 'Hi', store: false });
    const req = upstream.requests.at(-1)!;
    assert.equal(req.url, '/v1/responses');
    assert.equal(req.headers.authorization, 'Bearer sk-secret-contract-key-123');
    assert.deepEqual(req.json, { model: 'm', input: 'Hi', store: false });
    assert.equal(r.type, 'response');
    assert.equal(r.type === 'response' && (r.response.output as unknown[]).length, 1);
  });

  it('a 200 carrying an error (a failed response) is an upstream failure', async () => {
    reply = () => ({ json: { ...fixture('response.json'), status: 'failed', error: { code: 'server_error', message: 'boom' } } });
    await assert.rejects(call(deployment('openai'), { model: 'm', input: 'Hi' }), UpstreamError);
  });

  it('streams the documented events in order', async () => {
    const events: Array<{ event: string; data: unknown }> = fixture('text-stream.json');
    reply = () => ({ sse: events });
    const r = await call(deployment('openai'), { model: 'm', input: 'Hi', stream: true });
    assert.equal(upstream.requests.at(-1)!.headers.accept, 'text/event-stream');
    assert.ok(r.type === 'stream');
    const got = await collect(r.events);
    assert.deepEqual(
      got.map((e) => e.event),
      events.map((e) => e.event),
    );
    assert.equal(got.at(-1)!.event, 'response.completed');
  });

  for (const [name, sse, code] of [
    [
      'an error event',
      (evs: any[]) => [
        ...evs.slice(0, 4),
        { event: 'error', data: { type: 'error', code: 'server_error', message: 'boom', sequence_number: 4 } },
      ],
      'upstream_error',
    ],
    [
      'response.failed',
      (evs: any[]) => [
        ...evs.slice(0, 4),
        { event: 'response.failed', data: { type: 'response.failed', response: { error: { message: 'x' } } } },
      ],
      'upstream_error',
    ],
    ['a body cut off before response.completed', (evs: any[]) => evs.slice(0, 5), 'upstream_truncated'],
  ] as const) {
    it(`throws on ${name}`, async () => {
      reply = () => ({ sse: sse(fixture('text-stream.json')) });
      const r = await call(deployment('openai'), { model: 'm', input: 'Hi', stream: true });
      assert.ok(r.type === 'stream');
      await assert.rejects(collect(r.events), (err: unknown) => err instanceof UpstreamError && err.code === code);
    });
  }
});
