/**
 * Converse `usage` (TokenUsage) → canonical usage. Bedrock's `inputTokens` excludes the tokens
 * read from or written to the prompt cache (reported apart), so all three make the prompt, as
 * OpenAI counts it. Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 */
import type { Usage } from '../../api/types.js';
import type { BedrockTokenUsage } from './bedrock-api.js';

export function convertBedrockUsage(u: BedrockTokenUsage | undefined): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const input = num(u.inputTokens);
  const cacheRead = num(u.cacheReadInputTokens);
  const prompt = input + cacheRead + num(u.cacheWriteInputTokens);
  const completion = num(u.outputTokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead > 0) usage.prompt_tokens_details = { cached_tokens: cacheRead };
  return usage;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}
