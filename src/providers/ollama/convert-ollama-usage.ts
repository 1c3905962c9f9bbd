/**
 * Ollama counters → canonical usage. `prompt_eval_count` is prompt tokens, `eval_count` is
 * generated tokens; both sit on the final (`done: true`) object.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import type { Usage } from '../../api/types.js';
import type { OllamaCounters } from './ollama-api.js';

/** Undefined when the server reported neither count (the meter then counts tokens itself). */
export function convertOllamaUsage(c: OllamaCounters): Usage | undefined {
  if (typeof c.prompt_eval_count !== 'number' && typeof c.eval_count !== 'number') return undefined;
  // Ollama omits prompt_eval_count when the whole prompt was served from its cache.
  const prompt = c.prompt_eval_count ?? 0;
  const completion = c.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
