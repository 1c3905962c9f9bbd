/**
 * Issue #14, first run: `meridian init` writes a commented config from what it finds (a fake Ollama
 * listing a chat and an embedding model, a cloud key in the environment) that the gateway loads and
 * serves; `meridian doctor` reports each problem with what to fix (model missing, engine down, key
 * refused, clock skew, port taken) over real sockets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runDoctor, type Check } from '../../src/cli/doctor.js';
import { runInit } from '../../src/cli/init.js';
import { loadConfig } from '../../src/config/load.js';
import { closedPort } from '../helpers/routing.js';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';

const work = mkdtempSync(join(tmpdir(), 'meridian-init-'));
const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

let ollama: FakeUpstream;
let refusing: FakeUpstream;
let skewed: FakeUpstream;
before(async () => {
  ollama = await startUpstream((req, res) => {
    if (req.url === '/api/tags') return sendJson(res, 200, { models: [{ name: 'llama3.2:3b' }, { name: 'nomic-embed-text:latest' }] });
    sendJson(res, 200, {});
  });
  refusing = await startUpstream((_req, res) => sendJson(res, 401, { error: { message: 'Incorrect API key provided' } }));
  // An engine whose clock is an hour ahead of this machine's.
  skewed = await startUpstream((req, res) => {
    const headers = { date: new Date(Date.now() + 3_600_000).toUTCString() };
    if (req.url === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: 'm1', object: 'model' }] }, headers);
    sendJson(res, 404, { error: { message: 'not here' } }, headers);
  });
});
after(async () => {
  await Promise.all([ollama.close(), refusing.close(), skewed.close()]);
  rmSync(work, { recursive: true, force: true });
});

describe('meridian init', () => {
  it('writes a commented config from the engines and keys it finds, which the gateway loads', async () => {
    const file = join(work, 'meridian.yaml');
    await runInit(
      { output: file, yes: true, detect: false, ollama: ollama.url, port: '4100' },
      { OPENAI_API_KEY: 'sk-test-init-secret-000000' },
      sink(),
    );
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# meridian\.yaml, written by `meridian init`/);
    assert.doesNotMatch(text, /sk-test-init-secret/, 'the key itself is never written');
    const raw = parse(text) as Record<string, any>;
    assert.deepEqual(
      raw.providers.map((p: { id: string; location: string }) => [p.id, p.location]),
      [
        ['ollama', 'local'],
        ['openai', 'cloud'],
      ],
    );
    assert.equal(raw.providers[1].apiKey, '${OPENAI_API_KEY}');
    assert.deepEqual(raw.models['chat-default'], [
      { provider: 'ollama', model: 'llama3.2:3b' },
      { provider: 'openai', model: 'gpt-4o-mini' },
    ]);
    assert.deepEqual(raw.models['embed-default'], [
      { provider: 'ollama', model: 'nomic-embed-text:latest', capabilities: { embeddings: true } },
    ]);
    assert.ok(
      raw.models['llama3.2-3b'] ?? raw.models['llama3.2:3b'] ?? Object.keys(raw.models).some((k: string) => k.startsWith('llama3.2')),
    );
    assert.equal(raw.guard.defaultAction, 'pseudonymize');
    assert.equal(raw.server.port, 4100);
    const { config } = loadConfig(file, { OPENAI_API_KEY: 'sk-x' });
    assert.equal(config.providers.find((p) => p.id === 'openai')?.apiKey, 'sk-x');

    await assert.rejects(runInit({ output: file, yes: true, detect: false }, {}, sink()), /exists; pass --force/);
    await runInit({ output: file, yes: true, detect: false, force: true, privacy: 'local-only' }, {}, sink());
    const bare = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    assert.deepEqual(bare.providers, []);
    assert.equal(bare.guard.defaultAction, 'local-only');
    assert.match(readFileSync(file, 'utf8'), /meridian serve --demo/);
  });

  it('rejects a bad --privacy or --port with the flag named', async () => {
    await assert.rejects(runInit({ output: join(work, 'x.yaml'), yes: true, detect: false, privacy: 'maybe' }, {}, sink()), /--privacy/);
    await assert.rejects(runInit({ output: join(work, 'x.yaml'), yes: true, detect: false, port: '99999' }, {}, sink()), /--port/);
  });
});

describe('meridian doctor', () => {
  const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name)!;

  it('says which model is missing, which engine is down, which key is refused, and that the clock is off', async () => {
    const down = await closedPort();
    const file = join(work, 'doctor.yaml');
    writeFileSync(
      file,
      [
        `store: { sqlite: ${JSON.stringify(join(work, 'doctor.db'))} }`,
        'providers:',
        `  - { id: ollama, type: ollama, baseUrl: "${ollama.url}", location: local }`,
        `  - { id: gone, type: openai-compatible, baseUrl: "http://127.0.0.1:${down}/v1", location: local }`,
        `  - { id: cloud, type: openai, baseUrl: "${refusing.url}/v1", apiKey: sk-wrong-000000000000, location: cloud }`,
        `  - { id: skewed, type: openai-compatible, baseUrl: "${skewed.url}/v1", location: local }`,
        'models:',
        '  chat: [{ provider: ollama, model: "llama3.2:3b" }, { provider: ollama, model: "qwen2.5:7b" }]',
        '  other: [{ provider: gone, model: m }, { provider: cloud, model: gpt-4o }, { provider: skewed, model: m1 }]',
      ].join('\n'),
    );
    const checks = await runDoctor({ config: file, port: false, timeoutMs: 2000 });
    assert.equal(byName(checks, 'config').status, 'ok');
    assert.equal(byName(checks, 'store').status, 'ok');
    const o = byName(checks, 'provider ollama');
    assert.equal(o.status, 'fail');
    assert.match(o.detail, /not listed: qwen2\.5:7b/);
    assert.match(o.fix!, /ollama pull qwen2\.5:7b/);
    const gone = byName(checks, 'provider gone');
    assert.equal(gone.status, 'fail');
    assert.match(gone.detail, /not reachable/);
    const cloud = byName(checks, 'provider cloud');
    assert.equal(cloud.status, 'fail');
    assert.match(cloud.detail, /refused the credentials \(401\)/);
    assert.doesNotMatch(JSON.stringify(checks), /sk-wrong/);
    assert.equal(byName(checks, 'provider skewed').status, 'ok');
    const clock = byName(checks, 'clock');
    assert.equal(clock.status, 'fail');
    assert.match(clock.detail, /behind a provider/);
  });

  it('fails on an invalid config and on a taken port', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'providers: [{ id: x, type: nonsense }]\n');
    const checks = await runDoctor({ config: bad });
    assert.equal(checks.length, 1);
    assert.equal(checks[0]!.status, 'fail');

    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const file = join(work, 'port.yaml');
    writeFileSync(file, `server: { port: ${port} }\nstore: { sqlite: ${JSON.stringify(join(work, 'port.db'))} }\n`);
    try {
      const c = byName(await runDoctor({ config: file }), 'port');
      assert.equal(c.status, 'fail');
      assert.match(c.detail, /EADDRINUSE/);
    } finally {
      srv.close();
    }
  });
});
