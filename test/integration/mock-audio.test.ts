/**
 * `meridian mock` speaks speech to text (issue #18): OpenAI's /v1/audio/transcriptions (the
 * official client works against it) and whisper.cpp's /inference, with deterministic transcripts
 * from `endpoint: audio` rules, so scenarios can test voice flows with no model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { MockEngine } from '../../src/mock/engine.js';
import { fixture, form } from '../helpers/audio.js';

describe('meridian mock: audio', () => {
  let mock: MockServer;
  before(async () => {
    mock = await startMockServer({
      rules: {
        rules: [
          {
            match: { endpoint: 'audio', message: 'voice-note' },
            text: 'Hi, this is Jane Doe, reach me at jane.doe@example.com ({{model}}).',
          },
          { match: { endpoint: 'audio', message: 'broken' }, error: { status: 503, message: 'busy' } },
        ],
      },
    });
  });
  after(() => mock.close());

  it('the openai client gets the rule transcript, then the default one', async () => {
    const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const a = await client.audio.transcriptions.create({
      file: await toFile(fixture('tone-1s.wav'), 'voice-note.wav'),
      model: 'mock-whisper',
    });
    assert.equal(a.text, 'Hi, this is Jane Doe, reach me at jane.doe@example.com (mock-whisper).');
    const b = await client.audio.transcriptions.create({ file: await toFile(fixture('tone-1s.wav'), 'other.wav'), model: 'mock-whisper' });
    assert.equal(b.text, 'This is a mock transcript of other.wav.');
    await assert.rejects(
      client.audio.transcriptions.create({ file: await toFile(fixture('tone-1s.wav'), 'broken.wav'), model: 'mock-whisper' }),
      (e: { status?: number }) => e.status === 503,
    );
  });

  it("whisper.cpp's /inference answers verbose_json with the task", async () => {
    const { body, contentType } = form([
      { name: 'file', data: fixture('tone-1s.wav'), filename: 'voice-note.wav' },
      { name: 'response_format', value: 'verbose_json' },
      { name: 'translate', value: 'true' },
    ]);
    const res = await fetch(`${mock.url}/inference`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const json = (await res.json()) as { task: string; text: string };
    assert.equal(json.task, 'translate');
    assert.match(json.text, /^Hi, this is Jane Doe/);
  });

  it('the engine is deterministic: the same file name, the same transcript', () => {
    const e = new MockEngine();
    const a = e.transcribe({ model: 'm', filename: 'x.wav' });
    const b = e.transcribe({ model: 'm', filename: 'x.wav' });
    assert.deepEqual(a, b);
  });
});
