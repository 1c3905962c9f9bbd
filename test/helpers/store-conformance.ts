/**
 * One conformance suite for every Store backend: the embedded one runs it in
 * test/unit/store.test.ts, PostgreSQL + Redis in test/cluster/store.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { InvalidRequestError } from '../../src/errors.js';
import { createApiKey, hashKey, rotateApiKey, revokeApiKey } from '../../src/store/keys.js';
import type { StoreOptions } from '../../src/store/options.js';
import type { ApiKeyRecord, RequestLogEntry, Store } from '../../src/store/types.js';

export interface StoreHarness {
  /** A new, initialized store over the same backing data (same file, same schema, same Redis namespace). */
  open(opts?: { retentionDays?: number; options?: StoreOptions }): Promise<Store>;
  /** Migration versions the backend has recorded. */
  appliedMigrations(store: Store): Promise<number[]>;
  /** Migration versions the code ships, in order (numbers may skip: features on other branches hold some). */
  migrationVersions: number[];
  /** True when two opened stores share counters (Redis); false for in-process counters. */
  sharedCounters: boolean;
  /** Makes the database itself refuse request-log rows with this alias (a trigger / CHECK constraint). */
  refuseAlias(store: Store, alias: string): Promise<void>;
  /** Rows of the dead-letter table, oldest first. */
  deadLetters(store: Store): Promise<{ entryId: string | null; entry: string; error: string }[]>;
  /** Removes the backing data (file / schema / Redis keys). */
  destroy(): Promise<void>;
}

const tag = (): string => randomUUID().slice(0, 8);

function logEntry(over: Partial<RequestLogEntry> & { tenant: string }): RequestLogEntry {
  return {
    id: `req_${randomUUID()}`,
    time: new Date().toISOString(),
    kind: 'chat',
    alias: 'chat-default',
    attempts: [],
    status: 200,
    stream: false,
    latencyMs: 12,
    ...over,
  };
}

export function storeConformance(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    const opened: Store[] = [];
    const open = async (opts?: Parameters<StoreHarness['open']>[0]): Promise<Store> => {
      const s = await harness.open(opts);
      opened.push(s);
      return s;
    };

    after(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await harness?.destroy();
    });

    it('migrations: two instances starting at once on an empty database apply each migration once', async () => {
      harness = await makeHarness();
      const [a, b] = await Promise.all([open(), open()]);
      store = a;
      assert.deepEqual(await harness.appliedMigrations(a), harness.migrationVersions);
      await b.init(); // again: a no-op
      const c = await open();
      assert.deepEqual(await harness.appliedMigrations(c), harness.migrationVersions);
      await c.close();
    });

    it('keys: create, findByHash, list, count, revoke', async () => {
      const before = await store.keys.count();
      const rec: ApiKeyRecord = {
        id: `key_${tag()}`,
        hash: hashKey(`mk-${randomUUID()}`),
        prefix: 'mk-abcde',
        tenant: `acme-${tag()}`,
        name: 'ci',
        models: ['chat-default', 'embed'],
        rpm: 60,
        tpm: 100_000,
        budget: { usd: 5, period: 'day', mode: 'hard' },
        dataPolicy: 'local-only',
        createdAt: new Date().toISOString(),
        revokedAt: null,
      };
      await store.keys.create(rec);
      assert.deepEqual(await store.keys.findByHash(rec.hash), rec);
      assert.equal(await store.keys.findByHash(hashKey('mk-unknown')), undefined);
      assert.deepEqual(
        (await store.keys.list()).find((k) => k.id === rec.id),
        rec,
      );
      assert.equal(await store.keys.count(), before + 1);
      await assert.rejects(store.keys.create({ ...rec, id: `key_${tag()}` }), 'a second key with the same hash is refused');

      const minimal: ApiKeyRecord = {
        id: `key_${tag()}`,
        hash: hashKey(randomUUID()),
        prefix: 'mk-zzzzz',
        tenant: 't',
        models: [],
        createdAt: new Date().toISOString(),
        revokedAt: null,
      };
      await store.keys.create(minimal);
      assert.deepEqual(await store.keys.findByHash(minimal.hash), minimal);

      assert.equal(await store.keys.revoke(rec.id), true);
      assert.equal(await store.keys.revoke(rec.id), false, 'already revoked');
      assert.equal(await store.keys.revoke('key_nope'), false);
      const revoked = await store.keys.findByHash(rec.hash);
      assert.ok(revoked?.revokedAt && Date.parse(revoked.revokedAt) > 0, 'revokedAt is set');
      assert.equal(await store.keys.count(), before + 2, 'revoked keys still count (auth stays on)');
    });

    it('keys: update replaces the settings of one key', async () => {
      const created = await createApiKey(store, { tenant: `upd-${tag()}`, rpm: 5 }, 'test');
      const changed: ApiKeyRecord = {
        ...created.record,
        name: 'renamed',
        rpm: 50,
        budget: { usd: 2, period: 'day', mode: 'soft' },
        models: ['chat'],
      };
      delete changed.tpm;
      assert.equal(await store.keys.update(changed), true);
      assert.deepEqual(await store.keys.findByHash(created.record.hash), changed);
      const cleared: ApiKeyRecord = { ...changed };
      delete cleared.rpm;
      delete cleared.budget;
      assert.equal(await store.keys.update(cleared), true);
      assert.deepEqual(await store.keys.findByHash(created.record.hash), cleared);
      assert.equal(await store.keys.update({ ...cleared, id: 'key_nope' }), false);
    });

    it('keys: rotate keeps settings, revokes the old key, and every admin action is audited', async () => {
      const tenant = `rot-${tag()}`;
      const first = await createApiKey(
        store,
        { tenant, models: ['a'], rpm: 7, budget: { usd: 2, period: 'month' }, dataPolicy: 'local-only' },
        'test',
      );
      assert.match(first.key, /^mk-[A-Za-z0-9]{32}$/);
      assert.equal(first.record.hash, hashKey(first.key));
      const second = await rotateApiKey(store, first.record.id, 'test');
      assert.notEqual(second.key, first.key);
      const [oldRec, newRec] = await Promise.all([store.keys.findByHash(first.record.hash), store.keys.findByHash(second.record.hash)]);
      assert.ok(oldRec?.revokedAt, 'old key revoked');
      assert.equal(newRec?.revokedAt, null);
      assert.deepEqual(
        { tenant: newRec?.tenant, models: newRec?.models, rpm: newRec?.rpm, budget: newRec?.budget, dataPolicy: newRec?.dataPolicy },
        { tenant, models: ['a'], rpm: 7, budget: { usd: 2, period: 'month' }, dataPolicy: 'local-only' },
      );
      assert.equal(await revokeApiKey(store, second.record.id, 'test'), true);
      await assert.rejects(revokeApiKey(store, 'key_missing', 'test'), /No API key/);

      const audit = (await store.audit.list(50)).filter((a) => a.target === first.record.id || a.target === second.record.id);
      assert.deepEqual(
        audit.map((a) => `${a.action}:${a.target === first.record.id ? 'first' : 'second'}`),
        ['key.revoked:second', 'key.rotated:first', 'key.created:second', 'key.created:first'],
        'newest first',
      );
      assert.equal(audit.find((a) => a.action === 'key.rotated')?.details?.replacedBy, second.record.id);
      assert.ok(
        !JSON.stringify(audit).includes(first.key) && !JSON.stringify(audit).includes(first.record.hash),
        'no secrets in the audit log',
      );
    });

    it('request log: round-trips every field and filters by time, tenant, alias, location, status', async () => {
      const tenant = `log-${tag()}`;
      const t0 = Date.now() - 60_000;
      const full = logEntry({
        tenant,
        time: new Date(t0).toISOString(),
        keyId: 'key_1',
        kind: 'chat',
        alias: 'chat-default',
        deployment: 'ollama@local/llama3',
        location: 'local',
        routeReason: 'pii:local-only',
        attempts: [{ deployment: 'openai/gpt-4o', error: 'upstream_timeout', status: 504 }, { deployment: 'ollama@local/llama3' }],
        status: 200,
        stream: true,
        latencyMs: 812.5,
        ttftMs: 95,
        promptTokens: 120,
        completionTokens: 44,
        reasoningTokens: 3,
        cachedTokens: 10,
        tokensEstimated: true,
        costUsd: 0.000123,
        pii: { EMAIL: 2, PHONE: 1 },
        promptVersion: 'support@3',
      });
      const cloud429 = logEntry({
        tenant,
        time: new Date(t0 + 1000).toISOString(),
        alias: 'fast',
        location: 'cloud',
        status: 429,
        errorCode: 'rate_limit_exceeded',
      });
      const embed = logEntry({
        tenant,
        time: new Date(t0 + 2000).toISOString(),
        kind: 'embeddings',
        alias: 'embed',
        location: 'cloud',
        status: 200,
      });
      const other = logEntry({ tenant: `${tenant}-other`, time: new Date(t0 + 3000).toISOString() });
      for (const e of [full, cloud429, embed, other]) store.requestLog.append(e);
      await store.requestLog.flush();

      const ids = (rows: RequestLogEntry[]): string[] => rows.map((r) => r.id);
      assert.deepEqual(await store.requestLog.query({ tenant }), [embed, cloud429, full], 'newest first, exact round-trip');
      assert.deepEqual(ids(await store.requestLog.query({ tenant, alias: 'fast' })), [cloud429.id]);
      assert.deepEqual(ids(await store.requestLog.query({ tenant, location: 'cloud' })), [embed.id, cloud429.id]);
      assert.deepEqual(ids(await store.requestLog.query({ tenant, status: 429 })), [cloud429.id]);
      assert.deepEqual(ids(await store.requestLog.query({ tenant, limit: 2 })), [embed.id, cloud429.id]);
      assert.deepEqual(
        ids(await store.requestLog.query({ tenant, since: new Date(t0 + 1000).toISOString() })),
        [embed.id, cloud429.id],
        'since is inclusive',
      );
      assert.deepEqual(
        ids(await store.requestLog.query({ tenant, until: new Date(t0 + 1000).toISOString() })),
        [full.id],
        'until is exclusive',
      );
      assert.deepEqual(
        ids(await store.requestLog.query({ since: new Date(t0 + 500).toISOString(), until: new Date(t0 + 2500).toISOString() })).filter(
          (id) => [full.id, cloud429.id, embed.id, other.id].includes(id),
        ),
        [embed.id, cloud429.id],
      );
    });

    it('request log: query sees entries appended just before it (no explicit flush)', async () => {
      const tenant = `rw-${tag()}`;
      const e = logEntry({ tenant });
      store.requestLog.append(e);
      assert.deepEqual(await store.requestLog.query({ tenant }), [e]);
    });

    it('request log: totals sum tokens of successful requests and the cost of cloud ones', async () => {
      const tenant = `tot-${tag()}`;
      const at = (ms: number) => new Date(Date.UTC(2100, 0, 1) + ms).toISOString();
      store.requestLog.append(
        logEntry({ tenant, time: at(1), location: 'cloud', promptTokens: 100, completionTokens: 20, cachedTokens: 10, costUsd: 0.5 }),
      );
      store.requestLog.append(logEntry({ tenant, time: at(2), location: 'local', promptTokens: 50, completionTokens: 5, costUsd: 0.25 }));
      store.requestLog.append(logEntry({ tenant, time: at(3), location: 'cloud', status: 500, promptTokens: 999, costUsd: 9 }));
      const t = await store.requestLog.totals(at(0));
      assert.deepEqual(t, { requests: 2, promptTokens: 150, completionTokens: 25, cachedTokens: 10, cloudCostUsd: 0.5 });
      assert.equal((await store.requestLog.totals(at(2))).requests, 1);
    });

    it('request log: summary aggregates totals, groups and PII counts since a time', async () => {
      const tenant = `sum-${tag()}`;
      // Far in the future, so no other test's entries fall in the window.
      const at = (ms: number) => new Date(Date.UTC(2200, 0, 1) + ms).toISOString();
      store.requestLog.append(logEntry({ tenant, time: at(-1), location: 'cloud', costUsd: 100, promptTokens: 999 }));
      store.requestLog.append(
        logEntry({
          tenant,
          time: at(1),
          alias: 'chat',
          deployment: 'openai/gpt-4o',
          location: 'cloud',
          routeReason: 'priority',
          latencyMs: 100,
          promptTokens: 100,
          completionTokens: 20,
          costUsd: 0.5,
          pii: { EMAIL: 2 },
        }),
      );
      store.requestLog.append(
        logEntry({
          tenant,
          time: at(2),
          alias: 'chat',
          deployment: 'ollama/llama3',
          location: 'local',
          routeReason: 'pii:local-only',
          latencyMs: 300,
          stream: true,
          ttftMs: 40,
          promptTokens: 50,
          completionTokens: 5,
          tokensEstimated: true,
          costUsd: 0.25,
          pii: { EMAIL: 1, PHONE: 3 },
        }),
      );
      store.requestLog.append(
        logEntry({ tenant: `${tenant}-b`, time: at(3), alias: 'embed', kind: 'embeddings', status: 429, latencyMs: 2, pii: {} }),
      );
      const s = await store.requestLog.summary(at(0));
      assert.equal(s.since, at(0));
      assert.deepEqual(s.totals, {
        requests: 3,
        errors: 1,
        costUsd: 0.75,
        promptTokens: 150,
        completionTokens: 25,
        avgLatencyMs: 134,
        estimatedTokenRequests: 1,
        avgTtftMs: 40,
        piiRequests: 2,
      });
      const group = (
        key: string,
        requests: number,
        errors: number,
        costUsd: number,
        promptTokens: number,
        completionTokens: number,
        avgLatencyMs: number,
      ) => ({ key, requests, errors, costUsd, promptTokens, completionTokens, avgLatencyMs });
      assert.deepEqual(s.byAlias, [group('chat', 2, 0, 0.75, 150, 25, 200), group('embed', 1, 1, 0, 0, 0, 2)]);
      assert.deepEqual(s.byLocation, [
        group('', 1, 1, 0, 0, 0, 2),
        group('cloud', 1, 0, 0.5, 100, 20, 100),
        group('local', 1, 0, 0.25, 50, 5, 300),
      ]);
      assert.deepEqual(
        s.byDeployment.map((g) => g.key),
        ['', 'ollama/llama3', 'openai/gpt-4o'],
      );
      assert.deepEqual(
        s.byReason.map((g) => [g.key, g.requests]),
        [
          ['', 1],
          ['pii:local-only', 1],
          ['priority', 1],
        ],
      );
      assert.deepEqual(
        s.byTenant.map((g) => [g.key, g.requests]),
        [
          [tenant, 2],
          [`${tenant}-b`, 1],
        ],
      );
      assert.deepEqual(
        s.byStatus.map((g) => [g.key, g.requests, g.errors]),
        [
          ['200', 2, 0],
          ['429', 1, 1],
        ],
      );
      assert.deepEqual(s.pii, { PHONE: 3, EMAIL: 3 }, 'counts summed per type');
      const later = await store.requestLog.summary(at(2));
      assert.deepEqual([later.totals.requests, later.totals.avgTtftMs, later.pii], [2, 40, { PHONE: 3, EMAIL: 1 }]);
      const empty = await store.requestLog.summary(at(10));
      assert.deepEqual([empty.totals.requests, empty.totals.avgTtftMs, empty.byAlias, empty.pii], [0, null, [], {}]);
    });

    it('request log: series buckets requests, errors, tokens, cost, percentiles, PII and guard actions per location', async () => {
      const tenant = `ser-${tag()}`;
      // Far in the future (after the summary test's year), so no other test's entries fall in the window.
      const t0 = Date.UTC(2300, 0, 1);
      const at = (ms: number) => new Date(t0 + ms).toISOString();
      const minute = 60_000;
      store.requestLog.append(logEntry({ tenant, time: at(-1), location: 'cloud', costUsd: 100 })); // before the window
      store.requestLog.append(logEntry({ tenant, time: at(3 * minute), location: 'cloud', costUsd: 100 })); // at `until`: excluded
      for (let i = 1; i <= 10; i++)
        store.requestLog.append(
          logEntry({ tenant, time: at(i), location: 'local', latencyMs: i * 10, promptTokens: 1, completionTokens: 2, costUsd: 0 }),
        );
      store.requestLog.append(
        logEntry({
          tenant,
          time: at(minute + 5),
          location: 'cloud',
          latencyMs: 500,
          stream: true,
          ttftMs: 50,
          promptTokens: 100,
          completionTokens: 10,
          costUsd: 0.25,
          pii: { EMAIL: 2, PHONE: 1 },
          guardAction: 'pseudonymize',
        }),
      );
      store.requestLog.append(
        logEntry({ tenant, time: at(minute + 6), status: 503, latencyMs: 3, pii: { EMAIL: 1 }, guardAction: 'block' }),
      );
      const s = await store.requestLog.series({ since: at(0), until: at(3 * minute), bucketMs: minute });
      assert.equal(s.buckets.length, 3, 'dense: the empty third bucket is there');
      assert.deepEqual(
        s.buckets.map((b) => b.start),
        [at(0), at(minute), at(2 * minute)],
      );
      const [a, b, c] = s.buckets as [(typeof s.buckets)[0], (typeof s.buckets)[0], (typeof s.buckets)[0]];
      assert.deepEqual([a.requests, a.errors, a.promptTokens, a.completionTokens, a.costUsd], [10, 0, 10, 20, 0]);
      assert.deepEqual(a.byLocation, { local: { requests: 10, errors: 0, costUsd: 0, promptTokens: 10, completionTokens: 20 } });
      assert.deepEqual(a.latencyMs, { p50: 50, p95: 100, p99: 100 });
      assert.deepEqual(a.ttftMs, { p50: null, p95: null, p99: null });
      assert.deepEqual([b.requests, b.errors, b.costUsd, b.piiRequests], [2, 1, 0.25, 2]);
      assert.deepEqual(b.byLocation.cloud, { requests: 1, errors: 0, costUsd: 0.25, promptTokens: 100, completionTokens: 10 });
      assert.deepEqual(b.byLocation[''], { requests: 1, errors: 1, costUsd: 0, promptTokens: 0, completionTokens: 0 });
      assert.deepEqual(b.latencyMs, { p50: 3, p95: 500, p99: 500 });
      assert.deepEqual(b.ttftMs, { p50: 50, p95: 50, p99: 50 });
      assert.deepEqual(b.pii, { EMAIL: 3, PHONE: 1 });
      assert.deepEqual(b.guard, { pseudonymize: 1, block: 1 });
      assert.deepEqual([c.requests, c.latencyMs.p50, c.pii, c.guard, c.byLocation], [0, null, {}, {}, {}]);
      assert.equal(s.latencySampled, false);
    });

    it('request log: 10,000 appends then close loses nothing', async () => {
      const tenant = `bulk-${tag()}`;
      const writer = await open({ options: { log: { flushIntervalMs: 60_000, batchSize: 500, highWaterMark: 2_000 } } });
      const base = Date.now() - 10_000;
      const t = Date.now();
      for (let i = 0; i < 10_000; i++) writer.requestLog.append(logEntry({ tenant, time: new Date(base + i).toISOString(), latencyMs: i }));
      assert.ok(Date.now() - t < 2_000, 'append stays cheap');
      await writer.close();
      const rows = await store.requestLog.query({ tenant, limit: 10_000 });
      assert.equal(rows.length, 10_000);
      assert.equal(new Set(rows.map((r) => r.id)).size, 10_000);
      assert.equal(rows[0]?.latencyMs, 9_999, 'newest first');
    });

    it('request log: retention deletes entries older than retentionDays', async () => {
      const tenant = `ret-${tag()}`;
      const s = await open({ retentionDays: 2 });
      const old = logEntry({ tenant, time: new Date(Date.now() - 3 * 86_400_000).toISOString() });
      const fresh = logEntry({ tenant, time: new Date(Date.now() - 86_400_000).toISOString() });
      s.requestLog.append(old);
      s.requestLog.append(fresh);
      await s.requestLog.flush();
      assert.equal((await s.requestLog.query({ tenant })).length, 2);
      const deleted = await s.requestLog.prune?.();
      assert.ok(deleted !== undefined && deleted >= 1, 'prune reports what it deleted');
      assert.deepEqual(
        (await s.requestLog.query({ tenant })).map((r) => r.id),
        [fresh.id],
      );
      await s.close();
    });

    it('request log: hostile values are stored cleaned and bounded, and never block the entries after them', async () => {
      const tenant = `hostile-${tag()}`;
      const t0 = Date.now() - 30_000;
      const at = (i: number) => new Date(t0 + i).toISOString();
      const surrogate = logEntry({ tenant, time: at(1), alias: 'openai/x\ud800', deployment: 'dep\udc00end' });
      const huge = logEntry({
        tenant,
        time: at(2),
        promptTokens: 3_000_000_000,
        completionTokens: 1e300,
        cachedTokens: 12.7,
        reasoningTokens: Number.NaN,
        costUsd: Number.POSITIVE_INFINITY,
        latencyMs: -5,
        status: 70_000,
      });
      const nul = logEntry({
        tenant,
        time: at(3),
        routeReason: 'rule\u0000one',
        errorCode: 'x'.repeat(50_000),
        attempts: [{ deployment: 'a\u0000b', error: 'bad \ud800 text', n: Number.NaN }],
        pii: { 'EMAIL\ud800': 2 },
        clientRequestId: 'client\u0000\udfff',
        excluded: [{ deployment: 'd'.repeat(5_000), rule: 'r', reason: 'why\u0000' }],
      });
      const after = logEntry({ tenant, time: at(4), alias: 'plain' });
      for (const e of [surrogate, huge, nul, after]) store.requestLog.append(e);
      await store.requestLog.flush();
      const rows = await store.requestLog.query({ tenant });
      assert.deepEqual(
        rows.map((r) => r.id),
        [after.id, nul.id, huge.id, surrogate.id],
        'every entry written, in order',
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.equal(byId.get(surrogate.id)?.alias, 'openai/x\ufffd', 'lone surrogate replaced by U+FFFD');
      assert.equal(byId.get(surrogate.id)?.deployment, 'dep\ufffdend');
      const h = byId.get(huge.id)!;
      assert.equal(h.promptTokens, 3_000_000_000, 'token counts beyond 32 bits are kept');
      assert.equal(h.completionTokens, Number.MAX_SAFE_INTEGER, 'clamped');
      assert.equal(h.cachedTokens, 13);
      assert.equal(h.reasoningTokens, undefined, 'NaN is not a number');
      assert.equal(h.costUsd, undefined, 'infinity is not a cost');
      assert.equal(h.latencyMs, 0);
      assert.equal(h.status, 999);
      const n = byId.get(nul.id)!;
      assert.equal(n.routeReason, 'ruleone', 'NUL removed');
      assert.equal(n.errorCode?.length, 200, 'bounded');
      assert.deepEqual(n.attempts, [{ deployment: 'ab', error: 'bad \ufffd text', n: null }]);
      assert.deepEqual(n.pii, { 'EMAIL\ufffd': 2 });
      assert.equal(n.clientRequestId, 'client\ufffd');
      assert.equal(n.excluded?.[0]?.deployment.length, 1_000);
      assert.equal(n.excluded?.[0]?.reason, 'why');
    });

    it('request log: a row the database refuses goes to the dead letters with its error, and the log keeps going', async () => {
      const tenant = `dead-${tag()}`;
      const poison = `poison-${tag()}`;
      const counted: number[] = [];
      const s = await open({ options: { onDeadLetter: (n) => counted.push(n), onError: () => undefined } });
      await harness.refuseAlias(s, poison);
      const before = logEntry({ tenant, alias: 'ok-1', time: new Date(Date.now() - 3_000).toISOString() });
      const bad = logEntry({ tenant, alias: poison, time: new Date(Date.now() - 2_000).toISOString() });
      const later = logEntry({ tenant, alias: 'ok-2', time: new Date(Date.now() - 1_000).toISOString() });
      for (const e of [before, bad, later]) s.requestLog.append(e);
      await s.requestLog.flush();
      assert.deepEqual(
        (await s.requestLog.query({ tenant })).map((r) => r.id),
        [later.id, before.id],
      );
      const dead = (await harness.deadLetters(s)).filter((d) => d.entryId === bad.id);
      assert.equal(dead.length, 1);
      assert.equal((JSON.parse(dead[0]!.entry) as { alias: string }).alias, poison, 'kept as JSON');
      assert.ok(dead[0]!.error.length > 0, 'with the error message');
      assert.deepEqual(counted, [1]);
      assert.equal(s.stats().deadLetters, 1);
      const next = logEntry({ tenant, alias: 'ok-3' });
      s.requestLog.append(next);
      assert.equal((await s.requestLog.query({ tenant })).length, 3, 'later entries are still written');
      assert.deepEqual(s.health(), { ready: true });
      await s.close();
    });

    it('request log: client request id, guard action and exclusions round-trip; 16 entries sharing a client id are all kept', async () => {
      const tenant = `cid-${tag()}`;
      const clientRequestId = `client-${tag()}`;
      const entries = Array.from({ length: 16 }, (_, i) =>
        logEntry({
          tenant,
          time: new Date(Date.now() - 20_000 + i).toISOString(),
          clientRequestId,
          guardAction: i % 2 ? 'pseudonymize' : 'allow',
          excluded: [{ deployment: 'openai/gpt-4o', rule: 'pii-local', reason: 'policy' }],
        }),
      );
      for (const e of entries) store.requestLog.append(e);
      store.requestLog.append(logEntry({ tenant, clientRequestId: 'someone-else' }));
      const rows = await store.requestLog.query({ clientRequestId });
      assert.equal(rows.length, 16);
      assert.deepEqual(rows, [...entries].reverse(), 'exact round-trip, newest first');
      assert.equal((await store.requestLog.query({ tenant })).length, 17);
    });

    it('request log: since and until take a duration ago as well as an ISO time; anything else is a 400', async () => {
      const tenant = `since-${tag()}`;
      const recent = logEntry({ tenant, time: new Date(Date.now() - 60_000).toISOString() });
      const old = logEntry({ tenant, time: new Date(Date.now() - 3 * 3_600_000).toISOString() });
      store.requestLog.append(recent);
      store.requestLog.append(old);
      assert.deepEqual(
        (await store.requestLog.query({ tenant, since: '10m' })).map((r) => r.id),
        [recent.id],
      );
      assert.deepEqual(
        (await store.requestLog.query({ tenant, since: '1d', until: '2h' })).map((r) => r.id),
        [old.id],
      );
      await assert.rejects(
        store.requestLog.query({ tenant, since: 'ten minutes' }),
        (err: unknown) => err instanceof InvalidRequestError && err.status === 400 && err.param === 'since' && /10m/.test(err.message),
      );
    });

    it('rag: collections are created once; a document’s chunks are replaced, listed in order, per collection', async () => {
      const name = `c-${tag()}`;
      const rec = { name, embeddingModel: 'embed', localOnly: true, createdAt: new Date().toISOString() };
      assert.equal(await store.rag.createCollection(rec), true);
      assert.equal(await store.rag.createCollection({ ...rec, embeddingModel: 'other', localOnly: false }), false);
      const got = await store.rag.getCollection(name);
      assert.equal(got?.embeddingModel, 'embed');
      assert.equal(got?.localOnly, true);
      assert.equal(Date.parse(got!.createdAt), Date.parse(rec.createdAt));
      assert.equal(await store.rag.getCollection(`${name}-missing`), undefined);
      const chunk = (documentId: string, seq: number, text: string) => ({
        documentId,
        seq,
        heading: seq ? 'A > B' : '',
        text,
        metadata: { team: 'hr', n: seq, ok: true },
        embedding: Buffer.from(Float32Array.from([seq, 0.5]).buffer).toString('base64'),
        contentHash: `h-${text}`,
      });
      await store.rag.replaceDocument(name, 'doc/b', [chunk('doc/b', 0, 'b0'), chunk('doc/b', 1, 'b1 ünïcode ✓')]);
      await store.rag.replaceDocument(name, 'doc/a', [chunk('doc/a', 0, 'a0')]);
      await store.rag.replaceDocument(`${name}-other`, 'doc/a', [chunk('doc/a', 0, 'elsewhere')]);
      assert.deepEqual(
        (await store.rag.chunks(name)).map((c) => [c.documentId, c.seq, c.text]),
        [
          ['doc/a', 0, 'a0'],
          ['doc/b', 0, 'b0'],
          ['doc/b', 1, 'b1 ünïcode ✓'],
        ],
      );
      assert.deepEqual((await store.rag.chunks(name))[2], chunk('doc/b', 1, 'b1 ünïcode ✓'));
      assert.equal(await store.rag.documentHash(name, 'doc/b'), 'h-b0');
      assert.equal(await store.rag.documentHash(name, 'doc/none'), undefined);
      await store.rag.replaceDocument(name, 'doc/b', [chunk('doc/b', 0, 'new')]);
      assert.equal(await store.rag.documentHash(name, 'doc/b'), 'h-new');
      assert.deepEqual(
        (await store.rag.chunks(name)).map((c) => c.text),
        ['a0', 'new'],
      );
      await store.rag.replaceDocument(name, 'doc/a', []);
      assert.deepEqual(
        (await store.rag.chunks(name)).map((c) => c.documentId),
        ['doc/b'],
      );
    });

    it('rag: re-ingest is atomic (a failed replace keeps the old chunks, readers never see a mix); documents and collections list and delete', async () => {
      const name = `c-${tag()}`;
      assert.equal(
        await store.rag.createCollection({ name, embeddingModel: 'embed', localOnly: false, createdAt: new Date().toISOString() }),
        true,
      );
      const version = (doc: string, v: string, n: number) =>
        range(0, n - 1).map((seq) => ({
          documentId: doc,
          seq,
          heading: '',
          text: `${v}-${seq}`,
          metadata: { path: doc, v },
          embedding: Buffer.from(Float32Array.from([seq]).buffer).toString('base64'),
          contentHash: `h-${v}`,
        }));
      await store.rag.replaceDocument(name, 'a/x.md', version('a/x.md', 'old', 3));
      // The second chunk collides with the first (same seq): the insert fails after the delete ran.
      const [first] = version('a/x.md', 'new', 1);
      await assert.rejects(store.rag.replaceDocument(name, 'a/x.md', [first!, first!]));
      assert.deepEqual(
        (await store.rag.chunks(name)).map((c) => c.text),
        ['old-0', 'old-1', 'old-2'],
      );
      // Readers during re-ingests see one version whole: 3 chunks of "a" or 5 of "b".
      const writes = range(1, 12).map((i) =>
        store.rag.replaceDocument(name, 'a/x.md', i % 2 ? version('a/x.md', 'b', 5) : version('a/x.md', 'a', 3)),
      );
      const reads = range(1, 12).map(() => store.rag.chunks(name));
      await Promise.all(writes);
      for (const chunks of await Promise.all(reads)) {
        const hashes = new Set(chunks.map((c) => c.contentHash));
        assert.equal(hashes.size, 1, 'one version per read');
        assert.equal(chunks.length, hashes.has('h-b') ? 5 : 3);
      }
      await store.rag.replaceDocument(name, 'a/y.md', version('a/y.md', 'y', 2));
      await store.rag.replaceDocument(name, 'b.md', version('b.md', 'b', 1));
      const all = await store.rag.documents(name, { limit: 10 });
      assert.deepEqual(
        all.map((d) => [d.documentId, d.chunks, d.contentHash]),
        [
          ['a/x.md', 3, 'h-a'],
          ['a/y.md', 2, 'h-y'],
          ['b.md', 1, 'h-b'],
        ],
      );
      assert.deepEqual(all[1]!.metadata, { path: 'a/y.md', v: 'y' });
      assert.deepEqual(
        (await store.rag.documents(name, { after: 'a/x.md', limit: 1 })).map((d) => d.documentId),
        ['a/y.md'],
      );
      assert.deepEqual(await store.rag.documents(name, { after: 'b.md', limit: 10 }), []);
      const listed = (await store.rag.collections(1000)).find((c) => c.name === name);
      assert.deepEqual(listed && { documents: listed.documents, chunks: listed.chunks, model: listed.embeddingModel }, {
        documents: 3,
        chunks: 6,
        model: 'embed',
      });
      assert.equal(await store.rag.deleteCollection(name), true);
      assert.equal(await store.rag.deleteCollection(name), false);
      assert.equal(await store.rag.getCollection(name), undefined);
      assert.deepEqual(await store.rag.chunks(name), []);
    });

    it('rag: every chunk write bumps the collection generation; chunks page by key and are read back by key', async () => {
      const name = `g-${tag()}`;
      await store.rag.createCollection({ name, embeddingModel: 'embed', localOnly: false, createdAt: new Date().toISOString() });
      assert.equal(await store.rag.generation(`${name}-missing`), undefined);
      const g0 = await store.rag.generation(name);
      assert.equal(typeof g0, 'number');
      const chunk = (documentId: string, seq: number) => ({
        documentId,
        seq,
        heading: '',
        text: `${documentId} ${seq}`,
        metadata: {},
        embedding: Buffer.from(Float32Array.from([seq]).buffer).toString('base64'),
        contentHash: 'h',
      });
      const seen = [g0!];
      const bumped = async (): Promise<void> => {
        const g = (await store.rag.generation(name))!;
        assert.ok(g > seen.at(-1)!, `generation ${g} after ${seen.at(-1)}`);
        seen.push(g);
      };
      await store.rag.replaceDocument(name, 'd/1', [chunk('d/1', 0), chunk('d/1', 1), chunk('d/1', 2)]);
      await bumped();
      await store.rag.replaceDocument(name, 'd/0', [chunk('d/0', 0)]);
      await bumped();
      await store.rag.replaceDocument(`${name}-other`, 'd/0', [chunk('d/0', 0)]);
      assert.equal(await store.rag.generation(name), seen.at(-1), 'another collection’s write leaves it alone');
      await store.rag.replaceDocument(name, 'd/0', []);
      await bumped();
      await store.rag.replaceDocument(name, 'd/0', [chunk('d/0', 0)]);
      await bumped();
      const pages: string[][] = [];
      let after: { documentId: string; seq: number } | undefined;
      for (;;) {
        const page = await store.rag.chunkPage(name, after, 2);
        pages.push(page.map((c) => `${c.documentId}#${c.seq}`));
        if (page.length < 2) break;
        after = page.at(-1)!;
      }
      assert.deepEqual(pages, [['d/0#0', 'd/1#0'], ['d/1#1', 'd/1#2'], []]);
      const got = await store.rag.chunksByKey(name, [
        { documentId: 'd/1', seq: 2 },
        { documentId: 'd/0', seq: 0 },
        { documentId: 'd/9', seq: 0 },
      ]);
      assert.deepEqual(got.map((c) => `${c.documentId}#${c.seq}`).sort(), ['d/0#0', 'd/1#2']);
      assert.deepEqual(
        got.find((c) => c.documentId === 'd/1'),
        chunk('d/1', 2),
      );
      assert.deepEqual(await store.rag.chunksByKey(name, []), []);
    });

    it('prompts: versions are numbered per name, concurrent adds get distinct numbers, labels move and keep protection', async () => {
      const name = `p-${tag()}`;
      const base = { name, contentHash: 'h', createdAt: new Date().toISOString(), createdBy: 'master' };
      const v1 = await store.prompts.addVersion({ ...base, body: { template: 'Hello {{who}}', n: 1 }, note: 'first' });
      assert.equal(v1.version, 1);
      const concurrent = await Promise.all(range(1, 8).map((i) => store.prompts.addVersion({ ...base, body: { i } })));
      assert.deepEqual(
        concurrent.map((v) => v.version).sort((a, b) => a - b),
        range(2, 9),
      );
      const got = await store.prompts.getVersion(name, 1);
      assert.deepEqual(got?.body, { template: 'Hello {{who}}', n: 1 });
      assert.equal(got?.note, 'first');
      assert.equal((await store.prompts.latestVersion(name))?.version, 9);
      assert.equal(await store.prompts.getVersion(name, 99), undefined);
      assert.deepEqual(
        (await store.prompts.listVersions(name)).map((v) => v.version),
        range(1, 9).reverse(),
      );
      assert.ok((await store.prompts.listNames()).some((n) => n.name === name && n.latest === 9));

      const label = { name, label: 'production', version: 1, protected: true, updatedAt: new Date().toISOString(), updatedBy: 'master' };
      await store.prompts.setLabel(label);
      await store.prompts.setLabel({ ...label, version: 3 });
      const moved = await store.prompts.getLabel(name, 'production');
      assert.equal(moved?.version, 3);
      assert.equal(moved?.protected, true);
      await store.prompts.setLabel({ ...label, label: 'staging', version: 2, protected: false });
      assert.deepEqual(
        (await store.prompts.listLabels(name)).map((l) => [l.label, l.version, l.protected]),
        [
          ['production', 3, true],
          ['staging', 2, false],
        ],
      );
      assert.equal(await store.prompts.getLabel(name, 'nope'), undefined);
    });

    it('feedback: stored only for a logged request, aggregated per prompt version and deployment; episode round-trips', async () => {
      const t = `fb-${tag()}`;
      const since = new Date(Date.now() - 1_000).toISOString();
      const a = logEntry({ tenant: t, deployment: `dep-a-${t}`, promptVersion: `sr-${t}@1`, episode: `ep-${t}` });
      const b = logEntry({ tenant: t, deployment: `dep-b-${t}`, promptVersion: `sr-${t}@2` });
      store.requestLog.append(a);
      store.requestLog.append(b);
      const fb = (requestId: string, over: { score?: number; label?: string; comment?: string }) => ({
        id: randomUUID(),
        requestId,
        time: new Date().toISOString(),
        keyId: 'k1',
        ...over,
      });
      assert.equal(await store.feedback.add(fb(a.id, { score: 1, label: 'good' })), true, 'appended just before: visible');
      assert.equal(await store.feedback.add(fb(a.id, { score: 0, label: 'bad', comment: 'wrong tone' })), true);
      assert.equal(await store.feedback.add(fb(b.id, { label: 'good' }), `other-${t}`), false, 'another tenant');
      assert.equal(await store.feedback.add(fb(b.id, { label: 'good' }), t), true);
      assert.equal(await store.feedback.add(fb(`req_${randomUUID()}`, { score: 1 })), false, 'unknown request');

      const stored = await store.feedback.forRequest(a.id);
      assert.deepEqual(stored.map((f) => [f.label, f.score, f.comment, f.keyId]).sort(), [
        ['bad', 0, 'wrong tone', 'k1'],
        ['good', 1, undefined, 'k1'],
      ]);
      const summary = await store.feedback.summary(since);
      const pa = summary.byPromptVersion.find((g) => g.key === `sr-${t}@1`);
      assert.deepEqual(pa, { key: `sr-${t}@1`, feedback: 2, avgScore: 0.5, labels: { good: 1, bad: 1 } });
      const db = summary.byDeployment.find((g) => g.key === `dep-b-${t}`);
      assert.deepEqual(db, { key: `dep-b-${t}`, feedback: 1, avgScore: null, labels: { good: 1 } });
      const later = await store.feedback.summary(new Date(Date.now() + 60_000).toISOString());
      assert.equal(later.byPromptVersion.length, 0);

      const [logged] = await store.requestLog
        .query({ tenant: t, alias: 'chat-default', limit: 10 })
        .then((r) => r.filter((e) => e.id === a.id));
      assert.equal(logged?.episode, `ep-${t}`);
    });

    it('request log: filtered by episode; feedback looked up by a hostile request id finds nothing and does not throw', async () => {
      const t = `ep-${tag()}`;
      const episode = `episode-${t}`;
      const inEpisode = [0, 1, 2].map((i) => logEntry({ tenant: t, episode, time: new Date(Date.now() - 5_000 + i).toISOString() }));
      for (const e of inEpisode) store.requestLog.append(e);
      store.requestLog.append(logEntry({ tenant: t, episode: `${episode}-other` }));
      store.requestLog.append(logEntry({ tenant: t }));
      await store.requestLog.flush();
      const rows = await store.requestLog.query({ episode });
      assert.deepEqual(
        rows.map((r) => r.id),
        inEpisode.map((e) => e.id).reverse(),
      );
      assert.equal((await store.requestLog.query({ episode, tenant: `not-${t}` })).length, 0);
      assert.equal((await store.requestLog.query({ episode: 'no\u0000such\udfff' })).length, 0);
      assert.deepEqual(await store.feedback.forRequest('no\u0000such\udfff'), []);
    });

    it('experiments: observations of one experiment (variant round-trips), with their feedback; others and older rows left out', async () => {
      // "_" in the name: a LIKE wildcard, which the query must not treat as one.
      const exp = `ex_${tag()}`;
      const since = new Date(Date.now() - 1_000).toISOString();
      const a = logEntry({ tenant: exp, variant: `${exp}/a`, latencyMs: 10, costUsd: 0.5 });
      const b = logEntry({ tenant: exp, variant: `${exp}/b`, latencyMs: 30, status: 502 });
      const other = logEntry({ tenant: exp, variant: `${exp.replace('_', 'x')}/a` });
      const old = logEntry({ tenant: exp, variant: `${exp}/a`, time: new Date(Date.now() - 3_600_000).toISOString() });
      for (const e of [a, b, other, old]) store.requestLog.append(e);
      const fb = (requestId: string, over: { score?: number; label?: string }) => ({
        id: randomUUID(),
        requestId,
        time: new Date().toISOString(),
        ...over,
      });
      assert.equal(await store.feedback.add(fb(a.id, { score: 0.75, label: 'pass' })), true);
      assert.equal(await store.feedback.add(fb(b.id, { label: 'fail' })), true);
      assert.equal(await store.feedback.add(fb(other.id, { score: 1 })), true);

      const obs = await store.experiments.observations(exp, since);
      assert.equal(obs.truncated, false);
      assert.deepEqual(obs.requests.map((r) => [r.variant, r.status, r.latencyMs, r.costUsd]).sort(), [
        [`${exp}/a`, 200, 10, 0.5],
        [`${exp}/b`, 502, 30, null],
      ]);
      assert.deepEqual(obs.feedback.map((f) => [f.variant, f.score, f.label]).sort(), [
        [`${exp}/a`, 0.75, 'pass'],
        [`${exp}/b`, null, 'fail'],
      ]);
      const newestOnly = await store.experiments.observations(exp, since, 1);
      assert.equal(newestOnly.truncated, true);
      assert.equal(newestOnly.requests.length, 1);
      const [logged] = (await store.requestLog.query({ tenant: exp, limit: 50 })).filter((e) => e.id === a.id);
      assert.equal(logged?.variant, `${exp}/a`);
    });

    it('spend: budget spend survives closing and reopening the store', async () => {
      const key = `meridian:budget:test:${tag()}:usd`;
      const first = await open();
      assert.equal((await first.spend.consume(key, 2_000, 10_000, 3_600)).allowed, true);
      assert.equal(await first.spend.add(key, 500, 3_600), 2_500);
      await first.close();
      const second = await open();
      assert.equal(await second.spend.get(key), 2_500);
      assert.deepEqual(
        await second.spend.consume(key, 8_000, 10_000, 3_600).then((r) => [r.allowed, r.used]),
        [false, 2_500],
        'the limit counts what was spent before the restart',
      );
      await second.close();
    });

    it('responses: saved and read back per tenant, replaced by id, deleted once; expiry on the store clock, then pruned', async () => {
      let now = Date.now();
      const s = await open({ options: { now: () => now } });
      const t = tag();
      const rec = {
        id: `resp_${t}a`,
        tenant: `acme-${t}`,
        createdAt: new Date(now).toISOString(),
        model: 'm1',
        response: { id: `resp_${t}a`, object: 'response', output: [{ type: 'message', text: 'héllo, a NUL \u0000 kept' }] },
        inputItems: [{ id: 'msg_1', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi 👋' }] }],
        messages: [
          { role: 'user', content: 'Hi 👋' },
          { role: 'assistant', content: 'héllo' },
        ],
      };
      await s.responses.save(rec, 3_600);
      const got = await s.responses.get(rec.tenant, rec.id);
      assert.deepEqual(got, { ...rec, expiresAt: new Date(now + 3_600_000).toISOString() });
      assert.equal(await s.responses.get(`globex-${t}`, rec.id), undefined, 'another tenant sees nothing');
      assert.equal(await s.responses.get(rec.tenant, `resp_${t}zz`), undefined);
      assert.equal(await s.responses.delete(`globex-${t}`, rec.id), false, 'nor can it delete');

      await s.responses.save({ ...rec, model: 'm2' }, 3_600);
      assert.equal((await s.responses.get(rec.tenant, rec.id))?.model, 'm2', 'a save with the same id replaces');

      // Visible on another instance over the same data at once (no batching).
      const other = await open({ options: { now: () => now } });
      assert.equal((await other.responses.get(rec.tenant, rec.id))?.model, 'm2');

      const short = { ...rec, id: `resp_${t}b` };
      await s.responses.save(short, 60);
      now += 61_000;
      assert.equal(await s.responses.get(rec.tenant, short.id), undefined, 'expired: never returned');
      assert.equal(await s.responses.delete(rec.tenant, short.id), false, 'expired: nothing to delete');
      assert.equal(await s.responses.prune(), 1, 'only the expired one is pruned');
      assert.equal((await s.responses.get(rec.tenant, rec.id))?.id, rec.id);

      assert.equal(await s.responses.delete(rec.tenant, rec.id), true);
      assert.equal(await s.responses.delete(rec.tenant, rec.id), false);
      assert.equal(await s.responses.get(rec.tenant, rec.id), undefined);
      await other.close();
      await s.close();
    });

    it('health and stats: a working store is ready and reports no dead letters', async () => {
      assert.deepEqual(store.health(), { ready: true });
      assert.equal(store.stats().deadLetters, 0);
    });

    it('counters: consume admits exactly the limit under 100 concurrent calls', async () => {
      const key = `rpm:${tag()}`;
      const results = await Promise.all(Array.from({ length: 100 }, () => store.counters.consume(key, 1, 50, 60)));
      const allowed = results.filter((r) => r.allowed);
      assert.equal(allowed.length, 50);
      assert.deepEqual(
        allowed.map((r) => r.used).sort((a, b) => a - b),
        range(1, 50),
        'each admitted call saw its own count',
      );
      for (const r of results.filter((x) => !x.allowed)) {
        assert.equal(r.used, 50);
        assert.ok(r.resetSeconds >= 1 && r.resetSeconds <= 60);
      }
      assert.equal(await store.counters.get(key), 50);
    });

    it('counters: consume is exact across two store instances when counters are shared', async () => {
      const other = await open();
      const key = `rpm2:${tag()}`;
      const calls = Array.from({ length: 100 }, (_, i) => (i % 2 ? store : other).counters.consume(key, 1, 50, 60));
      const admitted = (await Promise.all(calls)).filter((r) => r.allowed).length;
      // Shared counters (Redis): 50 in all. In-process counters: each instance admits its own 50.
      assert.equal(admitted, harness.sharedCounters ? 50 : 100);
      await other.close();
    });

    it('counters: token-sized consume, window reset, add/get with TTL', async () => {
      const k = tag();
      assert.deepEqual(await store.counters.consume(`tpm:${k}`, 700, 1000, 60).then((r) => [r.allowed, r.used]), [true, 700]);
      assert.deepEqual(
        await store.counters.consume(`tpm:${k}`, 400, 1000, 60).then((r) => [r.allowed, r.used]),
        [false, 700],
        'would pass the limit',
      );
      assert.deepEqual(
        await store.counters.consume(`tpm:${k}`, 300, 1000, 60).then((r) => [r.allowed, r.used]),
        [true, 1000],
        'up to the limit is fine',
      );

      assert.equal(await store.counters.get(`none:${k}`), 0);
      assert.equal(await store.counters.add(`usd:${k}`, 0.1, 60), 0.1);
      assert.ok(Math.abs((await store.counters.add(`usd:${k}`, 0.2, 60)) - 0.3) < 1e-9, 'fractional amounts (dollars)');
      assert.equal(await store.counters.add(`n:${k}`, 5, 60), 5);
      assert.equal(await store.counters.add(`n:${k}`, -2, 60), 3);
      assert.equal(await store.counters.get(`n:${k}`), 3);

      // Expiry: a 2 s window and 2 s TTLs, all waited on together (margins of 0.8 s for loaded machines).
      assert.equal((await store.counters.consume(`win:${k}`, 1, 1, 2)).allowed, true);
      const denied = await store.counters.consume(`win:${k}`, 1, 1, 2);
      assert.equal(denied.allowed, false);
      assert.ok(denied.resetSeconds >= 1 && denied.resetSeconds <= 2, `resetSeconds ${denied.resetSeconds}`);
      await store.counters.add(`ttl:${k}`, 4, 2);
      await store.counters.add(`refresh:${k}`, 1, 2);
      await sleep(1_200);
      await store.counters.add(`refresh:${k}`, 1, 2); // restarts its expiry
      await sleep(1_200);
      assert.equal(await store.counters.get(`ttl:${k}`), 0, 'expired after its TTL');
      assert.equal(await store.counters.get(`refresh:${k}`), 2, 'each add restarts the TTL');
      assert.equal((await store.counters.consume(`win:${k}`, 1, 1, 2)).allowed, true, 'a new window after the old one ends');
    });
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
