/**
 * The real CLI as a user runs it, in child processes: `meridian mock --port 0` (its URL is read
 * from the line it prints), `meridian test … --env mock --reporter junit --out DIR` (exit code and
 * JUnit file), and `meridian serve` with a small YAML config (a chat request works; SIGTERM lets
 * the in-flight request finish, then exits 0).
 *
 * The children run through the `tsx` binary (what `npx tsx src/cli/main.ts` resolves to) rather
 * than `npx` itself: npm does not forward SIGTERM to the script and exits 143 while leaving it
 * running, which would hide the CLI's own exit code.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const main = 'src/cli/main.ts';
const work = mkdtempSync(join(tmpdir(), 'meridian-cli-e2e-'));
const children: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(tsx, [main, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => {
    if (process.env.DEBUG && err) process.stderr.write(err);
  });
  return { child, stdout: () => out, exited };
}

/** Waits until stdout has a line matching `re`; returns the match. */
async function waitFor(s: Started, re: RegExp, timeoutMs = 8000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = s.stdout().match(re);
    if (m) return m;
    if (s.child.exitCode !== null) throw new Error(`process exited (${s.child.exitCode}) before printing ${re}: ${s.stdout()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; stdout: ${s.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string }> {
  const s = startCli(args, env);
  const code = await s.exited;
  return { code, stdout: s.stdout() };
}

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('meridian mock + meridian test (CLI)', () => {
  it('runs the example suite against the mock: exit 0 and a JUnit file; a failing scenario exits non-zero', async () => {
    const mock = startCli(['mock', '--port', '0', '--rules', 'examples/scenarios/mock.rules.yaml']);
    const [, mockUrl] = await waitFor(mock, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    assert.ok(mockUrl);

    const passDir = join(work, 'pass');
    const pass = await runCli(['test', 'examples/scenarios', '--env', 'mock', '--reporter', 'junit', '--out', passDir], {
      MOCK_URL: mockUrl,
    });
    assert.equal(pass.code, 0);
    const junit = readFileSync(join(passDir, 'junit.xml'), 'utf8');
    assert.match(junit, /^<\?xml/);
    assert.match(junit, /<testsuite[^>]*name="Chat completion smoke test/);
    assert.match(junit, /<testcase[^>]*name="Basic completion"/);
    assert.doesNotMatch(junit, /<failure|<error/);

    const failing = join(work, 'failing.json');
    writeFileSync(
      failing,
      JSON.stringify({
        scenario: 'Deliberately failing',
        environments: { mock: { base_url: '{{env.MOCK_URL}}', model_name: 'mock-small' } },
        steps: [
          {
            name: 'Wrong expectation',
            url: '{{base_url}}/v1/chat/completions',
            body: { model: '{{model_name}}', messages: [{ role: 'user', content: "Say 'test passed' and nothing else" }] },
            assertions: [
              { field: 'status', operator: 'equals', value: 200 },
              { field: 'response.choices[0].message.content', operator: 'contains', value: 'this is not the answer' },
            ],
          },
        ],
      }),
    );
    const failDir = join(work, 'fail');
    const fail = await runCli(
      ['test', failing, 'examples/scenarios/smoke.json', '--env', 'mock', '--reporter', 'junit,json', '--out', failDir],
      { MOCK_URL: mockUrl },
    );
    assert.notEqual(fail.code, 0);
    assert.equal(fail.code, 1);
    const failJunit = readFileSync(join(failDir, 'junit.xml'), 'utf8');
    assert.match(failJunit, /<testcase[^>]*name="Wrong expectation"[^>]*>\s*<failure/);
    const json = JSON.parse(readFileSync(join(failDir, 'report.json'), 'utf8')) as {
      ok: boolean;
      totals: { passed: number; failed: number };
    };
    assert.equal(json.ok, false);
    assert.deepEqual([json.totals.passed, json.totals.failed], [1, 1]);

    mock.child.kill('SIGTERM');
    assert.equal(await mock.exited, 0);
  });

  it('exits non-zero when the mock is not there (connection refused)', async () => {
    const dir = join(work, 'down');
    const r = await runCli(['test', 'examples/scenarios/smoke.json', '--env', 'mock', '--reporter', 'junit', '--out', dir], {
      MOCK_URL: 'http://127.0.0.1:9',
    });
    assert.equal(r.code, 1);
    assert.ok(existsSync(join(dir, 'junit.xml')));
  });
});

describe('meridian serve (CLI)', () => {
  it('serves a chat request from a YAML config, then drains on SIGTERM and exits 0', async () => {
    const config = join(work, 'meridian.yaml');
    writeFileSync(
      config,
      [
        'server: { port: 0 }',
        'log: { level: info }',
        `store: { sqlite: ${JSON.stringify(join(work, 'serve.db'))} }`,
        'router: { healthIntervalMs: 0 }',
        'providers:',
        '  - id: mock',
        '    type: mock',
        '    location: local',
        '    options:',
        '      rulesInline:',
        '        rules:',
        '          - { name: slow, match: { message: slow }, text: "slow answer", latency_ms: 1200 }',
        'models:',
        '  chat: [{ provider: mock, model: mock-small }]',
        '',
      ].join('\n'),
    );
    const serve = startCli(['serve', '--config', config]);
    const [, url] = await waitFor(serve, /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"meridian listening"/);
    const chat = (content: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
      });

    const res = await chat("Say 'served by the CLI' and nothing else");
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-meridian-route') ?? '', /^mock\/mock-small;/);
    assert.equal(
      ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
      'served by the CLI',
    );

    // An in-flight request when SIGTERM arrives still gets its answer.
    const inFlight = chat('slow please');
    await new Promise((r) => setTimeout(r, 400));
    serve.child.kill('SIGTERM');
    const slow = await inFlight;
    assert.equal(slow.status, 200);
    assert.equal(((await slow.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content, 'slow answer');
    assert.equal(await serve.exited, 0);
    assert.match(serve.stdout(), /"msg":"draining"/);
    assert.match(serve.stdout(), /"msg":"stopped"/);
    await assert.rejects(fetch(`${url}/healthz`), 'the port is closed after exit');
  });
});
