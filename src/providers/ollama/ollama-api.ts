/**
 * Ollama's native wire types (`/api/chat`, `/api/embed`, `/api/tags`, `/api/show`, `/api/ps`).
 * Response types are lenient on purpose: every field an older or newer server may omit is optional.
 *
 * References:
 * - https://github.com/ollama/ollama/blob/main/docs/api.md (chat, embed, tags, show, ps)
 * - https://docs.ollama.com/capabilities/thinking (`think`, `message.thinking`)
 * - https://docs.ollama.com/api/errors (`{"error": "..."}` bodies and mid-stream error lines)
 */

export type OllamaRole = 'system' | 'user' | 'assistant' | 'tool';

export interface OllamaToolCall {
  /** Newer servers attach an id; the documented shape has only `function`. */
  id?: string;
  function: {
    /** Position among the calls of one message (newer servers). */
    index?: number;
    name: string;
    /** A JSON object, not JSON text as in OpenAI's shape. */
    arguments: Record<string, unknown>;
  };
}

export interface OllamaMessage {
  role: OllamaRole;
  content: string;
  /** Reasoning trace of thinking models (`think` set). */
  thinking?: string;
  /** Base64-encoded images, without a `data:` prefix. */
  images?: string[] | null;
  tool_calls?: OllamaToolCall[];
  /** Tool messages: the name of the tool that produced this result. */
  tool_name?: string;
}

export interface OllamaTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** The subset of Modelfile parameters Meridian maps from canonical requests. */
export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  /** Maximum tokens to generate (OpenAI `max_tokens`). */
  num_predict?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  /** Context window to allocate; Ollama's default is small, so operators often raise it. */
  num_ctx?: number;
}

/** `think`: a boolean for most thinking models, a level for GPT-OSS. */
export type OllamaThink = boolean | 'low' | 'medium' | 'high';

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  tools?: OllamaTool[];
  /** `"json"` for JSON mode, or a JSON schema object for structured outputs. */
  format?: 'json' | Record<string, unknown>;
  options?: OllamaOptions;
  /** Ollama streams unless told `false`, so Meridian always sends it. */
  stream?: boolean;
  think?: OllamaThink;
  keep_alive?: string | number;
}

/** Counters on the final (`done: true`) object; durations are nanoseconds. */
export interface OllamaCounters {
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

/** A non-streamed response, or one NDJSON line of a streamed one. */
export interface OllamaChatResponse extends OllamaCounters {
  model?: string;
  created_at?: string;
  /** Absent on the final streamed line of older servers. */
  message?: Partial<OllamaMessage>;
  done?: boolean;
  /** `stop`, `length`, `load`, `unload`… */
  done_reason?: string;
  /** Set instead of everything else when the server failed (also mid-stream). */
  error?: string;
}

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  truncate?: boolean;
  dimensions?: number;
  keep_alive?: string | number;
}

export interface OllamaEmbedResponse {
  model?: string;
  embeddings?: number[][];
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
}

export interface OllamaModelDetails {
  parent_model?: string;
  format?: string;
  family?: string;
  families?: string[] | null;
  parameter_size?: string;
  quantization_level?: string;
}

export interface OllamaTagsResponse {
  models?: Array<{
    name: string;
    model?: string;
    modified_at?: string;
    size?: number;
    digest?: string;
    details?: OllamaModelDetails;
  }>;
}

export interface OllamaShowResponse {
  modelfile?: string;
  parameters?: string;
  template?: string;
  details?: OllamaModelDetails;
  /** GGUF metadata; the context window is under `<architecture>.context_length`. */
  model_info?: Record<string, unknown>;
  /** Newer servers: `completion`, `tools`, `vision`, `embedding`, `thinking`, `insert`… */
  capabilities?: string[];
  modified_at?: string;
}

export interface OllamaPsResponse {
  models?: Array<{
    name: string;
    model?: string;
    size?: number;
    digest?: string;
    details?: OllamaModelDetails;
    expires_at?: string;
    size_vram?: number;
    /** Newer servers: the context length the model was loaded with. */
    context_length?: number;
  }>;
}
