/**
 * OpenAI-compatible engines are settings, not folders: OpenAI itself, vLLM, llama.cpp's
 * llama-server, LM Studio, OpenRouter, Groq… differ only in these values.
 */
import { ConfigError } from '../../errors.js';

export interface OpenAICompatibleSettings {
  type: string;
  defaultBaseUrl?: string;
  /** Which field carries the completion token limit upstream. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

export const openaiSettings: OpenAICompatibleSettings = {
  type: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  maxTokensField: 'max_completion_tokens',
};

export const openaiCompatibleSettings: OpenAICompatibleSettings = {
  type: 'openai-compatible',
  maxTokensField: 'max_tokens',
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
