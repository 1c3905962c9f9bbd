/**
 * Canonical request/response/chunk types: the OpenAI Chat Completions shape.
 *
 * Every adapter translates between its provider's wire format and these types; nothing else in
 * Meridian knows a provider's wire format. Reference:
 * https://platform.openai.com/docs/api-reference/chat/create and
 * https://platform.openai.com/docs/api-reference/chat-streaming
 */

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image_url';
  /** `url` is an https URL or a `data:<mime>;base64,<data>` URL. */
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export type ContentPart = TextPart | ImagePart;

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; /** JSON text, as the model produced it. */ arguments: string };
}

export interface ChatMessage {
  role: Role;
  /** A string, an array of parts, or null for an assistant message that only calls tools. */
  content: string | ContentPart[] | null;
  name?: string;
  /** Assistant messages: the tools the model called. */
  tool_calls?: ToolCall[];
  /** Tool messages: the call this message answers. */
  tool_call_id?: string;
  /**
   * Reasoning text (Anthropic thinking, Ollama `thinking`, DeepSeek/Qwen `reasoning_content`)
   * normalized to one field. Never sent upstream as prompt content.
   */
  reasoning_content?: string;
}

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments. */
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string };
    };

export interface ChatRequest {
  /** An alias (`chat-default`) or `provider/model`. Adapters receive the upstream model name. */
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  stop?: string | string[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  seed?: number;
  user?: string;
  n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logit_bias?: Record<string, number>;
  logprobs?: boolean;
  top_logprobs?: number;
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Free-form labels; Meridian reads them as routing facts (see `x-meridian-tags`). */
  metadata?: Record<string, string>;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface ChatChoice {
  index: number;
  message: ChatMessage & { role: 'assistant' };
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatChoice[];
  usage?: Usage;
  system_fingerprint?: string | null;
}

/** A streamed tool-call fragment: the first carries id and name, later ones argument text. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  reasoning_content?: string;
  tool_calls?: ToolCallDelta[];
  refusal?: string | null;
}

export interface ChunkChoice {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  /** Empty in the final usage chunk (`stream_options.include_usage`). */
  choices: ChunkChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
}

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

export interface Embedding {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * One element of a canonical stream. `raw` is the upstream's own `data:` payload when it is
 * already an OpenAI chunk equal to `chunk`; the server writes it untouched unless a later stage
 * replaced the event (stages that change `chunk` must drop `raw`).
 */
export interface StreamEvent {
  chunk: ChatChunk;
  raw?: string;
}

/**
 * Complete upstream SSE events (`data: {chunk}` lines) that no stage needs to see, as the upstream's
 * own bytes: content deltas with no finish reason, usage, error or field to normalize. Only a caller
 * that writes OpenAI SSE and changes nothing in between asks for them (`ChatCall.relay`).
 */
export interface SseBytes {
  sse: Buffer;
  /** The content these deltas carry, decoded: what a tokenizer counts when the upstream reports no usage. */
  text: string;
}

/** An element of a relayed stream: parsed where a stage must look, bytes where none does. */
export type RelayEvent = StreamEvent | SseBytes;
