/**
 * Seeded fuzz of POST /v1/audio/transcriptions and /translations (issue #18): 1,000 hostile
 * multipart uploads — corrupted boundaries, bodies cut short, files that are not audio or are
 * truncated, hostile field names and values, duplicate and oversized fields, wrong content
 * types, hostile headers. No 5xx, every error in the OpenAI envelope without client values,
 * some uploads succeed, and the event loop is never blocked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { fixture, form, startAudioUpstream, type FakeAudioUpstream, type Part } from '../helpers/audio.js';
import { fuzzSeed } from '../helpers/fuzz-gateway.js';
import {
  PII_SENTINEL,
  assertLoopNeverBlocked,
  chance,
  checkResponse,
  hostileHeaders,
  hostileString,
  int,
  pick,
  rng,
  watchEventLoop,
  type Rand,
} from '../helpers/fuzz.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const SEED = fuzzSeed(0xa0d1);
const CASES = 1000;
const KEY_HEADER = { authorization: 'Bearer mk-fuzz-audio-key-000000000001' };
const wav = fixture('tone-1s.wav');
// Not `cloud-only`: a plan with nothing eligible is a 503 by design (tested in audio-gateway.test.ts).
const MODELS = ['transcribe', 'mock-voice', 'mock/mock-whisper', 'whisper/ggml-base', 'nope', ''];
const FORMATS = ['json', 'text', 'srt', 'vtt', 'verbose_json', 'xml', ''];

interface Case {
  generator: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

function audioBytes(r: Rand): Buffer {
  return pick(r, [
    () => wav,
    () => wav,
    () => wav.subarray(0, int(r, wav.length)),
    () => Buffer.from(hostileString(r)),
    () => Buffer.alloc(0),
    () => Buffer.from(Array.from({ length: 1 + int(r, 2000) }, () => int(r, 256))),
    () => Buffer.concat([wav.subarray(0, 44), Buffer.from(PII_SENTINEL)]),
  ])();
}

function validParts(r: Rand): Part[] {
  const parts: Part[] = [
    { name: 'file', data: audioBytes(r), filename: pick(r, ['note.wav', 'a', `${PII_SENTINEL}.wav`, 'é😀.mp3', '"quote".wav']) },
    { name: 'model', value: pick(r, MODELS) },
  ];
  if (chance(r, 0.5)) parts.push({ name: 'response_format', value: pick(r, FORMATS) });
  if (chance(r, 0.3)) parts.push({ name: 'language', value: pick(r, ['en', 'de', 'x', PII_SENTINEL, '']) });
  if (chance(r, 0.3)) parts.push({ name: 'prompt', value: hostileString(r).slice(0, 2000) });
  if (chance(r, 0.3)) parts.push({ name: 'temperature', value: pick(r, ['0', '0.5', '1', '2', '-1', 'NaN', '1e999', '']) });
  if (chance(r, 0.2)) parts.push({ name: 'timestamp_granularities[]', value: pick(r, ['word', 'segment', 'char', PII_SENTINEL]) });
  return parts;
}

function makeCase(r: Rand): Case {
  const path = pick(r, ['/v1/audio/transcriptions', '/v1/audio/transcriptions', '/v1/audio/translations']);
  let parts = validParts(r);
  let generator = 'valid';
  const mutation = int(r, 10);
  if (mutation === 1) {
    generator = 'drop-part';
    parts.splice(int(r, parts.length), 1);
  } else if (mutation === 2) {
    generator = 'hostile-field';
    parts.push({
      name: pick(r, [
        'model',
        'file',
        hostileString(r)
          .slice(0, 100)
          .replace(/["\r\n]/g, ''),
        '__proto__',
      ]),
      value: hostileString(r),
    });
  } else if (mutation === 3) {
    generator = 'many-fields';
    for (let i = 0; i < 60; i++) parts.push({ name: `f${i}`, value: 'x' });
  } else if (mutation === 4) {
    generator = 'big-field';
    parts.push({ name: 'prompt', value: 'p'.repeat(70_000) });
  } else if (mutation === 5) {
    generator = 'two-files';
    parts = [...parts, { name: 'file', data: wav, filename: 'b.wav' }];
  }
  const encoded = form(parts);
  let body = encoded.body;
  let contentType = encoded.contentType;
  if (mutation === 6) {
    generator = 'cut-body';
    body = body.subarray(0, int(r, body.length));
  } else if (mutation === 7) {
    generator = 'content-type';
    contentType = pick(r, [
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary=other',
      'application/json',
      'text/plain',
      '',
    ]);
  } else if (mutation === 8) {
    generator = 'garbage-body';
    body = Buffer.from(hostileString(r));
  }
  const headers: Record<string, string> = { ...KEY_HEADER, ...(contentType ? { 'content-type': contentType } : {}) };
  if (mutation === 9) {
    generator = 'hostile-headers';
    Object.assign(headers, hostileHeaders(r), chance(r, 0.5) ? KEY_HEADER : {});
    if (contentType && chance(r, 0.7)) headers['content-type'] = contentType;
  }
  return { generator, path, headers, body };
}

describe('fuzz POST /v1/audio/*', () => {
  let gw: RunningGateway;
  let whisper: FakeAudioUpstream;
  before(async () => {
    whisper = await startAudioUpstream('whisper', `transcript with ${PII_SENTINEL}`);
    gw = await startGateway({
      auth: { mode: 'required', masterKey: 'master-key-for-fuzz-audio-00001' },
      guard: { enabled: true },
      providers: [
        { id: 'whisper', type: 'whisper-cpp', baseUrl: whisper.url, location: 'local' },
        { id: 'mock', type: 'mock', location: 'local' },
        { id: 'oai', type: 'openai', baseUrl: `${whisper.url}/v1`, apiKey: 'sk-x', location: 'cloud' },
      ],
      models: {
        transcribe: [{ provider: 'whisper', model: 'ggml-base' }],
        'mock-voice': [{ provider: 'mock', model: 'mock-whisper' }],
        'cloud-only': [{ provider: 'oai', model: 'whisper-1' }],
      },
    });
    const res = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer master-key-for-fuzz-audio-00001' },
      body: JSON.stringify({ tenant: 'fuzz' }),
    });
    KEY_HEADER.authorization = `Bearer ${((await res.json()) as { key: string }).key}`;
  });
  after(async () => {
    await gw.close();
    await whisper.close();
  });

  it(`answers ${CASES} hostile uploads without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const cases = Array.from({ length: CASES }, () => makeCase(r));
    const pool = new Pool(gw.url, { connections: 8, pipelining: 1 });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const report = await watchEventLoop(async () => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < cases.length) {
            const c = cases[next++]!;
            let res;
            try {
              const u = await pool.request({ method: 'POST', path: c.path, headers: c.headers, body: c.body });
              res = { status: u.statusCode, contentType: String(u.headers['content-type'] ?? ''), body: await u.body.text() };
            } catch (err) {
              res = { status: 599, contentType: '', body: `transport error: ${(err as Error).message}` };
            }
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const why = checkResponse(res, 'openai');
            if (why) failures.push(`${c.generator}: ${why} — ${res.status} ${res.body.slice(0, 200)}`);
          }
        }),
      );
    });
    await pool.close();
    const summary = `statuses ${JSON.stringify(Object.fromEntries(statuses))}\n${failures.slice(0, 10).join('\n')}`;
    assert.equal(failures.length, 0, summary);
    assert.ok((statuses.get(200) ?? 0) > 20, `some uploads must succeed: ${summary}`);
    assertLoopNeverBlocked(report);
  });
});
