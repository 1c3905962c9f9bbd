/**
 * The pipeline's view of the meter: a cheap prompt-size estimate for routing and limits on the
 * hot path, exact tokenizer counts only when an upstream reports no usage, and prices from the
 * catalog / config / local cost model.
 */
import type { ChatRequest, Usage } from '../api/types.js';
import type { MeridianConfig } from '../config/schema.js';
import { createPricer, countCompletionTokens, estimatePromptTokens, getDefaultCatalog, type Pricer } from '../meter/index.js';
import type { Deployment } from '../providers/spec.js';
import type { ModelInfoLookup } from './catalog.js';
import type { CostResult, MeterService } from './services.js';

/** ~4 characters per token plus per-message overhead: good enough to route and rate-limit by. */
export function quickPromptEstimate(req: ChatRequest): number {
  let chars = 0;
  for (const m of req.messages) {
    if (typeof m.content === 'string') chars += m.content.length;
    else if (m.content) for (const p of m.content) chars += p.type === 'text' ? p.text.length : 340; // an image ≈ 85 tokens (low detail)
    if (m.tool_calls) for (const t of m.tool_calls) chars += t.function.name.length + t.function.arguments.length;
    chars += 16;
  }
  if (req.tools)
    for (const t of req.tools) chars += 40 + (t.function.description?.length ?? 0) + JSON.stringify(t.function.parameters ?? {}).length;
  return Math.ceil(chars / 4) + 3;
}

export function createMeterService(config: MeridianConfig, pricer: Pricer = createPricer(config.pricing)): MeterService {
  return {
    estimatePromptTokens: quickPromptEstimate,
    countPromptTokens: (req) => estimatePromptTokens(req).tokens,
    countCompletionTokens: (text, model) => countCompletionTokens(text, [], model).tokens,
    priceOf: (d) => pricer.resolve(d)?.price,
    costOf(d: Deployment, usage: Usage): CostResult {
      const c = pricer.costOf(d, usage);
      return { usd: c.usd, estimated: c.estimated };
    },
  };
}

/** Capabilities, context windows and prices of known cloud models, for the catalog. */
export const catalogLookup: ModelInfoLookup = (providerType, model) => {
  const hit = getDefaultCatalog().lookup(providerType, model);
  if (!hit) return undefined;
  const e = hit.entry;
  return { capabilities: { ...(e.contextWindow ? { contextWindow: e.contextWindow } : {}), ...e.capabilities } };
};
