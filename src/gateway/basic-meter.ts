/**
 * Token estimates and prices from the deployment's configured price only. Stands in until the
 * meter's catalog and tokenizer are wired (src/meter/).
 */
import type { ChatRequest, Usage } from '../api/types.js';
import type { Deployment } from '../providers/spec.js';
import type { CostResult, MeterService } from './services.js';

export const basicMeter: MeterService = {
  estimatePromptTokens(req: ChatRequest): number {
    let chars = 0;
    for (const m of req.messages) {
      if (typeof m.content === 'string') chars += m.content.length;
      else if (m.content) for (const p of m.content) if (p.type === 'text') chars += p.text.length;
      chars += 16;
    }
    return Math.ceil(chars / 4);
  },
  countCompletionTokens(text: string): number {
    return Math.ceil(text.length / 4);
  },
  costOf(d: Deployment, usage: Usage): CostResult {
    if (!d.price) return { usd: 0, estimated: false };
    return { usd: (usage.prompt_tokens * d.price.input + usage.completion_tokens * d.price.output) / 1e6, estimated: false };
  },
};
