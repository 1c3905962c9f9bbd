/**
 * Gemini `usageMetadata` → canonical usage.
 * Reference: https://ai.google.dev/api/generate-content#UsageMetadata
 *
 * Google bills thinking tokens as output ("Output price (including thinking tokens)",
 * https://ai.google.dev/gemini-api/docs/pricing), but reports them apart from
 * `candidatesTokenCount`. OpenAI counts reasoning tokens inside `completion_tokens`, so we add
 * `thoughtsTokenCount` to it and also report it as `completion_tokens_details.reasoning_tokens`;
 * cost accounting then prices what Google bills. `toolUsePromptTokenCount` (results of
 * Google-run tools such as code execution) is billed as input and is added to prompt tokens.
 * `cachedContentTokenCount` is already part of `promptTokenCount` and becomes `cached_tokens`.
 */
import type { Usage } from '../../api/types.js';
import type { GeminiUsageMetadata } from './gemini-api.js';

export function convertGeminiUsage(u: GeminiUsageMetadata | undefined): Usage | undefined {
  if (!u) return undefined;
  const prompt = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
  const thoughts = u.thoughtsTokenCount ?? 0;
  const completion = (u.candidatesTokenCount ?? 0) + thoughts;
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u.totalTokenCount ?? prompt + completion,
  };
  if (u.cachedContentTokenCount !== undefined) usage.prompt_tokens_details = { cached_tokens: u.cachedContentTokenCount };
  if (u.thoughtsTokenCount !== undefined) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}
