/**
 * The YAML parser loads with the first YAML text (src/util/yaml.ts): a gateway on the embedded
 * defaults never loads it, and the first config file read still parses. Checked in a fresh
 * process, where nothing else has loaded yaml.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = (p: string) => JSON.stringify(new URL(`../../src/${p}`, import.meta.url).href);

test('yaml stays unloaded on the embedded defaults and loads with the first YAML file', () => {
  const script = `
    import { createRequire } from 'node:module';
    import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const { loadConfig, parseConfig } = await import(${src('config/load.ts')});
    await import(${src('gateway/gateway.ts')});
    await import(${src('gateway/build.ts')});
    const { parseRules } = await import(${src('mock/rules.ts')});
    const require = createRequire(${src('config/load.ts')});
    const yamlLoaded = () => Object.keys(require.cache).some((k) => /[\\\\/]node_modules[\\\\/]yaml[\\\\/]/.test(k));
    parseConfig({});
    const facts = { before: yamlLoaded() };
    const dir = mkdtempSync(join(tmpdir(), 'meridian-yaml-'));
    const file = join(dir, 'meridian.yaml');
    writeFileSync(file, 'server:\\n  port: 4123\\nproviders:\\n  - id: local\\n    type: ollama\\n    baseUrl: http://127.0.0.1:11434\\n');
    const { config } = loadConfig(file, {});
    rmSync(dir, { recursive: true, force: true });
    facts.after = yamlLoaded();
    facts.port = config.server.port;
    facts.provider = config.providers[0].id;
    facts.rules = parseRules('rules:\\n  - match: { contains: hi }\\n    reply: hello\\n').rules.length;
    console.log(JSON.stringify(facts));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(out), { before: false, after: true, port: 4123, provider: 'local', rules: 1 });
});
