/**
 * Anthropic usage ↔ canonical usage.
 *
 * Anthropic reports `input_tokens` *excluding* cached tokens: cache reads
 * (`cache_read_input_tokens`) and cache writes (`cache_creation_input_tokens`) come separately.
 * OpenAI's `prompt_tokens` counts every prompt token, with cache hits repeated in
 * `prompt_tokens_details.cached_tokens`, so all three are summed into `prompt_tokens`.
 * Reference: https://docs.anthropic.com/en/api/messages (response `usage`) and
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
import type { Usage } from '../../api/types.js';
import type { AnthropicUsage } from './anthropic-api.js';

export function convertAnthropicUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  const prompt = (u.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completion = u.output_tokens ?? 0;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead > 0) usage.prompt_tokens_details = { cached_tokens: cacheRead };
  return usage;
}

/**
 * Stream usage arrives in pieces: `message_start.message.usage` has the input side, and each
 * `message_delta.usage` carries cumulative counts (output always, input fields sometimes).
 * Later non-null values win.
 */
export function mergeAnthropicUsage(into: AnthropicUsage, from: AnthropicUsage | undefined): AnthropicUsage {
  if (!from) return into;
  const out: AnthropicUsage = { ...into };
  for (const k of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    const v = from[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** Canonical → Anthropic usage (inbound direction): cached tokens are split back out. */
export function usageToAnthropic(u: Usage | null | undefined): AnthropicUsage {
  if (!u) return { input_tokens: 0, output_tokens: 0 };
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  const out: AnthropicUsage = { input_tokens: Math.max(0, u.prompt_tokens - cached), output_tokens: u.completion_tokens };
  if (cached > 0) out.cache_read_input_tokens = cached;
  return out;
}
