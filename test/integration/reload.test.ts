/** Config reload without a restart: the admin API and SIGHUP swap providers/models/policies; a bad config changes nothing. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.js';
import { startGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-reload-tests-01';
const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: "Say 'ok'" }] }),
  });
const mockModels = (model: string) => ({
  providers: [{ id: 'mock', type: 'mock', location: 'local' }],
  models: { chat: [{ provider: 'mock', model }] },
  router: { healthIntervalMs: 0 },
  log: { level: 'silent' },
});

describe('config reload', () => {
  it('swaps models through POST /admin/reload, audits it, and keeps the old config when the new one is bad', async () => {
    const fixed = await startGateway(mockModels('mock-small'), { env: { MERIDIAN_MASTER_KEY: MASTER } });
    const noSource = await fetch(`${fixed.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}` } });
    assert.equal(noSource.status, 409, 'no config source: nothing to reload');
    await fixed.close();

    let next: Record<string, unknown> = { ...mockModels('mock-large'), store: { sqlite: ':memory:' } };
    const gw = await startGateway(mockModels('mock-small'), {
      env: { MERIDIAN_MASTER_KEY: MASTER },
      configSource: () => parseConfig(next),
    });
    const admin = (path: string, method = 'POST') => fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${MASTER}` } });
    try {
      assert.match((await chat(gw.url)).headers.get('x-meridian-route') ?? '', /^mock\/mock-small;/);
      const res = await admin('/admin/reload');
      assert.equal(res.status, 200);
      const report = (await res.json()) as { changed: string[]; needsRestart: string[] };
      assert.ok(report.changed.includes('models'));
      assert.deepEqual(report.needsRestart, []);
      assert.match((await chat(gw.url)).headers.get('x-meridian-route') ?? '', /^mock\/mock-large;/);

      next = { ...mockModels('mock-small'), models: { chat: [{ provider: 'nowhere', model: 'x' }] } };
      const bad = await admin('/admin/reload');
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: { code: string; message: string } }).error.message, /nowhere/);
      assert.match((await chat(gw.url)).headers.get('x-meridian-route') ?? '', /^mock\/mock-large;/, 'the previous config stays');

      const audit = (await (await admin('/admin/audit', 'GET')).json()) as { data: Array<{ action: string; actor: string }> };
      assert.ok(audit.data.some((a) => a.action === 'config.reloaded' && a.actor === 'admin-api'));
    } finally {
      await gw.close();
    }
  });

  const work = mkdtempSync(join(tmpdir(), 'meridian-reload-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('re-reads the config file on SIGHUP', async () => {
    const file = join(work, 'meridian.yaml');
    const yaml = (model: string) =>
      `server: { port: 0 }\nstore: { sqlite: "${join(work, 'm.db')}" }\nrouter: { healthIntervalMs: 0 }\nproviders:\n  - { id: mock, type: mock, location: local }\nmodels:\n  chat: [{ provider: mock, model: ${model} }]\n`;
    writeFileSync(file, yaml('mock-small'));
    const root = fileURLToPath(new URL('../../', import.meta.url));
    // node itself, not the tsx binary: tsx's wrapper does not pass SIGHUP on to the program.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 200; i++) {
        const m = out.match(re);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${re}: ${out}`);
    };
    try {
      const [, url] = await waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
      assert.match((await chat(url!)).headers.get('x-meridian-route') ?? '', /^mock\/mock-small;/);
      writeFileSync(file, yaml('mock-large'));
      child.kill('SIGHUP');
      await waitFor(/config reloaded/);
      assert.match((await chat(url!)).headers.get('x-meridian-route') ?? '', /^mock\/mock-large;/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
