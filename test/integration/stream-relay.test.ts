/**
 * The streaming relay through the running gateway, over real sockets: an OpenAI-compatible
 * upstream's plain content events reach the client as the upstream's own bytes, while everything
 * the gateway must act on still is acted on — the usage chunk dropped unless asked for, usage and
 * cost accounted, a mid-stream error ended with an error event, a truncated body reported, and a
 * pseudonymized cloud answer restored (the relay is off then). Wire format:
 * https://platform.openai.com/docs/api-reference/chat-streaming
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startUpstream, sendJson, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, chat, logEntry } from '../helpers/cost.js';

const WORDS = Array.from({ length: 300 }, (_, i) => `w${i} "é" \\ `);
const chunk = (model: string, delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({
    id: 'chatcmpl-r',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
const USAGE = { prompt_tokens: 11, completion_tokens: 300, total_tokens: 311 };

/** The content events exactly as the upstream writes them (what the relay must pass through). */
const contentEvents = (model: string) =>
  WORDS.map((w, i) => `data: ${chunk(model, i === 0 ? { role: 'assistant', content: w } : { content: w })}\n\n`);

async function upstreamHandler(req: RecordedRequest, res: ServerResponse): Promise<void> {
  if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: 'x' }] });
  const model = req.json.model as string;
  const lastUser = String(req.json.messages.at(-1).content);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  // Several events per write, split mid-event, as engines and TCP do.
  const events = contentEvents(model);
  if (lastUser.startsWith('echo')) events.splice(0, events.length, `data: ${chunk(model, { role: 'assistant', content: lastUser })}\n\n`);
  let body = events.join('');
  if (lastUser === 'fail')
    body = events.slice(0, 20).join('') + 'data: {"error":{"message":"engine overloaded","type":"server_error"}}\n\n';
  else if (lastUser === 'cut') body = events.slice(0, 20).join('');
  else
    body += `data: ${chunk(model, {}, 'stop')}\n\ndata: ${JSON.stringify({ id: 'chatcmpl-r', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: USAGE })}\n\ndata: [DONE]\n\n`;
  const bytes = Buffer.from(body);
  for (let at = 0; at < bytes.length; at += 1_337) {
    if (!res.write(bytes.subarray(at, at + 1_337))) await new Promise((r) => res.once('drain', r));
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

describe('streaming relay', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startUpstream(upstreamHandler);
    gw = await startGateway(
      {
        providers: [
          // One connection: a stream that kept its connection would stall every later request.
          { id: 'engine', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local', connections: 1 },
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'cloud' },
        ],
        models: { local: [{ provider: 'engine', model: 'm' }], remote: [{ provider: 'cloud', model: 'm' }] },
        guard: { defaultAction: 'pseudonymize' },
        log: { requests: true },
        auth: { masterKey: MASTER },
      },
      { env: {} },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('passes plain content events through byte for byte, drops the usage chunk, accounts usage and cost', async () => {
    const r = await chat(gw.url, { model: 'local', stream: true, messages: [{ role: 'user', content: 'write' }] }, MASTER);
    assert.equal(r.status, 200);
    assert.ok(r.text.startsWith(contentEvents('m').join('')), 'content events are the upstream bytes');
    assert.ok(r.text.endsWith('data: [DONE]\n\n'));
    assert.equal(r.events!.filter((e) => e.usage).length, 0, 'usage chunk not asked for');
    assert.equal(r.events!.at(-1).choices[0].finish_reason, 'stop');
    assert.ok(r.trailers['x-meridian-cost-usd'] !== undefined);
    const entry = await logEntry(gw.url, r.headers['x-request-id']!);
    assert.equal(entry.completionTokens, USAGE.completion_tokens);
    assert.equal(entry.promptTokens, USAGE.prompt_tokens);
    assert.equal(entry.tokensEstimated, false);
    assert.equal(entry.status, 200);
  });

  it('keeps the usage chunk when the client asks for it', async () => {
    const r = await chat(
      gw.url,
      { model: 'local', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'write' }] },
      MASTER,
    );
    assert.deepEqual(r.events!.at(-1).usage, USAGE);
    assert.equal(r.events!.filter((e) => e.choices?.[0]?.delta?.content !== undefined).length, WORDS.length);
  });

  it('ends with an error event when the engine fails mid-stream, and logs the failure', async () => {
    const r = await chat(gw.url, { model: 'local', stream: true, messages: [{ role: 'user', content: 'fail' }] }, MASTER);
    assert.equal(r.status, 200);
    assert.match(r.text, /event: error\ndata: .*engine overloaded/);
    assert.ok(!r.text.includes('[DONE]'));
    const entry = await logEntry(gw.url, r.headers['x-request-id']!);
    assert.equal(entry.status, 502);
    assert.ok(entry.completionTokens > 0, 'what was generated is counted');
  });

  it('reports a body that ends before the answer finished', async () => {
    const r = await chat(gw.url, { model: 'local', stream: true, messages: [{ role: 'user', content: 'cut' }] }, MASTER);
    assert.match(r.text, /event: error\ndata: .*upstream_truncated/);
    const entry = await logEntry(gw.url, r.headers['x-request-id']!);
    assert.equal(entry.errorCode, 'upstream_truncated');
  });

  it('gives the connection back after every kind of ending', async () => {
    for (let i = 0; i < 30; i++) {
      const content = ['write', 'fail', 'cut'][i % 3]!;
      const r = await chat(gw.url, { model: 'local', stream: true, messages: [{ role: 'user', content }] }, MASTER);
      assert.equal(r.status, 200);
    }
  });

  it('restores a pseudonymized value streamed back by a cloud deployment', async () => {
    const r = await chat(
      gw.url,
      { model: 'remote', stream: true, messages: [{ role: 'user', content: 'echo mail jane.doe@example.com' }] },
      MASTER,
    );
    const sent = upstream.requests.at(-1)!.json.messages.at(-1).content as string;
    assert.ok(!sent.includes('jane.doe@example.com'), 'the cloud got a placeholder');
    const text = r.events!.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
    assert.equal(text, 'echo mail jane.doe@example.com');
  });
});
