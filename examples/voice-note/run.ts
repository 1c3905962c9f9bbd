/**
 * The voice-note recipe of docs/audio.md, end to end against the mock:
 *   1. POST the recording to /v1/audio/transcriptions (alias `transcribe`: local only).
 *   2. The gateway's guard reports what the transcript holds (x-meridian-pii: types, counts).
 *   3. POST the transcript to /v1/chat/completions (alias `draft`: a cloud model). The guard
 *      pseudonymizes it on the way out and restores the placeholders in the answer.
 *
 *   npx tsx examples/voice-note/run.ts [recording.wav]    (default: test/fixtures/audio/tone-1s.wav,
 *   sent as "voice-note.wav" so the mock rule matches)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import OpenAI, { toFile } from 'openai';
import { loadConfig } from '../../src/config/load.js';
import { buildServices } from '../../src/gateway/build.js';
import { createGateway } from '../../src/gateway/gateway.js';

const here = new URL('.', import.meta.url);
const recording = readFileSync(process.argv[2] ?? new URL('../../test/fixtures/audio/tone-1s.wav', here));

const { config } = loadConfig(fileURLToPath(new URL('meridian.yaml', here)), {});
const logger = pino({ level: 'warn' });
const built = await buildServices(config, logger, { env: {} });
const gateway = createGateway(config, { logger, routes: built.routes, overrides: built.overrides });
const url = await gateway.listen(0, '127.0.0.1');
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'not-needed' });

try {
  const { data: note, response } = await client.audio.transcriptions
    .create({ file: await toFile(recording, 'voice-note.wav', { type: 'audio/wav' }), model: 'transcribe' })
    .withResponse();
  console.log('1. transcript       :', note.text);
  console.log('   ran on           :', response.headers.get('x-meridian-route'));
  console.log('   guard found      :', response.headers.get('x-meridian-pii') ?? 'nothing');
  console.log('   cost             : $' + response.headers.get('x-meridian-cost-usd'));

  const { data: draft, response: r2 } = await client.chat.completions
    .create({ model: 'draft', messages: [{ role: 'user', content: `Draft a reply to this voice note: ${note.text}` }] })
    .withResponse();
  // The mock echoes what it received; the gateway put the real values back into its answer.
  console.log('2. cloud draft      :', draft.choices[0]?.message.content);
  console.log('   ran on           :', r2.headers.get('x-meridian-route'));
  console.log('   guard found      :', r2.headers.get('x-meridian-pii') ?? 'nothing');
} finally {
  await gateway.close(1000);
}
