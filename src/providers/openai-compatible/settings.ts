/**
 * OpenAI-compatible engines are settings, not folders: OpenAI itself, vLLM, llama.cpp's
 * llama-server, LM Studio, OpenRouter, Groq… differ only in these values.
 */
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
