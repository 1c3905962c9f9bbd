/**
 * Upstream OpenAI-compatible bodies → canonical. Reasoning text arrives as `reasoning_content`
 * (DeepSeek, vLLM, llama-server with --reasoning-format deepseek) or `reasoning` (OpenRouter,
 * newer vLLM); it is normalized to `reasoning_content`.
 * References: https://api-docs.deepseek.com/guides/reasoning_model ,
 * https://openrouter.ai/docs/use-cases/reasoning-tokens
 */
import type { ChatChunk, ChatResponse } from '../../api/types.js';

type WithReasoning = { reasoning?: unknown; reasoning_content?: unknown };

/** Returns true when it changed the object (so the raw upstream bytes no longer match). */
export function normalizeReasoning(obj: ChatResponse | ChatChunk): boolean {
  let changed = false;
  for (const choice of obj.choices as Array<{ message?: WithReasoning; delta?: WithReasoning }>) {
    const target = choice.message ?? choice.delta;
    if (target && typeof target.reasoning === 'string') {
      if (target.reasoning_content === undefined) target.reasoning_content = target.reasoning;
      delete target.reasoning;
      changed = true;
    }
  }
  return changed;
}
