/**
 * PostgreSQL unreachable, simulated by a TCP proxy in front of the machine's PostgreSQL that the
 * test closes and reopens: key lookups and log queries fail with 503 store_unavailable (not a
 * generic 500), the store reports not ready, and when PostgreSQL is back nothing appended
 * meanwhile is lost.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { StoreUnavailableError } from '../../src/errors.js';
import { createStore } from '../../src/store/index.js';
import { hashKey } from '../../src/store/keys.js';
import type { Store } from '../../src/store/types.js';
import { waitFor } from './private-redis.js';
import { makePostgresHarness, REDIS_URL } from './store-harness.js';

/** Forwards 127.0.0.1:port → PostgreSQL; `down()` drops every connection and refuses new ones. */
class Proxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 5432), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let harness: Awaited<ReturnType<typeof makePostgresHarness>>;
let proxy: Proxy;
let store: Store;

before(async () => {
  harness = await makePostgresHarness();
  proxy = new Proxy(new URL(harness.postgresUrl));
  await proxy.up();
  const url = new URL(harness.postgresUrl);
  url.port = String(proxy.port);
  store = await createStore(
    { sqlite: ':memory:', postgres: url.toString(), redis: REDIS_URL, retentionDays: 30 },
    { redisPrefix: harness.redisPrefix, onError: () => undefined, log: { retryDelayMs: 0 } },
  );
});

after(async () => {
  await store?.close().catch(() => undefined);
  await proxy?.down();
  await harness?.destroy();
});

it('PostgreSQL unreachable: 503 store_unavailable and not ready; back: ready again and no log entry lost', async () => {
  const hash = hashKey(`mk-${randomUUID()}`);
  await store.keys.create({
    id: `key_${randomUUID()}`,
    hash,
    prefix: 'mk-x',
    tenant: 't',
    models: [],
    createdAt: new Date().toISOString(),
  });
  assert.equal((await store.keys.findByHash(hash))?.tenant, 't');

  await proxy.down();
  await assert.rejects(
    store.keys.findByHash(hash),
    (err: unknown) => err instanceof StoreUnavailableError && err.status === 503 && err.code === 'store_unavailable',
  );
  assert.equal(store.health().ready, false);
  assert.match(store.health().reason ?? '', /postgres/);

  const tenant = `pgdown-${randomUUID().slice(0, 8)}`;
  const entry = {
    id: randomUUID(),
    time: new Date().toISOString(),
    tenant,
    kind: 'chat' as const,
    alias: 'a',
    attempts: [],
    status: 200,
    stream: false,
    latencyMs: 1,
  };
  store.requestLog.append(entry);
  await assert.rejects(store.requestLog.query({ tenant }), StoreUnavailableError);

  await proxy.up();
  await waitFor(async () => {
    try {
      return (await store.requestLog.query({ tenant })).length === 1;
    } catch {
      return false;
    }
  }, 'the log entry appended during the outage to be written');
  assert.deepEqual(store.health(), { ready: true });
  assert.equal((await store.keys.findByHash(hash))?.tenant, 't');
});
