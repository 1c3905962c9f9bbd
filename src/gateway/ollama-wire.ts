/**
 * Ollama's native API on the client side (issue #13), so tools that only know Ollama reach every
 * deployment (cloud included) under the same routing, guard, budgets, cost and request log:
 * `POST /api/chat` and `POST /api/generate` are ChatWires over the chat pipeline (NDJSON
 * streaming, Ollama's default when `stream` is absent; one JSON object with `stream: false`),
 * `POST /api/embed` and the legacy `POST /api/embeddings` are EmbeddingsWires over the embeddings
 * pipeline, and `GET /api/tags`, `POST /api/show`, `GET /api/version` describe the gateway's
 * models. Errors are Ollama's `{"error": "..."}` with the HTTP status of the failure; mid-stream,
 * the last NDJSON line. Translation lives in src/api/ollama/.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md , https://docs.ollama.com/api/errors
 */
import {
  canonicalToOllamaEmbed,
  canonicalToOllamaLegacyEmbeddings,
  ollamaEmbedToCanonical,
  ollamaLegacyEmbeddingsToCanonical,
} from '../api/ollama/embed.js';
import { ollamaShow, ollamaTags, type OllamaModelFacts } from '../api/ollama/models.js';
import {
  chatLoadReason,
  generateLoadReason,
  ollamaChatToCanonical,
  ollamaGenerateToCanonical,
  type LoadReason,
} from '../api/ollama/request.js';
import {
  canonicalToOllamaChat,
  canonicalToOllamaGenerate,
  ollamaError,
  ollamaErrorFormat,
  ollamaLoadAnswer,
} from '../api/ollama/response.js';
import {
  parseOllamaChat,
  parseOllamaEmbed,
  parseOllamaGenerate,
  parseOllamaLegacyEmbeddings,
  parseOllamaShow,
} from '../api/ollama/schema.js';
import { canonicalStreamToOllama } from '../api/ollama/stream.js';
import type { ChatRequest } from '../api/types.js';
import type { MeridianError } from '../errors.js';
import type { Deployment } from '../providers/spec.js';
import { readJsonBody, sendErrorAs, sendJson } from '../server/http-util.js';
import { handleChatWire } from './chat.js';
import { assertModelAllowed, type RequestContext } from './context.js';
import { handleEmbeddingsWire, type EmbeddingsWire } from './embeddings.js';
import type { GatewayServices } from './services.js';
import { writeTranslatedStream } from './stream-response.js';
import type { ChatWire } from './wire.js';

/**
 * The Ollama API level whose documented endpoints and fields Meridian serves. Clients gate
 * features (tools, structured outputs, `think`) on this version, so it names an Ollama release,
 * not Meridian's own version.
 */
export const OLLAMA_API_VERSION = '0.12.0';

const NDJSON = 'application/x-ndjson';

/** Ollama's error body (ollamaErrorFormat, also the route table's for failures before the handler). */
const sendOllamaError = (res: RequestContext['res'], err: unknown): MeridianError => sendErrorAs(res, err, ollamaErrorFormat);

/** Names in `/api/tags` and `modified_at` in `/api/show`: the gateway's start, the closest thing to a model file's date. */
const startedAt = new Date().toISOString();

/** A load/unload request (no messages, no prompt): nothing to run, answered without the pipeline. */
class NothingToRun {
  constructor(
    readonly model: string,
    readonly reason: LoadReason,
  ) {}
}

type Kind = 'chat' | 'generate';

/** One wire per request: answers echo the model name the client sent and are timed from its arrival. */
function ollamaChatWire(ctx: RequestContext, kind: Kind): ChatWire {
  let model = '';
  const parse = (body: unknown): ChatRequest => {
    if (kind === 'chat') {
      const r = parseOllamaChat(body);
      const load = chatLoadReason(r);
      if (load) throw new NothingToRun(r.model, load);
      return ollamaChatToCanonical(r);
    }
    const r = parseOllamaGenerate(body);
    const load = generateLoadReason(r);
    if (load) throw new NothingToRun(r.model, load);
    return ollamaGenerateToCanonical(r);
  };
  return {
    parse(body) {
      const request = parse(body);
      model = request.model;
      return request;
    },

    sendResponse(res, response, _raw, headers, fields) {
      const timing = { startMs: ctx.start, endMs: performance.now() };
      const body = kind === 'chat' ? canonicalToOllamaChat(response, model, timing) : canonicalToOllamaGenerate(response, model, timing);
      sendJson(res, 200, { ...body, ...fields }, headers);
    },

    writeStream(res, events, opts) {
      return writeTranslatedStream(
        res,
        events,
        opts,
        async function* (chunks) {
          for await (const line of canonicalStreamToOllama(chunks, { kind, model, startMs: ctx.start })) yield `${JSON.stringify(line)}\n`;
        },
        // Ollama's mid-stream failure: an error line instead of the `done: true` object (the ollama clients throw it).
        (e) => `${JSON.stringify(ollamaError(e.message))}\n`,
        NDJSON,
      );
    },

    sendError: sendOllamaError,
  };
}

async function handleOllamaChatWire(g: GatewayServices, ctx: RequestContext, kind: Kind): Promise<void> {
  try {
    await handleChatWire(g, ctx, ollamaChatWire(ctx, kind));
  } catch (err) {
    if (!(err instanceof NothingToRun)) throw err;
    // Still only for a model this key may use and the gateway knows (403 / 404 otherwise).
    assertModelAllowed(ctx.principal, err.model);
    g.catalog.resolve(err.model);
    sendJson(ctx.res, 200, ollamaLoadAnswer(kind, err.model, err.reason));
  }
}

/** POST /api/chat */
export function handleOllamaChat(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleOllamaChatWire(g, ctx, 'chat');
}

/** POST /api/generate */
export function handleOllamaGenerate(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleOllamaChatWire(g, ctx, 'generate');
}

function ollamaEmbedWire(ctx: RequestContext, legacy: boolean): EmbeddingsWire {
  return legacy
    ? {
        parse: (body) => ollamaLegacyEmbeddingsToCanonical(parseOllamaLegacyEmbeddings(body)),
        answer: (response) => canonicalToOllamaLegacyEmbeddings(response),
        sendError: sendOllamaError,
      }
    : {
        parse: (body) => ollamaEmbedToCanonical(parseOllamaEmbed(body)),
        answer: (response, request) => canonicalToOllamaEmbed(response, request.model, performance.now() - ctx.start),
        sendError: sendOllamaError,
      };
}

/** POST /api/embed */
export function handleOllamaEmbed(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleEmbeddingsWire(g, ctx, ollamaEmbedWire(ctx, false));
}

/** POST /api/embeddings (legacy: one prompt, one vector) */
export function handleOllamaLegacyEmbeddings(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleEmbeddingsWire(g, ctx, ollamaEmbedWire(ctx, true));
}

/** GET /api/tags: the aliases and discovered `provider/model` names, or only the names a limited key may use. */
export function handleOllamaTags(g: GatewayServices, ctx: RequestContext): void {
  const allowed = ctx.principal.models;
  const names = allowed?.length ? allowed.filter((name) => servable(g, name)) : g.catalog.modelIds();
  sendJson(ctx.res, 200, ollamaTags(names, startedAt));
}

/** A name the catalog can resolve without remembering a new direct deployment: an alias or `<configured provider>/…`. */
function servable(g: GatewayServices, name: string): boolean {
  const slash = name.indexOf('/');
  return g.catalog.aliasNames().includes(name) || (slash > 0 && g.catalog.providers.has(name.slice(0, slash)));
}

/** POST /api/show: what the catalog knows of a name, over every deployment it may route to (404 when unknown). */
export async function handleOllamaShow(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const { model } = parseOllamaShow(await readJsonBody(ctx.req, g.config.server.bodyLimitBytes));
  assertModelAllowed(ctx.principal, model);
  const { deployments } = g.catalog.resolve(model);
  sendJson(ctx.res, 200, ollamaShow(factsOf(model, deployments), startedAt));
}

/** The router picks a capable deployment per request, so a capability any candidate has is one the name offers. */
function factsOf(name: string, deployments: readonly Deployment[]): OllamaModelFacts {
  const chat = deployments.filter((d) => !d.capabilities.embeddings);
  const windows = deployments.flatMap((d) => (d.capabilities.contextWindow ? [d.capabilities.contextWindow] : []));
  return {
    name,
    completion: chat.length > 0,
    embedding: deployments.some((d) => d.capabilities.embeddings),
    tools: chat.some((d) => d.capabilities.tools),
    vision: chat.some((d) => d.capabilities.vision),
    thinking: chat.some((d) => d.capabilities.reasoning === true),
    ...(windows.length ? { contextWindow: Math.max(...windows) } : {}),
  };
}

/** GET /api/version */
export function handleOllamaVersion(_g: GatewayServices, ctx: RequestContext): void {
  sendJson(ctx.res, 200, { version: OLLAMA_API_VERSION });
}
