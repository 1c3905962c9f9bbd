/**
 * `meridian keys create|list|rotate|revoke` and `meridian logs`, run as a user runs them (a child
 * process with `--config FILE`), against both stores: an embedded SQLite file and PostgreSQL +
 * Redis (fresh schema). The keys they make are the ones the store authenticates, and every
 * action is in the audit log.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createStore } from '../../src/store/index.js';
import { hashKey } from '../../src/store/keys.js';
import { makePostgresHarness, REDIS_URL } from './store-harness.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'src/cli/main.ts');

function meridian(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      { cwd: repoRoot, env: { ...process.env, USER: 'cli-tester' } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await meridian(args);
  assert.equal(r.code, 0, `meridian ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

interface KeyJson {
  key?: string;
  id: string;
  tenant: string;
  rpm?: number;
  budget?: { usd?: number; period: string };
  revokedAt: string | null;
  hash?: string;
}

async function exerciseCli(configFile: string): Promise<void> {
  const c = ['--config', configFile];
  const created = JSON.parse(
    await ok(['keys', 'create', '--tenant', 'acme', '--models', 'chat', '--rpm', '60', '--budget-usd', '5/day', '--json', ...c]),
  ) as KeyJson;
  assert.match(created.key!, /^mk-[0-9A-Za-z]{32}$/);
  assert.equal(created.tenant, 'acme');
  assert.equal(created.rpm, 60);
  assert.deepEqual(created.budget, { usd: 5, period: 'day', mode: 'hard' });
  assert.equal(created.hash, undefined);

  // The global --config form (before the verb) works the same.
  const listed = JSON.parse(await ok([...c, 'keys', 'list', '--json'])) as KeyJson[];
  assert.deepEqual(
    listed.map((k) => k.id),
    [created.id],
  );
  assert.ok(
    listed.every((k) => k.hash === undefined && k.key === undefined),
    'list never shows a key or its hash',
  );
  assert.match(await ok(['keys', 'list', ...c]), new RegExp(`${created.id}.*acme.*active`));

  const rotated = JSON.parse(await ok(['keys', 'rotate', created.id, '--json', ...c])) as KeyJson & { replaces: string };
  assert.equal(rotated.replaces, created.id);
  assert.notEqual(rotated.key, created.key);
  assert.equal(rotated.rpm, 60);

  const afterRotate = JSON.parse(await ok(['keys', 'list', '--json', ...c])) as KeyJson[];
  assert.ok(afterRotate.find((k) => k.id === created.id)?.revokedAt, 'the old key is revoked');
  assert.equal(afterRotate.find((k) => k.id === rotated.id)?.revokedAt, null);

  // What the CLI made is what the store authenticates, by hash.
  const store = await createStore(loadConfig(configFile).config.store);
  try {
    assert.equal((await store.keys.findByHash(hashKey(rotated.key!)))?.id, rotated.id);
    assert.ok((await store.keys.findByHash(hashKey(created.key!)))?.revokedAt);
    store.requestLog.append({
      id: `cli-${Date.now()}-1`,
      time: new Date().toISOString(),
      tenant: 'acme',
      keyId: rotated.id,
      kind: 'chat',
      alias: 'chat',
      attempts: [],
      status: 200,
      stream: false,
      latencyMs: 12,
    });
    store.requestLog.append({
      id: `cli-${Date.now()}-2`,
      time: new Date().toISOString(),
      tenant: 'acme',
      keyId: rotated.id,
      kind: 'chat',
      alias: 'chat',
      attempts: [],
      status: 429,
      stream: false,
      latencyMs: 1,
      errorCode: 'rate_limit_exceeded',
    });
    store.requestLog.append({
      id: `cli-${Date.now()}-3`,
      time: new Date().toISOString(),
      tenant: 'other',
      kind: 'chat',
      alias: 'chat',
      attempts: [],
      status: 200,
      stream: false,
      latencyMs: 3,
    });
  } finally {
    await store.close();
  }

  assert.match(await ok(['keys', 'revoke', rotated.id, ...c]), new RegExp(`Revoked ${rotated.id}`));
  assert.match(await ok(['keys', 'revoke', rotated.id, ...c]), /already revoked/);
  assert.equal(await ok(['keys', 'list', '--active', ...c]), 'No keys. Create one with: meridian keys create --tenant <name>\n');
  const unknown = await meridian(['keys', 'revoke', 'key_nope', ...c]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /No API key with id 'key_nope'/);

  const acme = JSON.parse(await ok(['logs', '--since', '1h', '--tenant', 'acme', '--json', ...c])) as Array<{
    status: number;
    tenant: string;
  }>;
  assert.deepEqual(acme.map((e) => e.status).sort(), [200, 429]);
  const limited = JSON.parse(await ok(['logs', '--status', '429', '--json', ...c])) as Array<{ errorCode: string }>;
  assert.deepEqual(
    limited.map((e) => e.errorCode),
    ['rate_limit_exceeded'],
  );
  const table = await ok(['logs', '--tenant', 'other', ...c]);
  assert.match(table, /^TIME\s+STATUS\s+TENANT/);
  assert.match(table, /200\s+other\s+chat/);

  // Every key action is audited, by the CLI user, never with the key itself.
  const audit = await createStore(loadConfig(configFile).config.store);
  try {
    const entries = await audit.audit.list(50);
    assert.deepEqual(entries.map((e) => e.action).sort(), ['key.created', 'key.created', 'key.revoked', 'key.rotated']);
    assert.ok(entries.every((e) => e.actor === 'cli:cli-tester'));
    assert.ok(!JSON.stringify(entries).includes(created.key!) && !JSON.stringify(entries).includes(rotated.key!));
  } finally {
    await audit.close();
  }
}

describe('meridian keys / logs CLI', () => {
  it('works against the embedded SQLite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
    try {
      const configFile = join(dir, 'meridian.yaml');
      writeFileSync(configFile, `store:\n  sqlite: ${join(dir, 'meridian.db')}\n`);
      await exerciseCli(configFile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works against PostgreSQL + Redis', async () => {
    const harness = await makePostgresHarness();
    const dir = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
    try {
      const configFile = join(dir, 'meridian.yaml');
      writeFileSync(
        configFile,
        `store:\n  postgres: "${harness.postgresUrl}"\n  redis: ${REDIS_URL}\n  redisPrefix: "${harness.redisPrefix}"\n`,
      );
      await exerciseCli(configFile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await harness.destroy();
    }
  });
});
