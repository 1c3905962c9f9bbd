/** `meridian keys …` and `meridian logs` over a real SQLite store in a temp dir. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { registerKeyCommands, registerLogCommands, type OpenStore } from '../../src/store/cli.js';
import { parseBudgetUsd, parseTimeArg } from '../../src/store/cli-parse.js';
import { createStore, generateKey, hashKey } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
const dbPath = join(dir, 'm.db');
after(() => rmSync(dir, { recursive: true, force: true }));

const configsSeen: (string | undefined)[] = [];
const openStore: OpenStore = async ({ config }) => {
  configsSeen.push(config);
  return createStore({ sqlite: dbPath, retentionDays: 30 });
};

async function run(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerKeyCommands(program, openStore, { out: (t) => lines.push(t) });
  registerLogCommands(program, openStore, { out: (t) => lines.push(t) });
  await program.parseAsync(args, { from: 'user' });
  return lines.join('\n');
}

test('generateKey/hashKey: mk- + 32 base62 chars, sha256 hex', () => {
  const keys = new Set(Array.from({ length: 200 }, generateKey));
  assert.equal(keys.size, 200);
  for (const k of keys) assert.match(k, /^mk-[0-9A-Za-z]{32}$/);
  assert.equal(hashKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('keys create prints the key once and stores only its hash; list, rotate, revoke; all audited', async () => {
  const out = await run(
    'keys',
    'create',
    '--tenant',
    'acme',
    '--models',
    'chat-default',
    '--rpm',
    '60',
    '--tpm',
    '100000',
    '--budget-usd',
    '5/day',
    '--data-policy',
    'local-only',
    '--config',
    'x.yaml',
  );
  assert.equal(configsSeen.at(-1), 'x.yaml', '--config reaches openStore');
  const key = /mk-[0-9A-Za-z]{32}/.exec(out)?.[0];
  assert.ok(key, out);

  const store = await createStore({ sqlite: dbPath, retentionDays: 30 });
  const rec = await store.keys.findByHash(hashKey(key));
  await store.close();
  assert.deepEqual(
    { tenant: rec?.tenant, models: rec?.models, rpm: rec?.rpm, tpm: rec?.tpm, budget: rec?.budget, dataPolicy: rec?.dataPolicy },
    {
      tenant: 'acme',
      models: ['chat-default'],
      rpm: 60,
      tpm: 100000,
      budget: { usd: 5, period: 'day', mode: 'hard' },
      dataPolicy: 'local-only',
    },
  );

  const list = await run('keys', 'list');
  assert.match(list, new RegExp(`${rec!.id}\\s+${key.slice(0, 8)}…\\s+acme\\s+chat-default\\s+60\\s+100000\\s+\\$5/day\\s+local-only`));
  assert.ok(!list.includes(key) && !list.includes(rec!.hash), 'list never shows the key or its hash');

  const rotated = JSON.parse(await run('keys', 'rotate', rec!.id, '--json')) as {
    key: string;
    id: string;
    replaces: string;
    hash?: string;
  };
  assert.equal(rotated.replaces, rec!.id);
  assert.notEqual(rotated.key, key);
  assert.equal(rotated.hash, undefined);

  const listed = JSON.parse(await run('keys', 'list', '--json')) as { id: string; revokedAt: string | null }[];
  assert.ok(listed.find((k) => k.id === rec!.id)?.revokedAt);
  assert.equal(listed.find((k) => k.id === rotated.id)?.revokedAt, null);
  assert.deepEqual(
    (JSON.parse(await run('keys', 'list', '--json', '--active')) as { id: string }[]).map((k) => k.id),
    [rotated.id],
  );

  assert.equal(await run('keys', 'revoke', rotated.id), `Revoked ${rotated.id}.`);
  assert.equal(await run('keys', 'revoke', rotated.id), `${rotated.id} was already revoked.`);
  await assert.rejects(run('keys', 'revoke', 'key_nope'), /No API key with id 'key_nope'/);
  await assert.rejects(run('keys', 'rotate', rotated.id), /revoked/);

  const check = await createStore({ sqlite: dbPath, retentionDays: 30 });
  const actions = (await check.audit.list()).map((a) => a.action);
  await check.close();
  assert.deepEqual(actions, ['key.revoked', 'key.rotated', 'key.created', 'key.created']);
});

test('keys create rejects bad option values with the option named', async () => {
  await assert.rejects(run('keys', 'create', '--tenant', 'a', '--rpm', '-3'), /--rpm/);
  await assert.rejects(run('keys', 'create', '--tenant', 'a', '--budget-usd', 'lots'), /--budget-usd/);
  await assert.rejects(run('keys', 'create', '--tenant', 'a', '--data-policy', 'eu'), /--data-policy/);
});

test('logs filters and prints newest first (table and --json)', async () => {
  const store = await createStore({ sqlite: dbPath, retentionDays: 30 });
  const now = Date.now();
  const base = { kind: 'chat' as const, attempts: [], stream: false, latencyMs: 40 };
  store.requestLog.append({
    ...base,
    id: 'r-old',
    time: new Date(now - 3 * 3_600_000).toISOString(),
    tenant: 'acme',
    alias: 'chat-default',
    status: 200,
  });
  store.requestLog.append({
    ...base,
    id: 'r-1',
    time: new Date(now - 60_000).toISOString(),
    tenant: 'acme',
    alias: 'chat-default',
    status: 429,
    location: 'cloud',
  });
  store.requestLog.append({
    ...base,
    id: 'r-2',
    time: new Date(now - 30_000).toISOString(),
    tenant: 'acme',
    alias: 'fast',
    status: 200,
    costUsd: 0.0012,
    promptTokens: 10,
    completionTokens: 5,
  });
  store.requestLog.append({ ...base, id: 'r-3', time: new Date(now - 10_000).toISOString(), tenant: 'globex', alias: 'fast', status: 200 });
  await store.close();

  const ids = async (...args: string[]): Promise<string[]> =>
    (JSON.parse(await run('logs', '--json', ...args)) as { id: string }[]).map((e) => e.id);
  assert.deepEqual(await ids('--since', '1h'), ['r-3', 'r-2', 'r-1']);
  assert.deepEqual(await ids('--tenant', 'acme'), ['r-2', 'r-1', 'r-old']);
  assert.deepEqual(await ids('--alias', 'fast', '--tenant', 'acme'), ['r-2']);
  assert.deepEqual(await ids('--status', '429'), ['r-1']);
  assert.deepEqual(await ids('--limit', '2'), ['r-3', 'r-2']);
  const table = await run('logs', '--tenant', 'acme', '--alias', 'fast');
  assert.match(table, /^TIME\s+STATUS\s+TENANT/);
  assert.match(table, /200\s+acme\s+fast\s+-\s+-\s+40ms\s+10\+5\s+\$0\.001200/);
  assert.equal(await run('logs', '--tenant', 'nobody'), 'No requests match.');
});

test('option parsers', () => {
  assert.deepEqual(parseBudgetUsd('5/day'), { usd: 5, period: 'day' });
  assert.deepEqual(parseBudgetUsd('12.5/month'), { usd: 12.5, period: 'month' });
  assert.deepEqual(parseBudgetUsd('3'), { usd: 3, period: 'day' });
  const now = Date.parse('2025-01-01T12:00:00Z');
  assert.equal(parseTimeArg('1h', now), '2025-01-01T11:00:00.000Z');
  assert.equal(parseTimeArg('7d', now), '2024-12-25T12:00:00.000Z');
  assert.equal(parseTimeArg('2025-01-01T00:00:00Z', now), '2025-01-01T00:00:00.000Z');
  assert.throws(() => parseTimeArg('yesterday', now), /duration/);
});
