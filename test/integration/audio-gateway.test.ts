/**
 * Speech to text through the gateway (issue #18): the official `openai` client's
 * `audio.transcriptions.create`, fake OpenAI and whisper-server upstreams, the privacy default
 * (local only unless `audio.allowCloud`), a local-only key, capability and fallback, the guard
 * over the transcript, per-minute cost, and bad uploads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { fixture, form, startAudioUpstream, type FakeAudioUpstream } from '../helpers/audio.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-audio-tests-00001';
const wav3 = fixture('tone-3s.wav');

describe('POST /v1/audio/transcriptions', () => {
  let gw: RunningGateway;
  let cloud: FakeAudioUpstream;
  let local: FakeAudioUpstream;
  let broken: FakeAudioUpstream;
  let key: string;
  let localOnlyKey: string;

  before(async () => {
    cloud = await startAudioUpstream('openai', 'cloud heard this');
    local = await startAudioUpstream('whisper', 'Please call Jane at jane.doe@example.com today');
    broken = await startAudioUpstream('whisper', 'never');
    broken.fail(500);
    gw = await startGateway({
      auth: { mode: 'required', masterKey: MASTER },
      router: { retries: 0, backoffBaseMs: 0 },
      guard: { enabled: true },
      providers: [
        { id: 'oai', type: 'openai', baseUrl: `${cloud.url}/v1`, apiKey: 'sk-test', location: 'cloud' },
        { id: 'whisper', type: 'whisper-cpp', baseUrl: local.url, location: 'local' },
        { id: 'whisper-broken', type: 'whisper-cpp', baseUrl: broken.url, location: 'local' },
        { id: 'mock', type: 'mock', location: 'local' },
      ],
      models: {
        transcribe: [
          { provider: 'oai', model: 'whisper-1' },
          { provider: 'whisper', model: 'ggml-base' },
        ],
        'transcribe-cloud': { audio: { allowCloud: true }, deployments: [{ provider: 'oai', model: 'whisper-1' }] },
        'cloud-only': [{ provider: 'oai', model: 'whisper-1' }],
        'with-fallback': [
          { provider: 'whisper-broken', model: 'ggml-base' },
          { provider: 'whisper', model: 'ggml-base' },
        ],
        'chat-only': [{ provider: 'mock', model: 'mock-small' }],
        short: { audio: { maxSeconds: 2 }, deployments: [{ provider: 'whisper', model: 'ggml-base' }] },
        tiny: { audio: { maxBytes: 20_000 }, deployments: [{ provider: 'whisper', model: 'ggml-base' }] },
      },
      pricing: { local: { whisper: { gpuUsdPerHour: 0.6, audioSecondsPerSecond: 10 } } },
      policies: [
        { name: 'no-audio-for-interns', when: { kind: 'audio', tags: ['intern'] }, deny: { message: 'Interns may not transcribe.' } },
        { name: 'chat-for-interns', when: { kind: 'chat', tags: ['intern'] }, require: { location: ['cloud'] } },
      ],
    });
    const mk = async (body: Record<string, unknown>): Promise<string> => {
      const res = await fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { key: string }).key;
    };
    key = await mk({ tenant: 'acme' });
    localOnlyKey = await mk({ tenant: 'clinic', dataPolicy: 'local-only' });
  });
  after(async () => {
    await gw.close();
    await Promise.all([cloud.close(), local.close(), broken.close()]);
  });

  const post = (path: string, parts: Parameters<typeof form>[0], k = key) => {
    const { body, contentType } = form(parts);
    return fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': contentType }, body });
  };
  const file = (data = wav3, filename = 'note.wav') => ({ name: 'file', data, filename });

  it('the official openai client transcribes through the gateway; audio stays local by default', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const before = cloud.received.length;
    const { data, response } = await client.audio.transcriptions
      .create({ file: await toFile(wav3, 'note.wav', { type: 'audio/wav' }), model: 'transcribe', language: 'en' })
      .withResponse();
    assert.equal(data.text, 'Please call Jane at jane.doe@example.com today', 'the client gets the real transcript');
    assert.match(response.headers.get('x-meridian-route')!, /^whisper\/ggml-base; /);
    assert.equal(cloud.received.length, before, 'the cloud deployment never heard the recording');
    // The transcript went through the guard: types and counts, never values.
    const pii = response.headers.get('x-meridian-pii')!;
    assert.match(pii, /email=1/);
    assert.ok(!pii.includes('jane.doe'));
    // Local cost model: $0.6/h at 10x real time = $0.001/min; 3 s = 0.05 min → $0.00005.
    assert.equal(Number(response.headers.get('x-meridian-cost-usd')), 0.00005);
    assert.equal(response.headers.get('x-meridian-audio-seconds'), '3');
    const sent = local.received.at(-1)!;
    assert.equal(sent.path, '/inference');
    assert.equal(sent.file?.bytes, wav3.length);
    assert.deepEqual(sent.fields.language, ['en']);
    assert.deepEqual(sent.fields.translate, ['false']);
  });

  it('the request log and metrics record kind audio, findings as counts and the cost, never the transcript', async () => {
    // The first test's request (tests in a describe run in order).
    const res = await fetch(`${gw.url}/admin/requests?alias=transcribe&status=200`, { headers: { authorization: `Bearer ${MASTER}` } });
    const { data } = (await res.json()) as { data: Array<Record<string, unknown>> };
    const entry = data.find((e) => e.deployment === 'whisper/ggml-base')!;
    assert.equal(entry.kind, 'audio');
    assert.deepEqual(entry.pii, { email: 1, person: 1 });
    assert.equal(entry.costUsd, 0.00005);
    assert.ok(!JSON.stringify(data).includes('jane.doe'), 'no transcript text in the log');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(
      metrics,
      /meridian_requests_total\{kind="audio",alias="transcribe",deployment="whisper\/ggml-base",location="local",status="200"\} \d+/,
    );
  });

  it('a cloud deployment is used only where audio.allowCloud says so, priced per minute from the catalog', async () => {
    const res = await post('/v1/audio/transcriptions', [
      file(),
      { name: 'model', value: 'transcribe-cloud' },
      { name: 'prompt', value: 'names' },
    ]);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { text: 'cloud heard this' });
    assert.match(res.headers.get('x-meridian-route')!, /^oai\/whisper-1; /);
    // whisper-1: $0.006/min × 0.05 min.
    assert.equal(Number(res.headers.get('x-meridian-cost-usd')), 0.0003);
    const sent = cloud.received.at(-1)!;
    assert.equal(sent.path, '/v1/audio/transcriptions');
    assert.equal(sent.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(sent.fields.model, ['whisper-1']);
    assert.deepEqual(sent.fields.prompt, ['names']);
    assert.deepEqual(sent.fields.response_format, ['json']);
  });

  it('an alias with only cloud deployments refuses audio by default, naming the rule', async () => {
    const before = cloud.received.length;
    const res = await post('/v1/audio/transcriptions', [file(), { name: 'model', value: 'cloud-only' }]);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'no_deployment_available');
    assert.match(body.error.message, /audio:local-only/);
    assert.equal(cloud.received.length, before);
  });

  it('a local-only key keeps audio local even on an alias that allows cloud', async () => {
    const before = cloud.received.length;
    const res = await post('/v1/audio/transcriptions', [file(), { name: 'model', value: 'transcribe-cloud' }], localOnlyKey);
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /data-policy:local-only/);
    assert.equal(cloud.received.length, before);
    const ok = await post('/v1/audio/transcriptions', [file(), { name: 'model', value: 'transcribe' }], localOnlyKey);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('x-meridian-route')!, /^whisper\//);
  });

  it('policies see kind audio and tags', async () => {
    const { body, contentType } = form([file(), { name: 'model', value: 'transcribe' }]);
    const res = await fetch(`${gw.url}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType, 'x-meridian-tags': 'intern' },
      body,
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { message: string } }).error.message, 'Interns may not transcribe.');
    assert.equal(res.headers.get('x-meridian-route'), 'none; reason=policy_denied');
  });

  it('falls back to the next local deployment when one fails', async () => {
    const res = await post('/v1/audio/transcriptions', [file(), { name: 'model', value: 'with-fallback' }]);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-meridian-route')!, /^whisper\/ggml-base; /);
    assert.ok(broken.received.length >= 1);
  });

  it('a chat-only deployment lacks capability audio', async () => {
    const res = await post('/v1/audio/transcriptions', [file(), { name: 'model', value: 'chat-only' }]);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string; param: string } };
    assert.equal(body.error.code, 'capability_unsupported');
    assert.equal(body.error.param, 'audio');
    assert.match(body.error.message, /mock\/mock-small \(no audio support\)/);
  });

  it('renders srt, vtt, text and verbose_json; translations set the task', async () => {
    const srt = await post('/v1/audio/transcriptions', [
      file(),
      { name: 'model', value: 'transcribe' },
      { name: 'response_format', value: 'srt' },
    ]);
    assert.equal(srt.status, 200);
    assert.equal(
      await srt.text(),
      '1\n00:00:00,000 --> 00:00:01,500\nPlease call\n\n2\n00:00:01,500 --> 00:00:03,000\nJane at jane.doe@example.com today\n',
    );
    const vtt = await post('/v1/audio/transcriptions', [
      file(),
      { name: 'model', value: 'transcribe' },
      { name: 'response_format', value: 'vtt' },
    ]);
    assert.match(await vtt.text(), /^WEBVTT\n\n00:00:00\.000 --> 00:00:01\.500\nPlease call\n/);
    const text = await post('/v1/audio/transcriptions', [
      file(),
      { name: 'model', value: 'transcribe' },
      { name: 'response_format', value: 'text' },
    ]);
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await text.text(), 'Please call Jane at jane.doe@example.com today\n');
    const tr = await post('/v1/audio/translations', [
      file(),
      { name: 'model', value: 'transcribe' },
      { name: 'response_format', value: 'verbose_json' },
    ]);
    const v = (await tr.json()) as { task: string; duration: number; segments: unknown[] };
    assert.equal(v.task, 'translate');
    assert.equal(v.duration, 3);
    assert.equal(v.segments.length, 2);
    assert.deepEqual(local.received.at(-1)!.fields.translate, ['true']);
  });

  it('stream=true: the official client gets transcript.text.delta events then done, passed through from a streaming upstream', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await client.audio.transcriptions.create({
      file: await toFile(wav3, 'note.wav', { type: 'audio/wav' }),
      model: 'transcribe-cloud',
      stream: true,
    });
    const events: Array<{ type: string; delta?: string; text?: string }> = [];
    for await (const ev of stream) events.push(ev as (typeof events)[number]);
    assert.deepEqual(
      events.map((e) => e.type),
      ['transcript.text.delta', 'transcript.text.delta', 'transcript.text.delta', 'transcript.text.done'],
    );
    assert.equal(
      events
        .filter((e) => e.type === 'transcript.text.delta')
        .map((e) => e.delta)
        .join(''),
      'cloud heard this',
    );
    assert.equal(events.at(-1)!.text, 'cloud heard this');
    const sent = cloud.received.at(-1)!;
    assert.deepEqual(sent.fields.stream, ['true'], 'the upstream was asked to stream');
  });

  it('stream=true on a deployment that does not stream: the whole transcript as the same events; price in a header, findings in the log', async () => {
    const res = await post('/v1/audio/transcriptions', [file(), { name: 'model', value: 'transcribe' }, { name: 'stream', value: 'true' }]);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.match(res.headers.get('x-meridian-route')!, /^whisper\/ggml-base; /);
    assert.equal(Number(res.headers.get('x-meridian-cost-usd')), 0.00005);
    const body = await res.text();
    const events = [...body.matchAll(/^event: (\S+)\ndata: (.*)$/gm)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2]!) as Record<string, string>,
    }));
    assert.equal(events.at(-1)!.event, 'transcript.text.done');
    assert.equal(events.at(-1)!.data.text, 'Please call Jane at jane.doe@example.com today');
    assert.equal(
      events
        .slice(0, -1)
        .map((e) => e.data.delta)
        .join(''),
      'Please call Jane at jane.doe@example.com today',
    );
    const requestId = res.headers.get('x-request-id')!;
    const log = await fetch(`${gw.url}/admin/requests?limit=50`, { headers: { authorization: `Bearer ${MASTER}` } });
    const entry = ((await log.json()) as { data: Array<Record<string, unknown>> }).data.find((e) => e.id === requestId)!;
    assert.deepEqual(entry.pii, { email: 1, person: 1 });
    assert.equal(entry.status, 200);
  });

  it('stream=true: a stream cut before done ends with an error event and a failed log entry; segment formats are refused', async () => {
    cloud.truncateStreams(true);
    try {
      const res = await post('/v1/audio/transcriptions', [
        file(),
        { name: 'model', value: 'transcribe-cloud' },
        { name: 'stream', value: 'true' },
      ]);
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /^event: transcript\.text\.delta\n/m);
      assert.match(body, /event: error\ndata: \{"type":"error","error":\{[^\n]*"code":"upstream_truncated"/);
      assert.doesNotMatch(body, /^event: transcript\.text\.done/m);
      const requestId = res.headers.get('x-request-id')!;
      const log = await fetch(`${gw.url}/admin/requests?limit=50`, { headers: { authorization: `Bearer ${MASTER}` } });
      const entry = ((await log.json()) as { data: Array<Record<string, unknown>> }).data.find((e) => e.id === requestId)!;
      assert.equal(entry.errorCode, 'upstream_truncated');
    } finally {
      cloud.truncateStreams(false);
    }
    const srt = await post('/v1/audio/transcriptions', [
      file(),
      { name: 'model', value: 'transcribe' },
      { name: 'stream', value: 'true' },
      { name: 'response_format', value: 'srt' },
    ]);
    assert.equal(srt.status, 400);
    assert.equal(((await srt.json()) as { error: { param: string } }).error.param, 'stream');
  });

  it('bad input: missing file, not audio, truncated, too long, too large, bad fields → 400/413 in the OpenAI shape', async () => {
    const cases: Array<[Parameters<typeof form>[0], number, string]> = [
      [[{ name: 'model', value: 'transcribe' }], 400, 'missing_file'],
      [[file(fixture('not-audio.txt'), 'x.wav'), { name: 'model', value: 'transcribe' }], 400, 'invalid_audio'],
      [[file(fixture('truncated.wav')), { name: 'model', value: 'transcribe' }], 400, 'invalid_audio'],
      [[file(), { name: 'model', value: 'tiny' }], 413, 'payload_too_large'],
      [[file(), { name: 'model', value: 'short' }], 400, 'audio_too_long'],
      [
        [file(fixture('tone-1s.wav')), { name: 'model', value: 'transcribe' }, { name: 'response_format', value: 'xml' }],
        400,
        'invalid_request',
      ],
      [[file(fixture('tone-1s.wav')), { name: 'model', value: 'transcribe' }, { name: 'temperature', value: '7' }], 400, 'invalid_request'],
      [[file(fixture('tone-1s.wav'))], 400, 'invalid_request'],
    ];
    for (const [parts, status, code] of cases) {
      const res = await post('/v1/audio/transcriptions', parts);
      const body = (await res.json()) as { error: { code: string; message: string; type: string } };
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(body.error.code, code, JSON.stringify(body));
      assert.equal(body.error.type, 'invalid_request_error');
    }
    // A JSON body is refused before anything is read.
    const json = await fetch(`${gw.url}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { error: { code: string } }).error.code, 'invalid_content_type');
    // A page elsewhere cannot post a form here: the Origin check comes before the body is read.
    const { body, contentType } = form([file(), { name: 'model', value: 'transcribe' }]);
    const csrf = await fetch(`${gw.url}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType, origin: 'https://evil.example' },
      body,
    });
    assert.equal(csrf.status, 403);
    assert.equal(((await csrf.json()) as { error: { code: string } }).error.code, 'origin_not_allowed');
  });

  it('an upload over audio.maxBytes is stopped with 413 while streaming', async () => {
    const small = await startGateway({
      audio: { maxBytes: 10_000 },
      providers: [{ id: 'whisper', type: 'whisper-cpp', baseUrl: local.url, location: 'local' }],
      models: { t: [{ provider: 'whisper', model: 'ggml-base' }] },
    });
    try {
      const { body, contentType } = form([{ name: 'model', value: 't' }, file()]);
      const res = await fetch(`${small.url}/v1/audio/transcriptions`, { method: 'POST', headers: { 'content-type': contentType }, body });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'payload_too_large');
    } finally {
      await small.close();
    }
  });
});

describe('audio and budgets', () => {
  it('a USD budget reserves the per-minute price of the file and refuses once spent', async () => {
    const cloud = await startAudioUpstream('openai', 'ok');
    const gw = await startGateway({
      budgets: [{ scope: 'alias', match: 'transcribe-cloud', period: 'day', usd: 0.0005, mode: 'hard' }],
      providers: [{ id: 'oai', type: 'openai', baseUrl: `${cloud.url}/v1`, apiKey: 'sk-test', location: 'cloud' }],
      models: { 'transcribe-cloud': { audio: { allowCloud: true }, deployments: [{ provider: 'oai', model: 'whisper-1' }] } },
    });
    try {
      const send = () => {
        const { body, contentType } = form([
          { name: 'file', data: wav3, filename: 'a.wav' },
          { name: 'model', value: 'transcribe-cloud' },
        ]);
        return fetch(`${gw.url}/v1/audio/transcriptions`, { method: 'POST', headers: { 'content-type': contentType }, body });
      };
      const first = await send();
      assert.equal(first.status, 200);
      assert.equal(Number(first.headers.get('x-meridian-cost-usd')), 0.0003);
      // $0.0003 spent + $0.0003 reserved > $0.0005: refused before the upload goes anywhere.
      const second = await send();
      assert.equal(second.status, 429, await second.clone().text());
      assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'budget_exceeded');
      assert.equal(cloud.received.length, 1);
    } finally {
      await gw.close();
      await cloud.close();
    }
  });
});
