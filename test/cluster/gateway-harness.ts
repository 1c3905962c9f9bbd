/**
 * Real gateway replicas for cluster tests: each one is `meridian serve` in its own process, started
 * the way a user would (`node --import tsx src/cli/main.ts serve --config FILE --port N`, the
 * master key in the environment), all on one fresh PostgreSQL schema and one fresh Redis key
 * prefix (`store.redisPrefix`), both removed by `destroy()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePostgresHarness, REDIS_URL } from './store-harness.js';

export const MASTER_KEY = 'cluster-master-key-0123456789abcdef';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'src/cli/main.ts');

export interface Replica {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Everything the process wrote so far (for failure messages). */
  output(): string;
}

export interface Cluster {
  replicas: Replica[];
  postgresUrl: string;
  schema: string;
  configFile: string;
  destroy(): Promise<void>;
}

/** A port that was free a moment ago (the replicas take explicit ports, as users would). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `count` replicas over `upstreamUrl` (an OpenAI-compatible fake) sharing one fresh store. */
export async function startCluster(upstreamUrl: string, count = 2, extraConfig: Record<string, unknown> = {}): Promise<Cluster> {
  const harness = await makePostgresHarness();
  const dir = mkdtempSync(join(tmpdir(), 'meridian-cluster-'));
  const configFile = join(dir, 'meridian.json');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        log: { level: 'info', requests: true },
        store: { postgres: harness.postgresUrl, redis: REDIS_URL, redisPrefix: harness.redisPrefix },
        providers: [{ id: 'fake', type: 'openai-compatible', baseUrl: `${upstreamUrl}/v1`, location: 'local' }],
        models: { chat: [{ provider: 'fake', model: 'm' }] },
        router: { healthIntervalMs: 0 },
        ...extraConfig,
      },
      null,
      2,
    ),
  );
  const replicas: Replica[] = [];
  const destroy = async () => {
    for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    rmSync(dir, { recursive: true, force: true });
    await harness.destroy();
  };
  try {
    // Started together: both run migrations at the same moment on the empty schema.
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    replicas.push(...ports.map((port) => spawnReplica(configFile, port)));
    await Promise.all(replicas.map((r) => waitReady(r)));
  } catch (err) {
    await destroy();
    throw err;
  }
  return { replicas, postgresUrl: harness.postgresUrl, schema: harness.schema, configFile, destroy };
}

function spawnReplica(configFile: string, port: number): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--config', configFile, '--port', String(port)], {
    cwd: repoRoot,
    env: { ...process.env, MERIDIAN_MASTER_KEY: MASTER_KEY, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { url: `http://127.0.0.1:${port}`, port, child, exited, output: () => out };
}

async function waitReady(r: Replica, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void r.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`replica on :${r.port} exited before it was ready:\n${r.output()}`);
    try {
      const res = await fetch(`${r.url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((res) => setTimeout(res, 150));
  }
  throw new Error(`replica on :${r.port} not ready after ${timeoutMs} ms:\n${r.output()}`);
}

/** Calls the admin API with the master key. */
export async function admin<T = unknown>(baseUrl: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
}

/** A chat completion request; resolves with the status and the body text (never throws on HTTP errors). */
export async function chat(
  baseUrl: string,
  opts: { key?: string; content?: string; requestId?: string; stream?: boolean; maxTokens?: number; model?: string } = {},
): Promise<{ status: number; body: string; code?: string }> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.requestId ? { 'x-request-id': opts.requestId } : {}),
    },
    body: JSON.stringify({
      model: opts.model ?? 'chat',
      ...(opts.stream ? { stream: true } : {}),
      ...(opts.maxTokens ? { max_tokens: opts.maxTokens } : {}),
      messages: [{ role: 'user', content: opts.content ?? 'hello there' }],
    }),
  });
  const body = await res.text();
  let code: string | undefined;
  if (res.status !== 200) {
    try {
      code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
    } catch {
      // not JSON
    }
  }
  return { status: res.status, body, ...(code ? { code } : {}) };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
