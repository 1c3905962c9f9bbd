/**
 * The provider contract. An adapter translates one wire protocol to and from the canonical
 * types in `src/api/types.ts`; the core only calls these methods and reads these flags.
 *
 * Dependencies go one way: `spec.ts` ← `shared/` ← one folder per wire protocol ← `registry.ts`.
 */
import type { Dispatcher } from 'undici';
import type { ChatRequest, ChatResponse, EmbeddingsRequest, EmbeddingsResponse, RelayEvent, StreamEvent } from '../api/types.js';

/** Where a deployment runs; policies restrict and rank by it. */
export type Location = 'local' | 'private' | 'cloud';

/** A provider entry from config (after validation and `${ENV}` interpolation). */
export interface ProviderConfig {
  /** Unique id, used in `provider/model` names and in `x-meridian-route`. */
  id: string;
  /** Key into the adapter table (`openai`, `openai-compatible`, `anthropic`, `gemini`, `ollama`, `mock`, `bedrock`…). */
  type: string;
  /** Base URL without trailing slash; defaults to `adapter.defaultBaseUrl`. */
  baseUrl?: string;
  /** Secret. Never logged, never echoed in an error. */
  apiKey?: string;
  location: Location;
  /** Extra headers sent upstream on every request. */
  headers?: Record<string, string>;
  /** Per-attempt timeout in ms for this provider (overrides the router default). */
  timeoutMs?: number;
  /**
   * Longest silence between two chunks of a streamed response (ms); past it the stream fails
   * with an UpstreamTimeoutError and the upstream body is cancelled. Default 60 000 (see
   * `shared/upstream-body.ts`); 0 turns it off.
   */
  streamIdleTimeoutMs?: number;
  /** Adapter-specific settings (e.g. `anthropicVersion`, mock rules file). */
  options?: Record<string, unknown>;
}

/** A provider ready to call: config plus a pooled HTTP dispatcher made once at start. */
export interface ProviderHandle {
  readonly id: string;
  readonly type: string;
  readonly config: ProviderConfig;
  /** Resolved base URL (config or adapter default), no trailing slash. */
  readonly baseUrl: string;
  readonly location: Location;
  /** undici pool for this provider's origin; shared by all its deployments. */
  readonly http: Dispatcher;
  readonly adapter: ProviderAdapter;
}

export interface Capabilities {
  /** Context window in tokens, when known. */
  contextWindow?: number;
  tools: boolean;
  vision: boolean;
  jsonSchema: boolean;
  embeddings: boolean;
  reasoning?: boolean;
  /** Speech to text (`/v1/audio/transcriptions`, whisper-server `/inference`): docs/audio.md. */
  audio?: boolean;
}

/** USD per 1M tokens. */
export interface Price {
  input: number;
  cachedInput?: number;
  output: number;
  /** USD per minute of audio transcribed (Whisper-class models), read from the file's own header. */
  audioPerMinute?: number;
}

/** provider + model: the unit the router chooses among. */
export interface Deployment {
  /** `${provider.id}/${model}`. */
  id: string;
  provider: ProviderHandle;
  /** The model name the upstream knows. */
  model: string;
  location: Location;
  capabilities: Capabilities;
  price?: Price;
  /** Requests in flight at once before the deployment counts as saturated. */
  maxConcurrency?: number;
  weight?: number;
  /** Load the model when the gateway starts (`warm: true` in config), so the first request finds it warm. */
  warm?: boolean;
}

/** What a discovery call (`/v1/models`, `/api/tags`…) found. */
export interface DiscoveredModel {
  id: string;
  capabilities?: Partial<Capabilities>;
}

export interface ChatCall {
  /** Canonical request; `model` is already the upstream model name. */
  request: ChatRequest;
  deployment: Deployment;
  /**
   * Fires when the client disconnects, the overall deadline passes or the attempt times out.
   * `signal.reason.name === 'TimeoutError'` means a timeout.
   */
  signal: AbortSignal;
  /**
   * The caller writes the stream as OpenAI SSE and changes no content event (no restore, no cache
   * recording, n ≤ 1): an adapter that reads OpenAI SSE may answer `{type: 'relay'}`, handing plain
   * content events over as bytes. Others ignore it.
   */
  relay?: boolean;
}

export interface EmbedCall {
  request: EmbeddingsRequest;
  deployment: Deployment;
  signal: AbortSignal;
}

/**
 * Re-ranking: a cross-encoder scores each document against the query. The wire format llama.cpp's
 * server, vLLM, Jina and Cohere share (`POST /v1/rerank {model, query, documents, top_n}` →
 * `{results: [{index, relevance_score}]}`).
 */
export interface RerankCall {
  request: { query: string; documents: string[] };
  deployment: Deployment;
  signal: AbortSignal;
}

/** One score per document, by the document's index in the request; any order. */
export interface RerankResult {
  results: Array<{ index: number; relevance_score: number }>;
}

/** `transcriptions`: speech → text in its language; `translations`: speech → English text. */
export type AudioTask = 'transcriptions' | 'translations';

/**
 * A speech-to-text request in OpenAI's form fields
 * (https://platform.openai.com/docs/api-reference/audio/createTranscription).
 * The file is already read, bounded by `audio.maxBytes` and checked to be audio.
 */
export interface TranscriptionRequest {
  task: AudioTask;
  file: { data: Buffer; filename: string; contentType: string };
  model: string;
  language?: string;
  prompt?: string;
  responseFormat: 'json' | 'text' | 'srt' | 'vtt' | 'verbose_json';
  temperature?: number;
  timestampGranularities?: Array<'word' | 'segment'>;
  /** Stream the transcript as it is made (OpenAI's `transcript.text.delta` / `.done` events). */
  stream?: boolean;
}

/** One event of a streamed transcription: text as it comes, then the whole transcript. */
export type TranscriptionEvent = { type: 'delta'; delta: string } | { type: 'done'; text: string };

export interface TranscriptionSegment {
  id: number;
  start: number;
  end: number;
  text: string;
}

/** The canonical answer: OpenAI's `verbose_json` shape; the gateway renders the format the client asked for. */
export interface Transcription {
  text: string;
  language?: string;
  /** Seconds, when the upstream said. */
  duration?: number;
  segments?: TranscriptionSegment[];
  words?: Array<{ word: string; start: number; end: number }>;
}

export interface TranscribeCall {
  request: TranscriptionRequest;
  deployment: Deployment;
  signal: AbortSignal;
}

export type ChatResult =
  | {
      type: 'response';
      response: ChatResponse;
      /** Upstream bytes equal in meaning to `response` (pass-through), when available. */
      raw?: Buffer;
    }
  | {
      type: 'stream';
      /**
       * Canonical chunks in OpenAI order: role/content/tool-call deltas, one chunk with
       * `finish_reason`, then — when the upstream reported usage — one chunk with `choices: []`
       * and `usage` (as if `include_usage` were set; the server drops it if the client did not
       * ask). A failure mid-stream is thrown from the iterator as a MeridianError: an upstream
       * that ends without its end marker throws `upstream_truncated`, silence longer than
       * `streamIdleTimeoutMs` or the attempt signal firing throws an UpstreamTimeoutError.
       * `return()` on the iterator cancels the upstream body, even before the first `next()`.
       */
      events: AsyncIterable<StreamEvent>;
    }
  | {
      /** A stream asked for with `ChatCall.relay`: the same contract, with plain content events as bytes. */
      type: 'relay';
      events: AsyncIterable<RelayEvent>;
    };

/**
 * An OpenAI Responses API call passed through as the client wrote it (POST /v1/responses to an
 * upstream that serves the same API natively). `body` already names the deployment's model.
 */
export interface ResponsesCall {
  body: Record<string, unknown>;
  deployment: Deployment;
  signal: AbortSignal;
}

/** One Responses API streaming event: its SSE `event:` name and its parsed JSON data. */
export interface ResponsesWireEvent {
  event: string;
  data: Record<string, unknown> & { type: string };
}

export type ResponsesResult =
  | { type: 'response'; response: Record<string, unknown> }
  | {
      type: 'stream';
      /**
       * The upstream's events in order. Ends after `response.completed` or `response.incomplete`;
       * an `error` or `response.failed` event, or a body that ends before either, is thrown as a
       * MeridianError (as for `ChatResult` streams). `return()` cancels the upstream body.
       */
      events: AsyncIterable<ResponsesWireEvent>;
    };

/**
 * One wire protocol. Adapters are stateless objects; per-provider state lives in ProviderHandle.
 * They throw MeridianError subclasses (UpstreamError, UpstreamTimeoutError, InvalidRequestError
 * for input the target cannot represent) and never include credentials in messages.
 */
export interface ProviderAdapter {
  readonly type: string;
  /**
   * `gen_ai.provider.name` in traces: the OpenTelemetry GenAI conventions' well-known value for
   * this API (`openai`, `anthropic`, `gcp.gemini`); absent, the adapter type is used.
   */
  readonly genAiProviderName?: string;
  /** Used when the config gives no baseUrl (cloud APIs). */
  readonly defaultBaseUrl?: string;
  /** Location when the config names none (`cloud` when absent; `private` for a tenancy of one's own cloud account). */
  readonly defaultLocation?: Location;
  /** What every model behind this adapter can do, before config (whisper.cpp's server only transcribes). */
  readonly defaultCapabilities?: Partial<Capabilities>;
  /** Default port probed by discovery when no config file exists (local engines). */
  readonly discoveryUrl?: string;
  /** Checks `providers[].options` once at start; throws ConfigError naming the bad option. */
  checkOptions?(options: Record<string, unknown> | undefined): void;
  chat(call: ChatCall): Promise<ChatResult>;
  /**
   * The Responses API pass-through (`POST /responses`), for upstreams that serve it natively;
   * absent, a Responses request is translated to `chat`.
   */
  responses?(call: ResponsesCall): Promise<ResponsesResult>;
  /** Whether `responses` is used for this provider's deployments (its `options.responsesApi`). */
  speaksResponses?(provider: ProviderHandle): boolean;
  embed?(call: EmbedCall): Promise<EmbeddingsResponse>;
  /** Scores documents against a query (retrieval re-ranking, docs/rag.md). */
  rerank?(call: RerankCall): Promise<RerankResult>;
  /** Speech to text; adapters without it cannot serve `capability: audio` deployments. */
  transcribe?(call: TranscribeCall): Promise<Transcription>;
  /**
   * Streamed speech to text, where the upstream streams: resolves once the upstream accepted the
   * request (the attempt is committed then); the iterator ends after the `done` event or throws a
   * MeridianError (`upstream_truncated` when the stream stops before `done`).
   */
  transcribeStream?(call: TranscribeCall): Promise<AsyncIterable<TranscriptionEvent>>;
  /**
   * What the engine says about one model (context window, tools, vision…), where it says
   * (Ollama `/api/show`). Config still wins over it; the catalog fills in for cloud models.
   */
  modelCapabilities?(provider: ProviderHandle, model: string, signal: AbortSignal): Promise<Partial<Capabilities>>;
  /** Models the provider serves, for `/v1/models` and discovery. */
  listModels?(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]>;
  /**
   * What a local engine says about itself right now (Ollama `/api/ps`, vLLM and llama-server
   * `/metrics`, llama-server `/slots`, LM Studio's model list), so the router can tell a cold
   * model from a down one and a busy engine from a free one. Called by the health monitor, never
   * on the request path. A field left out = the engine does not say.
   */
  engineState?(provider: ProviderHandle, signal: AbortSignal): Promise<EngineState>;
  /** Model management on a local engine (`meridian models`), where its API offers it. */
  readonly lifecycle?: ModelLifecycle;
}

/** An installed model, as `meridian models list` shows it. */
export interface InstalledModel {
  name: string;
  sizeBytes?: number;
  modifiedAt?: string;
}

/** A model loaded in memory now. */
export interface LoadedModel {
  name: string;
  sizeBytes?: number;
  vramBytes?: number;
  /** When the engine will unload it (ISO time). */
  until?: string;
}

/** One progress report of a pull: a status line and, while downloading a layer, bytes done of total. */
export interface PullProgress {
  status: string;
  total?: number;
  completed?: number;
}

/** What an engine lets Meridian do with its models. Every verb is optional. */
export interface ModelLifecycle {
  installed?(provider: ProviderHandle, signal: AbortSignal): Promise<InstalledModel[]>;
  loaded?(provider: ProviderHandle, signal: AbortSignal): Promise<LoadedModel[]>;
  /** Resolves when the engine says the pull succeeded; throws UpstreamError otherwise. */
  pull?(provider: ProviderHandle, model: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void>;
  remove?(provider: ProviderHandle, model: string, signal: AbortSignal): Promise<void>;
  show?(provider: ProviderHandle, model: string, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** What to tell an operator whose engine lacks `model` (doctor's fix line), when the engine has its own way. */
  missingModelHint?(provider: ProviderHandle, model: string): string;
  /** Loads the model into memory and keeps it for `keepAlive` (engine duration syntax). */
  warm?(provider: ProviderHandle, model: string, keepAlive: string, signal: AbortSignal): Promise<void>;
}

/** A local engine's own view of its load. Every field is optional: engines expose different things. */
export interface EngineState {
  /** Model names loaded in memory; a deployment whose model is not listed is *cold*. */
  loadedModels?: string[];
  /** Requests queued inside the engine, not yet started. */
  waiting?: number;
  /** Requests being processed now. */
  running?: number;
  /** KV-cache in use, 0..1. */
  kvCacheUsage?: number;
}
