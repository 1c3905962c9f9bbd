/**
 * Issue #14, model lifecycle: `meridian models list|ps|pull|rm|show|warm` against a fake Ollama
 * over real sockets (its wire format from https://github.com/ollama/ollama/blob/main/docs/api.md):
 * warm vs cold with the aliases using each model, memory of loaded models, a pull whose NDJSON
 * progress is printed as it streams, a failed pull, delete, details, and `warm: true` at start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerModelCommands, warmConfigured } from '../../src/cli/models.js';
import { loadConfig } from '../../src/config/load.js';
import { Catalog } from '../../src/gateway/catalog.js';
import { sendJson, sendNdjson, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';

const work = mkdtempSync(join(tmpdir(), 'meridian-models-'));
let ollama: FakeUpstream;
const seen: RecordedRequest[] = [];

before(async () => {
  ollama = await startUpstream(async (req, res) => {
    seen.push(req);
    if (req.url === '/api/tags') {
      return sendJson(res, 200, {
        models: [
          { name: 'llama3.2:3b', size: 2_019_393_189, modified_at: '2026-11-01T10:00:00Z' },
          { name: 'qwen2.5:7b', size: 4_683_087_332 },
        ],
      });
    }
    if (req.url === '/api/ps') {
      return sendJson(res, 200, {
        models: [
          { name: 'llama3.2:3b', model: 'llama3.2:3b', size: 3_400_000_000, size_vram: 3_000_000_000, expires_at: '2026-12-02T02:00:00Z' },
        ],
      });
    }
    if (req.url === '/api/pull') {
      const model = (req.json as { model: string }).model;
      if (model === 'broken')
        return sendNdjson(res, [{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }]);
      return sendNdjson(res, [
        { status: 'pulling manifest' },
        { status: 'pulling 6a0746a1ec1a', digest: 'sha256:6a0746a1ec1a', total: 1000, completed: 0 },
        { status: 'pulling 6a0746a1ec1a', digest: 'sha256:6a0746a1ec1a', total: 1000, completed: 500 },
        { status: 'pulling 6a0746a1ec1a', digest: 'sha256:6a0746a1ec1a', total: 1000, completed: 1000 },
        { status: 'verifying sha256 digest' },
        { status: 'writing manifest' },
        { status: 'success' },
      ]);
    }
    if (req.url === '/api/delete' && req.method === 'DELETE') return sendJson(res, 200, {});
    if (req.url === '/api/show') {
      return sendJson(res, 200, {
        details: { family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
        model_info: { 'general.architecture': 'llama', 'llama.context_length': 131072 },
        capabilities: ['completion', 'tools'],
      });
    }
    if (req.url === '/api/generate')
      return sendJson(res, 200, { model: (req.json as { model: string }).model, response: '', done: true, done_reason: 'load' });
    sendJson(res, 404, { error: 'not found' });
  });
  writeFileSync(
    join(work, 'meridian.yaml'),
    [
      'providers:',
      `  - { id: ollama, type: ollama, baseUrl: "${ollama.url}", location: local }`,
      '  - { id: openai, type: openai, apiKey: sk-test-000000000000, location: cloud }',
      'models:',
      '  chat: [{ provider: ollama, model: "llama3.2:3b", warm: true }, { provider: openai, model: gpt-4o-mini }]',
      '  big: [{ provider: ollama, model: "qwen2.5:7b" }]',
    ].join('\n'),
  );
});
after(async () => {
  await ollama.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `meridian --config … models ARGS` in-process and returns what it printed. */
async function models(...args: string[]): Promise<string> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  const program = new Command().exitOverride().option('-c, --config <file>');
  registerModelCommands(program, {}, out);
  await program.parseAsync(['node', 'meridian', '--config', join(work, 'meridian.yaml'), 'models', ...args]);
  return text;
}

describe('meridian models', () => {
  it('list: installed models, warm or cold, sizes, and the aliases that use them; cloud providers left out', async () => {
    const text = await models('list');
    assert.match(text, /^ollama \(ollama, http:\/\/127\.0\.0\.1:\d+\)$/m);
    assert.match(text, /● llama3\.2:3b\s+2\.0 GB\s+warm\s+aliases: chat/);
    assert.match(text, /○ qwen2\.5:7b\s+4\.7 GB\s+cold\s+aliases: big/);
    assert.doesNotMatch(text, /openai/);
  });

  it('ps: loaded models with memory and when they unload', async () => {
    const text = await models('ps');
    assert.match(text, /llama3\.2:3b\s+3\.4 GB \(3\.0 GB in VRAM\)\s+until 2026-12-02T02:00:00Z/);
  });

  it('pull: progress printed as the engine streams it, then done; a failed pull says why', async () => {
    const text = await models('pull', 'ollama/mistral:7b');
    const lines = text.trim().split('\n');
    assert.deepEqual(lines, [
      'pulling manifest',
      'pulling 6a0746a1ec1a 0% (0 B / 1.0 KB)',
      'pulling 6a0746a1ec1a 50% (500 B / 1.0 KB)',
      'pulling 6a0746a1ec1a 100% (1.0 KB / 1.0 KB)',
      'verifying sha256 digest',
      'writing manifest',
      'success',
    ]);
    assert.deepEqual(seen.find((r) => r.url === '/api/pull')?.json, { model: 'mistral:7b', stream: true });
    await assert.rejects(models('pull', 'ollama/broken'), /could not pull 'broken': pull model manifest: file does not exist/);
  });

  it('rm, show and warm talk to the engine; a model name alone finds its engine', async () => {
    assert.match(await models('rm', 'qwen2.5:7b'), /deleted ollama\/qwen2\.5:7b/);
    const del = seen.find((r) => r.url === '/api/delete');
    assert.equal(del?.method, 'DELETE');
    assert.deepEqual(del?.json, { model: 'qwen2.5:7b' });
    const shown = JSON.parse(await models('show', 'ollama/llama3.2:3b')) as Record<string, unknown>;
    assert.equal(shown.contextLength, 131072);
    assert.equal(shown.quantization, 'Q4_K_M');
    assert.match(await models('warm', 'ollama/llama3.2:3b', '--keep-alive', '-1'), /warm: ollama\/llama3\.2:3b/);
    assert.deepEqual(seen.filter((r) => r.url === '/api/generate').at(-1)?.json, { model: 'llama3.2:3b', keep_alive: '-1' });
    await assert.rejects(models('pull', 'openai/gpt-4o'), /cannot pull models/);
  });

  it('warm: true deployments are loaded at start', async () => {
    const before = seen.filter((r) => r.url === '/api/generate').length;
    const results: Array<[string, unknown]> = [];
    await warmConfigured(new Catalog(loadConfig(join(work, 'meridian.yaml'), {}).config), (id, err) => results.push([id, err]));
    assert.deepEqual(results, [['ollama/llama3.2:3b', undefined]]);
    const warmed = seen.filter((r) => r.url === '/api/generate').slice(before);
    assert.deepEqual(
      warmed.map((r) => r.json),
      [{ model: 'llama3.2:3b', keep_alive: '30m' }],
    );
  });
});
