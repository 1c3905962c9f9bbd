import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import type { Cassette } from '../../src/mock/cassettes.js';

let dir: string;
let upstream: MockServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-cassettes-'));
  // A second mock plays the "real upstream" being recorded.
  upstream = await startMockServer({ rules: { rules: [{ match: { model: 'limited' }, error: { status: 429, retry_after: 9 } }] } });
});
after(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'mock-small',
  messages: [{ role: 'user', content }],
  ...extra,
});

async function call(base: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(
    base + path,
    body === undefined
      ? { headers }
      : { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
  );
  return { status: res.status, headers: res.headers, text: await res.text() };
}

test('record → replay round trip: JSON, SSE stream, error status, GET', async () => {
  const recorder = await startMockServer({ record: { upstream: upstream.url, cassettes: dir } });
  const live = {
    json: await call(recorder.url, '/v1/chat/completions', chat("Say 'recorded'"), {
      authorization: 'Bearer sk-secret-should-not-be-saved',
    }),
    sse: await call(recorder.url, '/v1/chat/completions', chat('Say "streamed words"', { stream: true })),
    err: await call(recorder.url, '/v1/chat/completions', { model: 'limited', messages: [] }),
    models: await call(recorder.url, '/v1/models'),
  };
  await recorder.close();
  assert.equal(live.json.status, 200);
  assert.match(live.json.text, /"content":"recorded"/);
  assert.match(live.sse.text, /data: \[DONE\]/);
  assert.equal(live.err.status, 429);

  const files = readdirSync(dir);
  assert.equal(files.length, 4, files.join());
  const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  assert.doesNotMatch(all, /sk-secret/, 'credentials are never stored');
  const sseCassette = files
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Cassette)
    .find((c) => c.response.body_text?.includes('[DONE]'));
  assert.ok(sseCassette, 'the stream is stored as raw SSE text');
  assert.equal(sseCassette.response.headers['content-type'], 'text/event-stream');

  const replayer = await startMockServer({ replay: dir });
  try {
    // Key order in the body does not matter for matching.
    const reordered = { messages: [{ content: "Say 'recorded'", role: 'user' }], model: 'mock-small' };
    const json = await call(replayer.url, '/v1/chat/completions', reordered);
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(json.text), JSON.parse(live.json.text));
    assert.match(json.headers.get('x-mock-cassette') ?? '', /^POST-v1-chat-completions-/);
    const sse = await call(replayer.url, '/v1/chat/completions', chat('Say "streamed words"', { stream: true }));
    assert.equal(sse.text, live.sse.text);
    assert.equal(sse.headers.get('content-type'), 'text/event-stream');
    const err = await call(replayer.url, '/v1/chat/completions', { model: 'limited', messages: [] });
    assert.equal(err.status, 429);
    assert.equal(err.headers.get('retry-after'), '9');
    const models = await call(replayer.url, '/v1/models');
    assert.equal(models.text, live.models.text);
  } finally {
    await replayer.close();
  }
});

test('an unmatched replay request names the closest cassette and the first difference', async () => {
  const recorder = await startMockServer({ record: { upstream: upstream.url, cassettes: dir } });
  await call(recorder.url, '/v1/chat/completions', chat('What is the capital of France?'));
  await call(recorder.url, '/v1/chat/completions', chat('Translate this sentence into German please', { temperature: 0 }));
  await recorder.close();
  const replayer = await startMockServer({ replay: dir });
  try {
    const miss = await call(replayer.url, '/v1/chat/completions', chat('What is the capital of Spain?'));
    assert.equal(miss.status, 404);
    const body = JSON.parse(miss.text) as { error: { message: string; code: string }; closest: { file: string; similarity: number } };
    assert.equal(body.error.code, 'cassette_not_found');
    const franceFile = readdirSync(dir).find((f) => readFileSync(join(dir, f), 'utf8').includes('capital of France'));
    assert.equal(body.closest.file, franceFile);
    assert.ok(body.closest.similarity > 0.8 && body.closest.similarity < 1, String(body.closest.similarity));
    assert.match(body.error.message, new RegExp(`Closest cassette: '${franceFile}'`));
    assert.match(body.error.message, /first difference at body\.messages\[0\]\.content/);
    const otherPath = await call(replayer.url, '/v1/embeddings', { model: 'x', input: 'y' });
    assert.equal(otherPath.status, 404);
    assert.match(otherPath.text, /first difference at POST \/v1\//);
  } finally {
    await replayer.close();
  }
});
