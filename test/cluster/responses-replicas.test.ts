/**
 * Stored responses scaled out: two `meridian serve` replicas on one PostgreSQL store. A response
 * answered by replica A is continued, read, listed and deleted on replica B the moment A's answer
 * (or A's final stream event) arrives: the write is direct, not batched with the request log.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { sendJson, sendSse, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { admin, startCluster, type Cluster } from './gateway-harness.js';

type Message = { role: string; content: unknown };

function handler(req: RecordedRequest, res: Parameters<Parameters<typeof startUpstream>[0]>[1]) {
  const b = req.json as { stream?: boolean; messages: Message[] } | undefined;
  // Replicas also list the upstream's models at start.
  if (!b?.messages) return sendJson(res, 200, { object: 'list', data: [] });
  const last = b.messages.at(-1);
  const text = `reply to ${String(last?.content)}`;
  if (b.stream) {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    return sendSse(res, [chunk({ role: 'assistant', content: text }), chunk({}, 'stop'), '[DONE]']);
  }
  return sendJson(res, 200, {
    id: 'c',
    object: 'chat.completion',
    created: 1700000000,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  });
}

describe('stored responses across replicas (PostgreSQL + Redis)', () => {
  let upstream: FakeUpstream;
  let cluster: Cluster;
  let onA: OpenAI;
  let onB: OpenAI;
  let otherTenantOnB: OpenAI;

  before(async () => {
    upstream = await startUpstream(handler);
    cluster = await startCluster(upstream.url, 2);
    const [a, b] = cluster.replicas;
    const key = async (tenant: string) => (await admin<{ key: string }>(a!.url, '/admin/keys', { tenant })).json.key;
    const acme = await key('acme');
    const globex = await key('globex');
    onA = new OpenAI({ baseURL: `${a!.url}/v1`, apiKey: acme, maxRetries: 0 });
    onB = new OpenAI({ baseURL: `${b!.url}/v1`, apiKey: acme, maxRetries: 0 });
    otherTenantOnB = new OpenAI({ baseURL: `${b!.url}/v1`, apiKey: globex, maxRetries: 0 });
  });
  after(async () => {
    await cluster?.destroy();
    await upstream?.close();
  });

  it('a response answered on A is continued on B at once, with the earlier turns sent upstream', { timeout: 30_000 }, async () => {
    const first = await onA.responses.create({ model: 'chat', input: 'One' });
    const second = await onB.responses.create({ model: 'chat', input: 'Two', previous_response_id: first.id });
    assert.equal(second.previous_response_id, first.id);
    assert.deepEqual(
      (upstream.requests.at(-1)!.json.messages as Message[]).map((m) => `${m.role}:${String(m.content)}`),
      ['user:One', 'assistant:reply to One', 'user:Two'],
    );
    assert.deepEqual(await onB.responses.retrieve(first.id), first);
    const items = await onB.responses.inputItems.list(second.id);
    assert.deepEqual(
      items.data.map((i) => (i.type === 'message' ? (i.content[0] as { text: string }).text : i.type)),
      ['Two'],
    );
    await assert.rejects(otherTenantOnB.responses.retrieve(first.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await onB.responses.delete(first.id);
    await assert.rejects(onA.responses.retrieve(first.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  it('a streamed response finished on A is continued on B at once', { timeout: 30_000 }, async () => {
    const final = await onA.responses.stream({ model: 'chat', input: 'Streamed' }).finalResponse();
    const next = await onB.responses.create({ model: 'chat', input: 'Next', previous_response_id: final.id });
    assert.equal(next.output_text, 'reply to Next');
    assert.deepEqual(
      (upstream.requests.at(-1)!.json.messages as Message[]).map((m) => m.content),
      ['Streamed', 'reply to Streamed', 'Next'],
    );
  });
});
