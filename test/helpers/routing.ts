/**
 * Fault-injecting OpenAI-compatible engines for the routing integration tests
 * (test/integration/routing-*.test.ts): each fake answers `GET /v1/models`, records every chat
 * request, tracks how many are in flight at once, and answers chats with a swappable behaviour
 * (ok, slow, error status, hang, stream that dies before or after its first byte).
 */
import { createServer as createTcpServer } from 'node:net';
import type { ServerResponse } from 'node:http';
import { sendJson, startUpstream, type FakeUpstream, type RecordedRequest } from './upstream.js';

export type Behaviour = (req: RecordedRequest, res: ServerResponse, engine: FakeEngine) => void | Promise<void>;

export interface FakeEngine {
  name: string;
  upstream: FakeUpstream;
  /** `baseUrl` for an openai-compatible provider. */
  baseUrl: string;
  /** Chat completion requests received (health probes and model lists excluded). */
  chats: RecordedRequest[];
  /** Most chat requests in flight at the same time since the last reset. */
  maxInFlight: number;
  inFlight: number;
  behave(b: Behaviour): void;
  /** Clears recorded chats and the concurrency high-water mark; behaviour back to `ok()`. */
  reset(): void;
  close(): Promise<void>;
}

export function completion(model: string, content: string): object {
  return {
    id: `chatcmpl-${model}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  };
}

function chunk(model: string, delta: object, finish: string | null = null): string {
  return JSON.stringify({
    id: `chatcmpl-${model}`,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers as `engine.name` (a completion, or an SSE stream when asked), after `delayMs`. */
export function ok(delayMs = 0): Behaviour {
  return async (req, res, engine) => {
    if (delayMs) await sleep(delayMs);
    if (res.destroyed) return;
    const model = String(req.json?.model ?? '?');
    const text = `hello from ${engine.name}`;
    if (req.json?.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${chunk(model, { role: 'assistant', content: '' })}\n\n`);
      res.write(`data: ${chunk(model, { content: text })}\n\n`);
      res.write(`data: ${chunk(model, {}, 'stop')}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    sendJson(res, 200, completion(model, text));
  };
}

/** An OpenAI-style error with this status (and headers such as `retry-after`). */
export function fail(status: number, message = `engine error ${status}`, headers: Record<string, string> = {}): Behaviour {
  return (_req, res) => sendJson(res, status, { error: { message, type: 'server_error' } }, headers);
}

/** Never answers (until the gateway gives up or the engine closes). */
export function hang(): Behaviour {
  return () => undefined;
}

/** 200 and SSE headers, then the connection drops before any event. */
export function dropBeforeFirstEvent(): Behaviour {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    setTimeout(() => res.socket?.destroy(), 20);
  };
}

/** Streams two content events, then the connection drops (no `[DONE]`). */
export function dieMidStream(): Behaviour {
  return async (req, res, engine) => {
    const model = String(req.json?.model ?? '?');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${chunk(model, { role: 'assistant', content: '' })}\n\n`);
    res.write(`data: ${chunk(model, { content: `partial from ${engine.name}` })}\n\n`);
    await sleep(50);
    res.socket?.destroy();
  };
}

export async function startFakeEngine(name: string, behaviour: Behaviour = ok()): Promise<FakeEngine> {
  let current = behaviour;
  const engine: FakeEngine = {
    name,
    upstream: undefined as unknown as FakeUpstream,
    baseUrl: '',
    chats: [],
    maxInFlight: 0,
    inFlight: 0,
    behave: (b) => {
      current = b;
    },
    reset: () => {
      engine.chats.length = 0;
      engine.maxInFlight = 0;
      current = ok();
    },
    close: () => engine.upstream.close(),
  };
  engine.upstream = await startUpstream(async (req, res) => {
    if (req.method === 'GET' && req.url.endsWith('/models'))
      return sendJson(res, 200, { object: 'list', data: [{ id: 'm', object: 'model' }] });
    engine.chats.push(req);
    engine.inFlight++;
    engine.maxInFlight = Math.max(engine.maxInFlight, engine.inFlight);
    res.once('close', () => engine.inFlight--);
    await current(req, res, engine);
  });
  engine.baseUrl = `${engine.upstream.url}/v1`;
  return engine;
}

/** A loopback port with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface ChatReply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
  ms: number;
}

/** POSTs a chat request to the gateway and reads the whole answer. */
export async function postChat(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  path = '/v1/chat/completions',
): Promise<ChatReply> {
  const t0 = performance.now();
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Say hello.' }], ...body }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body: json, text, ms: performance.now() - t0 };
}

/** `x-meridian-route` split into its parts. */
export function route(reply: ChatReply): { deployment: string; reason: string; strategy: string } {
  const h = reply.headers.get('x-meridian-route') ?? '';
  const [deployment = '', ...parts] = h.split(';').map((s) => s.trim());
  const kv = Object.fromEntries(parts.map((p) => p.split('=') as [string, string]));
  return { deployment, reason: kv.reason ?? '', strategy: kv.strategy ?? '' };
}

export interface LoggedAttempt {
  deployment: string;
  location: string;
  ok: boolean;
  error?: { code: string; message: string; status: number };
  retries?: number;
  reason?: string;
}

export interface LoggedRequest {
  id: string;
  alias: string;
  tenant?: string;
  deployment?: string;
  location?: string;
  routeReason?: string;
  status: number;
  errorCode?: string;
  attempts: LoggedAttempt[];
}

/** The gateway's request log through the admin API (newest first, as the store returns it). */
export async function requestLog(url: string, masterKey: string, query = ''): Promise<LoggedRequest[]> {
  const res = await fetch(`${url}/admin/requests${query ? `?${query}` : ''}`, { headers: { authorization: `Bearer ${masterKey}` } });
  if (res.status !== 200) throw new Error(`GET /admin/requests answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: LoggedRequest[] }).data;
}

/** The log entry of one request, by its `x-request-id`. */
export async function logEntry(url: string, masterKey: string, reply: ChatReply): Promise<LoggedRequest> {
  const id = reply.headers.get('x-request-id');
  const all = await requestLog(url, masterKey, 'limit=1000');
  const hit = all.find((e) => e.id === id);
  if (!hit) throw new Error(`request ${id} is not in the request log (${all.length} entries)`);
  return hit;
}
