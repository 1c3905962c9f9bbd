/**
 * OpenAI-compatible engines are settings, not folders: OpenAI itself, vLLM, llama.cpp's
 * llama-server, LM Studio, OpenRouter, Groq… differ only in these values.
 */
import { ConfigError } from '../../errors.js';

export interface OpenAICompatibleSettings {
  type: string;
  /** `gen_ai.provider.name` in traces, when the OpenTelemetry conventions name this API. */
  genAiProviderName?: string;
  defaultBaseUrl?: string;
  /** Which field carries the completion token limit upstream. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /**
   * Top-level request fields the target documents; others are dropped. Undefined = pass them
   * through: self-hosted engines take extras such as vLLM's `top_k`, `repetition_penalty` or
   * `guided_json`, which a client sends on purpose.
   */
  knownFields?: ReadonlySet<string>;
  /**
   * Whether `POST /v1/responses` passes through to the upstream's own `/responses` by default
   * (`providers[].options.responsesApi` overrides: `native` | `translate`). Absent: translate.
   */
  responsesApi?: ResponsesApiMode;
}

export type ResponsesApiMode = 'native' | 'translate';

/** https://platform.openai.com/docs/api-reference/chat/create (request body), 2026-11. */
// prettier-ignore
const OPENAI_FIELDS = new Set([
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format',
  'stop', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'seed', 'user', 'n', 'presence_penalty',
  'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'reasoning_effort', 'store', 'service_tier',
  'prediction', 'audio', 'modalities', 'web_search_options', 'verbosity', 'prompt_cache_key', 'safety_identifier',
]);

export const openaiSettings: OpenAICompatibleSettings = {
  type: 'openai',
  genAiProviderName: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  maxTokensField: 'max_completion_tokens',
  knownFields: OPENAI_FIELDS,
  responsesApi: 'native',
};

export const openaiCompatibleSettings: OpenAICompatibleSettings = {
  type: 'openai-compatible',
  maxTokensField: 'max_tokens',
  // Few engines serve /v1/responses (vLLM does, llama-server and LM Studio in part): opt in per provider.
  responsesApi: 'translate',
};

/**
 * Which local engine serves an openai-compatible provider (`providers[].options.engine`), so the
 * health monitor knows where it reports its load: vLLM and llama-server `/metrics`, llama-server
 * `/slots`, LM Studio's model list. Absent = a plain OpenAI-compatible API that says nothing.
 */
export const localEngines = ['vllm', 'llama-server', 'lmstudio'] as const;
export type LocalEngine = (typeof localEngines)[number];

export function readEngine(options: Record<string, unknown> | undefined): LocalEngine | undefined {
  const e = options?.engine;
  if (e === undefined) return undefined;
  if (typeof e === 'string' && (localEngines as readonly string[]).includes(e)) return e as LocalEngine;
  throw new ConfigError(`options.engine '${String(e)}' is unknown. Use one of: ${localEngines.join(', ')}.`);
}

/** `providers[].options.responsesApi`: `native` (pass through to `/responses`) or `translate` (through chat). */
export function readResponsesApi(options: Record<string, unknown> | undefined, fallback: ResponsesApiMode): ResponsesApiMode {
  const v = options?.responsesApi;
  if (v === undefined) return fallback;
  if (v === 'native' || v === 'translate') return v;
  throw new ConfigError(`options.responsesApi '${String(v)}' is unknown. Use native (pass-through to /responses) or translate.`);
}
