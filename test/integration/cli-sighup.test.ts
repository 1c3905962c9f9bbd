/**
 * `meridian serve` survives SIGHUP with an invalid config file (issue #10, item 15): the error is
 * logged once as a message (no stack trace), the process keeps serving the previous config, and
 * a later valid file is picked up by the next SIGHUP.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watch } from '../helpers/cluster-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'meridian-sighup-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const yaml = (model: string) =>
  `server: { port: 0 }\nstore: { sqlite: "${join(work, 'm.db')}" }\nrouter: { healthIntervalMs: 0 }\nproviders:\n  - { id: mock, type: mock, location: local }\nmodels:\n  chat: [{ provider: mock, model: ${model} }]\n`;
const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: "Say 'ok'" }] }),
  });

describe('meridian serve: SIGHUP with a bad config', { timeout: 30_000 }, () => {
  it('logs the error and keeps serving the previous config', async () => {
    const file = join(work, 'meridian.yaml');
    writeFileSync(file, yaml('mock-small'));
    // node itself, not the tsx binary: tsx's wrapper does not pass SIGHUP on to the program.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const out = watch(child);
    const [, url] = await out.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);

    for (const bad of ['providers: [ { id: mock', 'providers:\n  - { id: "bad id!", type: mock }\n', 'nonsense: true\n']) {
      writeFileSync(file, bad);
      const from = out.output().length;
      child.kill('SIGHUP');
      const [line] = await out.waitFor(/.*config reload failed.*/, from);
      assert.match(line!, /"err":"[^"]*(YAML|Invalid|nonsense)/);
      assert.doesNotMatch(out.output().slice(from), /\n\s+at /, 'no stack trace');
      assert.equal(child.exitCode, null, 'still running');
      const res = await chat(url!);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('x-meridian-route') ?? '', /^mock\/mock-small;/, 'the old config is in effect');
    }

    writeFileSync(file, yaml('mock-large'));
    const from = out.output().length;
    child.kill('SIGHUP');
    await out.waitFor(/config reloaded/, from);
    assert.match((await chat(url!)).headers.get('x-meridian-route') ?? '', /^mock\/mock-large;/);

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
});
