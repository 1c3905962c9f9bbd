/**
 * Issue #14, first run: `meridian serve --demo` answers with no engine and no key (mock "local" and
 * "cloud" deployments, starter policy, guard on), in a child process as a user runs it; logs are
 * readable with `--log-format pretty`; a gateway with no provider says how to try the demo.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../helpers/gateway.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'meridian-demo-'));
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Starts the CLI and resolves with the first stdout line matching `re` (read as lines arrive). */
async function startUntil(args: string[], re: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray; lines: string[] }> {
  const child = spawn(tsx, [main, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`exited ${code} before printing ${re}; stdout: ${lines.join('\n')}`);
  });
  const matched = (async () => {
    for await (const line of rl) {
      lines.push(line);
      const m = line.match(re);
      if (m) return m;
    }
    throw new Error(`stdout ended before ${re}`);
  })();
  const match = await Promise.race([matched, exited]);
  return { child, match, lines };
}

async function stop(child: ChildProcess): Promise<void> {
  const done = once(child, 'exit');
  child.kill('SIGTERM');
  await done;
}

const chat = (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('meridian serve --demo', () => {
  it('answers locally and in the "cloud", pseudonymizes personal data, blocks secrets, embeds', async () => {
    const { child, match } = await startUntil(
      ['serve', '--demo', '--port', '0', '--log-format', 'json'],
      /"url":"(http:\/\/[^"]+)".*meridian listening/,
    );
    const url = match[1]!;
    try {
      const local = await chat(url, { model: 'chat-default', messages: [{ role: 'user', content: 'Hello' }] });
      assert.equal(local.status, 200);
      assert.match(local.headers.get('x-meridian-route') ?? '', /^demo-local\/llama-demo;/);

      const cloud = await chat(url, { model: 'smart', messages: [{ role: 'user', content: 'Email jane.doe@example.com about Friday' }] });
      assert.equal(cloud.status, 200);
      assert.match(cloud.headers.get('x-meridian-route') ?? '', /^demo-cloud\/gpt-demo;/);
      assert.equal(cloud.headers.get('x-meridian-pii'), 'email=1');
      assert.ok(Number(cloud.headers.get('x-meridian-cost-usd')) > 0);
      // Restored for the client: the mock echoed the placeholder, the answer has the address again.
      assert.match(
        ((await cloud.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
        /jane\.doe@example\.com/,
      );

      const confidential = await chat(
        url,
        { model: 'smart', messages: [{ role: 'user', content: 'Summarise the board minutes' }] },
        { 'x-meridian-tags': 'confidential' },
      );
      assert.match(confidential.headers.get('x-meridian-route') ?? '', /^demo-local\//);

      const secret = await chat(url, {
        model: 'smart',
        messages: [{ role: 'user', content: 'my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789' }],
      });
      assert.equal(secret.status, 403);

      const embed = await fetch(`${url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'embed-default', input: 'hi' }),
      });
      assert.equal(embed.status, 200);
    } finally {
      await stop(child);
    }
    // Its own store file, next to where it ran.
    assert.ok(existsSync(join(work, '.meridian', 'demo.db')));
  });

  it('--log-format pretty prints readable lines, not JSON', async () => {
    const { child, lines } = await startUntil(['serve', '--demo', '--port', '0', '--log-format', 'pretty'], /meridian listening/);
    await stop(child);
    const line = lines.find((l) => l.includes('meridian listening'))!;
    assert.doesNotMatch(line, /^\{/);
    assert.match(line, /INFO/);
  });

  it('rejects --demo with --config, and an unknown --log-format', async () => {
    for (const args of [
      ['serve', '--demo', '--config', 'x.yaml'],
      ['serve', '--log-format', 'xml'],
    ]) {
      const child = spawn(tsx, [main, ...args], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      const [code] = await once(child, 'exit');
      assert.equal(code, 2, err);
      assert.match(err, /--demo|--log-format/);
    }
  });
});

describe('a gateway with no provider', () => {
  it('answers 503 naming `meridian serve --demo`', async () => {
    const gw = await startGateway({});
    try {
      const res = await chat(gw.url, { model: 'anything', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /meridian serve --demo/);
    } finally {
      await gw.close();
    }
  });
});
