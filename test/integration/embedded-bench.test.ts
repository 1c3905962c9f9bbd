/**
 * `meridian bench` measures an embedded deployment like any engine: the real CLI in a child
 * process, with a YAML config naming a `type: embedded` provider over a tiny GGUF written at test
 * time. Every level answers without errors, TTFT and tokens/s come from the engine's own usage
 * (not estimated), the results are saved, and the CLI exits by itself (the engine process must
 * not keep it alive).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { BenchRun } from '../../src/meter/bench-results.js';
import { writeTinyLlamaGguf } from '../helpers/gguf-writer.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');

test('meridian bench <embedded provider>/<model> measures TTFT and tokens/s and exits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-embedded-bench-'));
  const model = writeTinyLlamaGguf(join(dir, 'tiny.gguf'), { seed: 7 });
  const config = join(dir, 'meridian.yaml');
  writeFileSync(
    config,
    [
      'providers:',
      '  - id: emb',
      '    type: embedded',
      '    location: local',
      `    options: { model: ${JSON.stringify(model)}, threads: 1, parallel: 2 }`,
      '',
    ].join('\n'),
  );
  const child = spawn(
    tsx,
    [
      'src/cli/main.ts',
      'bench',
      'emb/tiny',
      '--config',
      config,
      '--concurrency',
      '1,2',
      '--duration',
      '1.5s',
      '--max-tokens',
      '24',
      '--bench-dir',
      join(dir, 'out'),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /emb\/tiny \(embedded, in-process\)/);

  const files = readdirSync(join(dir, 'out'));
  assert.equal(files.length, 1);
  const run = JSON.parse(readFileSync(join(dir, 'out', files[0]!), 'utf8')) as BenchRun;
  assert.equal(run.providerType, 'embedded');
  assert.deepEqual(
    run.levels.map((l) => l.concurrency),
    [1, 2],
  );
  for (const level of run.levels) {
    assert.equal(level.errors, 0, level.errorSamples.join('; '));
    assert.ok(level.requests >= 1);
    assert.equal(level.tokensEstimated, false, 'usage comes from the engine');
    assert.ok(level.outputTokens >= 24 * level.requests * 0.5, `output tokens ${level.outputTokens}`);
    assert.ok(level.totalTokensPerSecond > 0);
    assert.ok(level.ttftMs.p50 > 0);
  }
  // The first level pays for loading the model; once warm, the second answers many requests.
  assert.ok(run.levels[1]!.requests > run.levels[0]!.requests, JSON.stringify(run.levels.map((l) => l.requests)));
});
