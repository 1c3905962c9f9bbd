#!/usr/bin/env node
/**
 * The package as a user installs it (issue #14): `npm pack`, install the tarball into an empty
 * folder (dependencies from the npm registry, optional ones left out), then run the installed
 * `meridian serve --demo` and check that a chat request answers, the dashboard and its scripts are
 * served, the price catalog is there, and `meridian --help` lists the verbs. Run: npm run test:pack
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'meridian-pack-'));
const step = (msg) => process.stdout.write(`pack-test: ${msg}\n`);
let child;

try {
  step('npm pack');
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote no tarball');

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', version: '1.0.0', private: true }));
  step(`npm install ${tarball} into an empty folder`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=optional', join(work, tarball)], {
    cwd: app,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pkg = join(app, 'node_modules', 'meridian');
  for (const f of ['dist/cli/main.js', 'web/index.html', 'web/app.js', 'README.md'])
    assert.ok(existsSync(join(pkg, f)), `${f} missing from the package`);
  assert.ok(readdirSync(join(pkg, 'data')).length > 0, 'data/ is empty in the package');
  const bin = join(app, 'node_modules', '.bin', 'meridian');

  const help = execFileSync(bin, ['--help'], { cwd: app, encoding: 'utf8' });
  for (const verb of ['serve', 'init', 'doctor', 'models', 'keys', 'eval'])
    assert.match(help, new RegExp(`^  ${verb}\\b`, 'm'), `--help lists ${verb}`);

  step('meridian serve --demo from the installed package');
  child = spawn(bin, ['serve', '--demo', '--port', '0', '--log-format', 'json'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const m = line.match(/"url":"(http:\/\/[^"]+)".*meridian listening/);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`meridian serve exited ${code} before listening`)));
  });
  const res = await globalThis.fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'Hello from the tarball' }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('x-meridian-route') ?? '', /^demo-local\//);
  const ui = await globalThis.fetch(`${url}/ui`);
  assert.equal(ui.status, 200);
  assert.match(await ui.text(), /<html/i);
  step('ok: installed from the tarball, served a chat request and the dashboard');
} finally {
  child?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
