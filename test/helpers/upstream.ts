/**
 * A fake upstream on 127.0.0.1 (port 0) for contract and integration tests: records every
 * request and answers with a handler the test provides.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  setHandler(h: Handler): void;
  close(): Promise<void>;
  server: Server;
}

export async function startUpstream(handler: Handler): Promise<FakeUpstream> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, json };
      requests.push(rec);
      Promise.resolve(current(rec, res)).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    server,
    setHandler: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An SSE event with an explicit `event:` name (or an explicit data payload). */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/**
 * Writes SSE events, then ends: a string is written as `data: <string>`, an `SseEvent` (an object
 * with a `data` key and at most an `event` key besides) with its name, any other object as
 * `data: <JSON>`.
 */
export async function sendSse(res: ServerResponse, events: Array<string | SseEvent | object>, delayMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) {
    if (typeof e === 'string') res.write(`data: ${e}\n\n`);
    else if (isSseEvent(e))
      res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`);
    else res.write(`data: ${JSON.stringify(e)}\n\n`);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  }
  res.end();
}

/** Writes NDJSON lines (Ollama streaming), then ends. */
export async function sendNdjson(res: ServerResponse, lines: unknown[], delayMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const l of lines) {
    res.write(JSON.stringify(l) + '\n');
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  }
  res.end();
}

function isSseEvent(e: object): e is SseEvent {
  const keys = Object.keys(e);
  return keys.includes('data') && keys.every((k) => k === 'data' || k === 'event');
}
