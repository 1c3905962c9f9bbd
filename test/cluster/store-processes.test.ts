/**
 * Two OS processes, each with its own store over the same PostgreSQL schema and Redis: both run
 * migrations at once, a per-key limit of 50 under 100 concurrent calls admits exactly 50 in
 * total, and every log entry either appended before close is in PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { makePostgresHarness, REDIS_URL } from './store-harness.js';

const worker = fileURLToPath(new URL('./fixtures/store-worker.ts', import.meta.url));

function runWorker(args: string[]): Promise<{ allowed: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim()) as { allowed: number }) : reject(new Error(`worker exited ${code}: ${err}`)),
    );
  });
}

test('two processes: migrations once, rpm 50 under 100 concurrent calls admits exactly 50, no log entry lost', async () => {
  const harness = await makePostgresHarness();
  try {
    const key = `rpm:${randomBytes(4).toString('hex')}`;
    const tenant = `proc-${randomBytes(4).toString('hex')}`;
    // Both start on an empty schema; the common start time lines up their 50 calls each.
    const startAt = String(Date.now() + 4_000);
    const args = [harness.postgresUrl, REDIS_URL, harness.redisPrefix, key, '50', '50', startAt, tenant, '3000'];
    const [a, b] = await Promise.all([runWorker(args), runWorker(args)]);
    assert.equal(a.allowed + b.allowed, 50, `admitted ${a.allowed} + ${b.allowed}`);

    const store = await harness.open();
    try {
      const expected = harness.migrationVersions;
      assert.deepEqual(await harness.appliedMigrations(store), expected, 'each migration recorded once');
      assert.equal(await store.counters.get(key), 50);
      assert.equal((await store.requestLog.query({ tenant, limit: 10_000 })).length, 6_000);
    } finally {
      await store.close();
    }
  } finally {
    await harness.destroy();
  }
});
