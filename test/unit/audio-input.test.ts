/** The audio form parser, the header probe and the subtitle renderers (issue #18). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTranscriptionForm, probeAudio } from '../../src/gateway/audio-input.js';
import { renderTranscription, stamp } from '../../src/gateway/audio-render.js';
import { audioPolicy } from '../../src/gateway/audio.js';
import { parseConfig } from '../../src/config/load.js';
import type { TranscriptionRequest } from '../../src/providers/spec.js';
import { fixture } from '../helpers/audio.js';

const wav = fixture('tone-1s.wav');
const formOf = (fields: Record<string, string[]>, file = true) => ({
  fields: new Map(Object.entries(fields)),
  ...(file ? { file: { field: 'file', data: wav, filename: 'a"b\r\n.wav', contentType: 'audio/wav' } } : {}),
});

test('fields → request: defaults, repeated granularities, sanitized file name', () => {
  const r = parseTranscriptionForm(
    formOf({ model: ['t'], 'timestamp_granularities[]': ['word', 'segment', 'word'], temperature: ['0.2'] }),
    'transcriptions',
  );
  assert.equal(r.responseFormat, 'json');
  assert.equal(r.temperature, 0.2);
  assert.deepEqual(r.timestampGranularities, ['word', 'segment']);
  assert.equal(r.file.filename, 'a_b__.wav');
});

test('bad fields name the field and never echo a value', () => {
  const bad: Array<[Record<string, string[]>, string]> = [
    [{}, 'model'],
    [{ model: ['t', 'u'] }, 'model'],
    [{ model: ['t'], language: ['jane.doe@example.com'] }, 'language'],
    [{ model: ['t'], temperature: [''] }, 'temperature'],
    [{ model: ['t'], 'timestamp_granularities[]': ['char'] }, 'timestamp_granularities[]'],
  ];
  for (const [fields, param] of bad) {
    assert.throws(
      () => parseTranscriptionForm(formOf(fields), 'transcriptions'),
      (e: { param?: string; message: string }) => e.param === param && !e.message.includes('jane.doe'),
      param,
    );
  }
  assert.throws(
    () => parseTranscriptionForm(formOf({ model: ['t'], 'jane.doe@example.com': ['x'] }), 'transcriptions'),
    (e: { message: string; param: string | null }) => e.param === null && !e.message.includes('jane'),
  );
  assert.throws(() => parseTranscriptionForm(formOf({ model: ['t'] }, false), 'transcriptions'), { code: 'missing_file' });
});

test('the probe reads the duration from the header; not audio and truncated files are refused', async () => {
  assert.deepEqual(await probeAudio({ data: fixture('tone-3s.wav'), contentType: 'application/octet-stream' }), {
    container: 'WAVE',
    seconds: 3,
  });
  await assert.rejects(probeAudio({ data: fixture('truncated.wav'), contentType: 'audio/wav' }), { code: 'invalid_audio' });
  await assert.rejects(probeAudio({ data: fixture('not-audio.txt'), contentType: 'audio/wav' }), { code: 'invalid_audio' });
  await assert.rejects(probeAudio({ data: wav.subarray(0, 30), contentType: 'audio/wav' }), { code: 'invalid_audio' });
});

test('timestamps and formats as OpenAI renders them', () => {
  assert.equal(stamp(3725.0456, ','), '01:02:05,046');
  assert.equal(stamp(0, '.'), '00:00:00.000');
  const req = { task: 'transcriptions', responseFormat: 'vtt' } as TranscriptionRequest;
  assert.equal(renderTranscription({ text: ' hello ' }, req, 2.5).body.toString(), 'WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nhello\n');
  const verbose = renderTranscription({ text: 'hi' }, { ...req, task: 'translations', responseFormat: 'verbose_json' }, 2);
  assert.deepEqual(JSON.parse(verbose.body.toString()), {
    task: 'translate',
    language: 'unknown',
    duration: 2,
    text: 'hi',
    segments: [{ id: 0, start: 0, end: 2, text: 'hi' }],
  });
});

test('audio policy: the alias overrides the global block, maxBytes only downwards', () => {
  const config = parseConfig(
    {
      audio: { maxBytes: 1000 },
      providers: [{ id: 'm', type: 'mock', location: 'local' }],
      models: {
        a: { audio: { allowCloud: true, maxBytes: 5000, maxSeconds: 5 }, deployments: [{ provider: 'm', model: 'mock-whisper' }] },
        b: [{ provider: 'm', model: 'mock-whisper' }],
      },
    },
    {},
  );
  assert.deepEqual(audioPolicy(config, 'a'), { allowCloud: true, maxBytes: 1000, maxSeconds: 5 });
  assert.deepEqual(audioPolicy(config, 'b'), { allowCloud: false, maxBytes: 1000, maxSeconds: 3600 });
  assert.deepEqual(audioPolicy(config, '__proto__'), { allowCloud: false, maxBytes: 1000, maxSeconds: 3600 });
});
