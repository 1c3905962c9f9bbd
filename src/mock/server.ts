/**
 * `meridian mock`: an HTTP server (node:http) that speaks OpenAI, Anthropic and Ollama wire
 * formats from the deterministic mock engine, or proxies-and-records (`record`) / replays
 * (`replay`) cassettes. Used by scenario tests in CI, where there is no GPU and no key.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CassetteLibrary, recordExchange, sendNoCassette, serveCassette } from './cassettes.js';
import { MockEngine } from './engine.js';
import { HttpError, parseJsonBody, readBody, sendJson } from './http-util.js';
import { anthropicMessages, anthropicSurface } from './anthropic-surface.js';
import { ollamaChat, ollamaEmbed, ollamaSurface, ollamaTags } from './ollama-surface.js';
import { openaiChat, openaiEmbeddings, openaiModels, openaiSurface } from './openai-surface.js';
import { openaiTranscriptions, whisperInference } from './audio-surface.js';
import { loadRulesFile, type MockRulesFile } from './rules.js';

export interface MockServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Rules inline, or `rulesFile` to load. */
  rules?: MockRulesFile;
  rulesFile?: string;
  /** Proxy every request to this upstream and save cassettes in `cassettes`. */
  record?: { upstream: string; cassettes: string };
  /** Serve only from the cassettes in this folder. */
  replay?: string;
}

export interface MockServer {
  url: string;
  port: number;
  engine: MockEngine;
  close(): Promise<void>;
}

type Route = (engine: MockEngine, body: any, req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

const ROUTES: Record<string, Route> = {
  'POST /v1/chat/completions': openaiChat,
  'POST /chat/completions': openaiChat,
  'POST /v1/embeddings': openaiEmbeddings,
  'POST /embeddings': openaiEmbeddings,
  'GET /v1/models': (engine, _body, _req, res) => openaiModels(engine, res),
  'GET /models': (engine, _body, _req, res) => openaiModels(engine, res),
  'POST /v1/messages': anthropicMessages,
  'POST /api/chat': ollamaChat,
  'POST /api/embed': ollamaEmbed,
  'GET /api/tags': (engine, _body, _req, res) => ollamaTags(engine, res),
  'GET /api/version': (_engine, _body, _req, res) => sendJson(res, 200, { version: '0.0.0-mock' }),
  'GET /health': (_engine, _body, _req, res) => sendJson(res, 200, { status: 'ok', mock: true }),
};

/** Multipart routes: they read the raw body themselves (speech to text). */
const RAW_ROUTES: Record<string, (engine: MockEngine, raw: Buffer, req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
  'POST /v1/audio/transcriptions': openaiTranscriptions,
  'POST /audio/transcriptions': openaiTranscriptions,
  'POST /v1/audio/translations': openaiTranscriptions,
  'POST /audio/translations': openaiTranscriptions,
  // whisper.cpp's whisper-server (https://github.com/ggml-org/whisper.cpp/tree/master/examples/server).
  'POST /inference': whisperInference,
};

function surfaceFor(path: string) {
  if (path.startsWith('/api/')) return ollamaSurface;
  if (path.startsWith('/v1/messages')) return anthropicSurface;
  return openaiSurface;
}

export async function startMockServer(opts: MockServerOptions = {}): Promise<MockServer> {
  const rules = opts.rules ?? (opts.rulesFile ? loadRulesFile(opts.rulesFile) : undefined);
  const engine = new MockEngine(rules ? { rules } : {});
  const library = opts.replay ? new CassetteLibrary(opts.replay) : undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : `Mock server error: ${(err as Error)?.message ?? String(err)}`;
      const type = err instanceof HttpError ? err.type : 'server_error';
      const code = err instanceof HttpError ? err.code : 'mock_internal_error';
      if (res.headersSent) res.socket?.destroy();
      else sendJson(res, status, surfaceFor(req.url ?? '/').errorBody(status, message, type, code));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    if (opts.record) return recordExchange(opts.record.upstream, opts.record.cassettes, req, res, raw);
    if (library) {
      const body = raw.length ? parseJsonBodyOrText(raw) : null;
      const hit = library.find(method, url, body);
      if (hit) return serveCassette(hit, res);
      return sendNoCassette(library, method, url, body, res);
    }
    const path = url.replace(/\?.*$/, '');
    const rawRoute = RAW_ROUTES[`${method} ${path}`];
    if (rawRoute) return rawRoute(engine, raw, req, res);
    const route = ROUTES[`${method} ${path}`];
    if (!route) throw new HttpError(404, `The mock does not serve ${method} ${path}. Known: ${Object.keys(ROUTES).join(', ')}.`);
    await route(engine, method === 'POST' ? parseJsonBody(raw) : undefined, req, res);
  }

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    engine,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseJsonBodyOrText(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return raw.toString('utf8');
  }
}
