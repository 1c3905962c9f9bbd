/**
 * Record/replay for the mock server. Record mode proxies each request to a real upstream and
 * saves the exchange as one JSON cassette; replay mode answers from cassettes matched on
 * method + path + normalized body (JSON with sorted keys). An unmatched request gets a 404 that
 * names the closest cassette and where the bodies first differ, so a changed prompt is obvious.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { request as undiciRequest } from 'undici';
import { ConfigError } from '../errors.js';
import { hashHex, stableStringify } from './determinism.js';
import { sendJson, write } from './http-util.js';

export interface Cassette {
  recorded_at: string;
  request: { method: string; path: string; body: unknown };
  response: {
    status: number;
    headers: Record<string, string>;
    /** Parsed JSON body (JSON responses). */
    body?: unknown;
    /** Raw body text (SSE, NDJSON or anything that is not JSON), written back byte for byte. */
    body_text?: string;
  };
}

/** Response headers worth keeping; hop-by-hop and credential-bearing ones are dropped. */
const KEPT_RESPONSE_HEADERS = ['content-type', 'retry-after', 'x-request-id', 'openai-model', 'anthropic-version', 'x-mock-rule'];
/** Request headers never forwarded as-is (the proxy sets its own) and never stored. */
const DROPPED_REQUEST_HEADERS = new Set(['host', 'connection', 'content-length', 'accept-encoding', 'transfer-encoding', 'keep-alive']);

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function cassetteKey(method: string, path: string, body: unknown): string {
  return `${method.toUpperCase()} ${path} ${stableStringify(body ?? null)}`;
}

export function cassetteFileName(method: string, path: string, body: unknown): string {
  const slug =
    path
      .replace(/\?.*$/, '')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'root';
  return `${method.toUpperCase()}-${slug}-${hashHex(cassetteKey(method, path, body), 10)}.json`;
}

/** Proxies one request to `upstream` and saves the exchange under `dir`. */
export async function recordExchange(upstream: string, dir: string, req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!DROPPED_REQUEST_HEADERS.has(k) && typeof v === 'string') headers[k] = v;
  }
  const target = new URL(upstream.replace(/\/+$/, '') + path);
  let up;
  try {
    up = await undiciRequest(target, { method: method as 'GET', headers, body: raw.length ? raw : null });
  } catch (err) {
    sendJson(res, 502, {
      error: {
        message: `Record mode: upstream ${target.origin} unreachable (${(err as { code?: string }).code ?? 'error'}).`,
        type: 'upstream_error',
        code: 'record_upstream_unreachable',
        param: null,
      },
    });
    return;
  }
  const kept: Record<string, string> = {};
  for (const name of KEPT_RESPONSE_HEADERS) {
    const v = up.headers[name];
    if (typeof v === 'string') kept[name] = v;
  }
  res.writeHead(up.statusCode, kept);
  // Stream through while keeping a copy, so a recorded stream still reaches the client live.
  const parts: Buffer[] = [];
  try {
    for await (const part of up.body as AsyncIterable<Buffer>) {
      parts.push(part);
      await write(res, part);
    }
  } catch {
    res.socket?.destroy();
    return;
  }
  res.end();
  const bodyRaw = Buffer.concat(parts);
  const isJson = (kept['content-type'] ?? '').includes('json') && !(kept['content-type'] ?? '').includes('ndjson');
  const parsed = isJson ? parseBody(bodyRaw) : undefined;
  const cassette: Cassette = {
    recorded_at: new Date().toISOString(),
    request: { method, path, body: parseBody(raw) },
    response: {
      status: up.statusCode,
      headers: kept,
      ...(isJson && typeof parsed !== 'string' ? { body: parsed } : { body_text: bodyRaw.toString('utf8') }),
    },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, cassetteFileName(method, path, cassette.request.body)), JSON.stringify(cassette, null, 2) + '\n');
}

export interface LoadedCassette {
  file: string;
  key: string;
  normalizedBody: string;
  cassette: Cassette;
}

export class CassetteLibrary {
  private readonly byKey = new Map<string, LoadedCassette>();
  readonly all: LoadedCassette[] = [];

  constructor(readonly dir: string) {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((n) => n.endsWith('.json'))
        .sort();
    } catch {
      throw new ConfigError(`Replay: cannot read cassette folder '${dir}'.`);
    }
    for (const file of names) {
      let cassette: Cassette;
      try {
        cassette = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Cassette;
      } catch {
        throw new ConfigError(`Replay: cassette '${file}' is not valid JSON.`);
      }
      const { method, path, body } = cassette.request;
      const entry = { file, key: cassetteKey(method, path, body), normalizedBody: stableStringify(body ?? null), cassette };
      this.byKey.set(entry.key, entry);
      this.all.push(entry);
    }
  }

  find(method: string, path: string, body: unknown): LoadedCassette | undefined {
    return this.byKey.get(cassetteKey(method, path, body));
  }

  /** The most similar cassette and a score in 0..1 (method 0.2, path 0.3, body 0.5). */
  closest(method: string, path: string, body: unknown): { entry: LoadedCassette; score: number } | undefined {
    const normalized = stableStringify(body ?? null);
    let best: { entry: LoadedCassette; score: number } | undefined;
    for (const entry of this.all) {
      const score =
        (entry.cassette.request.method.toUpperCase() === method.toUpperCase() ? 0.2 : 0) +
        (entry.cassette.request.path === path ? 0.3 : 0) +
        0.5 * diceSimilarity(entry.normalizedBody, normalized);
      if (!best || score > best.score) best = { entry, score };
    }
    return best;
  }
}

export function serveCassette(entry: LoadedCassette, res: ServerResponse): void {
  const r = entry.cassette.response;
  const text = r.body_text ?? JSON.stringify(r.body ?? null);
  res.writeHead(r.status, { ...r.headers, 'x-mock-cassette': entry.file });
  res.end(text);
}

export function sendNoCassette(library: CassetteLibrary, method: string, path: string, body: unknown, res: ServerResponse): void {
  const near = library.closest(method, path, body);
  let message = `Replay: no cassette in '${library.dir}' matches ${method} ${path}.`;
  if (near) {
    const req = near.entry.cassette.request;
    const diff =
      req.method.toUpperCase() !== method.toUpperCase() || req.path !== path
        ? `${req.method} ${req.path}`
        : firstDifference(req.body, body, 'body');
    message += ` Closest cassette: '${near.entry.file}' (similarity ${near.score.toFixed(2)}); first difference at ${diff}.`;
  } else {
    message += ' The folder has no cassettes; record some with --record.';
  }
  sendJson(res, 404, {
    error: { message, type: 'not_found_error', code: 'cassette_not_found', param: null },
    ...(near ? { closest: { file: near.entry.file, similarity: Number(near.score.toFixed(4)) } } : {}),
  });
}

/** Path of the first place two JSON values differ, e.g. `body.messages[0].content`. */
export function firstDifference(a: unknown, b: unknown, path: string): string {
  if (stableStringify(a) === stableStringify(b)) return '(none)';
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (stableStringify(a[i]) !== stableStringify(b[i])) return firstDifference(a[i], b[i], `${path}[${i}]`);
    }
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
      if (stableStringify(ao[k]) !== stableStringify(bo[k])) return firstDifference(ao[k], bo[k], `${path}.${k}`);
    }
  }
  return path;
}

/** Sørensen–Dice coefficient over character bigrams: 1 for equal texts, near 0 for unrelated. */
export function diceSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const x = a.slice(0, 20_000);
  const y = b.slice(0, 20_000);
  if (x.length < 2 || y.length < 2) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < x.length - 1; i++) {
    const g = x.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < y.length - 1; i++) {
    const g = y.slice(i, i + 2);
    const n = grams.get(g) ?? 0;
    if (n > 0) {
      grams.set(g, n - 1);
      shared++;
    }
  }
  return (2 * shared) / (x.length - 1 + y.length - 1);
}
