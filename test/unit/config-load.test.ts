/**
 * Config loading (issue #10, item 17): every missing `${VAR}` in one error, commands that need
 * one section do not need the others' secrets, strict objects, the `server` limits, and the
 * master key's minimum length.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { checkMasterKey } from '../../src/config/master-key.js';
import { ConfigError } from '../../src/errors.js';

const work = mkdtempSync(join(tmpdir(), 'meridian-config-'));
after(() => rmSync(work, { recursive: true, force: true }));

const withSecrets = {
  providers: [
    { id: 'openai', type: 'openai', apiKey: '${OPENAI_API_KEY}' },
    { id: 'anthropic', type: 'anthropic', apiKey: '${ANTHROPIC_API_KEY}', baseUrl: '${ANTHROPIC_URL:-https://api.anthropic.com}' },
  ],
  store: { sqlite: '${DB_PATH:-:memory:}' },
};

describe('config loading', () => {
  it('reports every missing environment variable in one error, with the paths', () => {
    assert.throws(
      () => parseConfig(withSecrets, {}),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /OPENAI_API_KEY, ANTHROPIC_API_KEY/);
        assert.match(err.message, /providers\[0\]\.apiKey/);
        assert.match(err.message, /providers\[1\]\.apiKey/);
        assert.doesNotMatch(err.message, /ANTHROPIC_URL|DB_PATH/, 'variables with a default are optional');
        return true;
      },
    );
  });

  it('loads only the sections a command needs, without the other sections’ secrets', () => {
    const file = join(work, 'secrets.yaml');
    writeFileSync(file, JSON.stringify(withSecrets));
    assert.throws(() => loadConfig(file, {}), /OPENAI_API_KEY/);
    const { config } = loadConfig(file, { DB_PATH: '/tmp/x.db' }, { only: ['store'] });
    assert.equal(config.store.sqlite, '/tmp/x.db');
    assert.deepEqual(config.providers, []);
    assert.throws(() => loadConfig(file, {}, { only: ['providers'] }), /OPENAI_API_KEY/);
  });

  it('rejects unknown keys in every section it owns', () => {
    for (const [raw, path] of [
      [{ server: { prot: 1 } }, 'server'],
      [{ server: { cors: { origin: ['http://a'] } } }, 'server.cors'],
      [{ auth: { mode: 'none', masterkey: 'x' } }, 'auth'],
      [{ log: { levle: 'info' } }, 'log'],
      [{ providers: [{ id: 'a', type: 'openai', price: 1 }] }, 'providers[0]'],
      [{ models: { a: { deployments: [{ provider: 'x', model: 'y' }], stratgy: 'x' } } }, 'models.a'],
      [{ models: { a: [{ provider: 'x', model: 'y', price: { input: 1, output: 1, extra: 1 } }] } }, 'models.a'],
      [{ router: { breaker: { threshold: 1 } } }, 'router.breaker'],
      [{ policies: [{ name: 'p', prefer: 'local', when: { model: 'x' } }] }, 'policies[0].when'],
      [{ unknownSection: {} }, '(root)'],
    ] as const) {
      assert.throws(
        () => parseConfig(raw, {}),
        (err: Error) => err.message.includes(path),
        JSON.stringify(raw),
      );
    }
  });

  it('validates the server limits and browser settings', () => {
    const s = parseConfig({}, {}).server;
    assert.deepEqual(
      [s.headersTimeoutMs, s.requestTimeoutMs, s.keepAliveTimeoutMs, s.maxConnections, s.allowedHosts, s.cors.origins],
      [30_000, 120_000, 65_000, 512, [], []],
    );
    assert.throws(
      () => parseConfig({ server: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }, {}),
      /headersTimeoutMs must not exceed/,
    );
    assert.throws(() => parseConfig({ server: { maxConnections: 0 } }, {}), /server\.maxConnections/);
    assert.throws(() => parseConfig({ server: { allowedHosts: ['gw.internal:4000'] } }, {}), /no port/);
    assert.throws(() => parseConfig({ server: { cors: { origins: ['http://app.example/path'] } } }, {}), /no path/);
    assert.doesNotThrow(() =>
      parseConfig({ server: { allowedHosts: ['gw.internal', '[::1]'], cors: { origins: ['https://a.b:8443'] } } }, {}),
    );
  });

  it('requires a master key of at least 16 characters, without echoing it', () => {
    assert.equal(checkMasterKey(undefined, 'MERIDIAN_MASTER_KEY'), undefined);
    assert.equal(checkMasterKey('0123456789abcdef', 'MERIDIAN_MASTER_KEY'), '0123456789abcdef');
    assert.throws(
      () => checkMasterKey('hunter2', 'MERIDIAN_MASTER_KEY'),
      (err: Error) =>
        err instanceof ConfigError && /MERIDIAN_MASTER_KEY.*at least 16/.test(err.message) && !err.message.includes('hunter2'),
    );
  });
});
