/**
 * The CLI as users run it (issue #10, item 17): every usage error prints a message and exits 2;
 * `keys`/`logs` work without the providers' secrets; missing variables are listed together; a
 * short MERIDIAN_MASTER_KEY stops `serve` with a clear message.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const work = mkdtempSync(join(tmpdir(), 'meridian-cli-usage-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const base = { ...process.env };
  for (const k of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'MERIDIAN_MASTER_KEY']) delete base[k];
  const child = spawn(tsx, ['src/cli/main.ts', ...args], { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const config = join(work, 'meridian.yaml');
writeFileSync(
  config,
  [
    'server: { port: 0 }',
    `store: { sqlite: ${JSON.stringify(join(work, 'cli.db'))} }`,
    'providers:',
    '  - { id: openai, type: openai, apiKey: "${OPENAI_API_KEY}" }',
    '  - { id: anthropic, type: anthropic, apiKey: "${ANTHROPIC_API_KEY}" }',
    'models:',
    '  chat: [{ provider: openai, model: gpt-4o-mini }]',
    '',
  ].join('\n'),
);

describe('CLI usage errors and config loading', { timeout: 180_000 }, () => {
  it('prints a message for every usage error and exits 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['test', 'examples/scenarios', '--reporter', 'xml'], /unknown reporter\(s\): xml/],
      [['test', 'examples/scenarios', '--timeout', 'soon'], /positive whole number/],
      [['mock', '--record', 'http://127.0.0.1:9'], /--record needs --cassettes/],
      [['keys', 'create'], /--tenant/],
      [['logs', '--status', 'abc'], /HTTP status/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['serve', '--port', 'abc'], /--port must be a port number/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    });
  });

  it('lists every verb in help; `serve` alone registers only its own (src/cli/program.ts)', async () => {
    const [help, serveHelp, serveUnknown] = await Promise.all([run(['--help']), run(['serve', '--help']), run(['serve', '--nope'])]);
    assert.equal(help.code, 0, help.stderr);
    for (const verb of [
      'serve',
      'init',
      'doctor',
      'models',
      'keys',
      'prompts',
      'rag',
      'logs',
      'mock',
      'test',
      'eval',
      'experiments',
      'cost',
      'bench',
    ]) {
      assert.match(help.stdout, new RegExp(`^  ${verb}\\b`, 'm'), verb);
    }
    assert.equal(serveHelp.code, 0, serveHelp.stderr);
    assert.match(serveHelp.stdout, /Usage: meridian serve/);
    assert.match(serveHelp.stdout, /--workers <n>/);
    assert.equal(serveUnknown.code, 2);
    assert.match(serveUnknown.stderr, /unknown option '--nope'/);
  });

  it('runs keys and logs without the providers’ secrets in the environment', async () => {
    const [created, listed, logs] = [
      await run(['keys', 'create', '--tenant', 'acme', '--config', config]),
      await run(['keys', 'list', '--config', config]),
      await run(['logs', '--config', config]),
    ];
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /mk-/);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /acme/);
    assert.equal(logs.code, 0, logs.stderr);
  });

  it('lists every missing variable at once when serving, and refuses a short master key', async () => {
    const missing = await run(['serve', '--config', config]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /OPENAI_API_KEY, ANTHROPIC_API_KEY/);
    const short = await run(['serve', '--config', config], {
      OPENAI_API_KEY: 'sk-x',
      ANTHROPIC_API_KEY: 'sk-y',
      MERIDIAN_MASTER_KEY: 'tooshort',
    });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /MERIDIAN_MASTER_KEY: the master key has 8 characters; use at least 16/);
    assert.doesNotMatch(short.stderr + short.stdout, /tooshort/);
  });
});
