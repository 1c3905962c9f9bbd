/**
 * The pipeline's view of the meter: a cheap prompt-size estimate for routing and limits on the
 * hot path, exact tokenizer counts only when an upstream reports no usage, and prices from the
 * catalog / config / local cost model — with deployments of unknown price charged, checked at
 * admission and warned about per `pricing.unknownModel` (docs/cost.md).
 */
import type { ChatRequest } from '../api/types.js';
import type { MeridianConfig } from '../config/schema.js';
import { getDefaultCatalog } from '../meter/catalog.js';
import { createPricer, type Pricer } from '../meter/pricing.js';
import { sharedTokenCounter, type TokenCounter } from '../meter/token-counter.js';
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

/** Where the once-per-deployment "no known price" warning goes (the gateway's pino logger fits). */
export interface MeterWarnLog {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface MeterServiceOptions {
  logger?: MeterWarnLog;
  pricer?: Pricer;
  tokenCounter?: TokenCounter;
}

export function createMeterService(config: MeridianConfig, opts: MeterServiceOptions = {}): MeterService {
  const pricer =
    opts.pricer ??
    createPricer(config.pricing, {
      onUnknownPrice: ({ deployment, policy, usdPerMillion }) =>
        opts.logger?.warn(
          { deployment, policy, ...(usdPerMillion ? { usdPerMillion } : {}) },
          policy === 'zero'
            ? 'no known price for this deployment: charged $0 (pricing.unknownModel: zero); add `price:` to the deployment'
            : 'no known price for this deployment: charged the pricing.estimatePrice fallback, marked costEstimated; add `price:` to the deployment',
        ),
    });
  const counter = opts.tokenCounter ?? sharedTokenCounter();
  const metered = (c: { usd: number; priceEstimated: boolean }): CostResult => ({ usd: c.usd, priceEstimated: c.priceEstimated });
  return {
    estimatePromptTokens: quickPromptEstimate,
    countPromptTokens: (req) => counter.promptTokens(req, () => quickPromptEstimate(req)),
    countCompletionTokens: (text, model) => counter.completionTokens(text, model, () => Math.ceil(text.length / 4)),
    priceOf: (d) => pricer.resolve(d)?.price,
    costOf: (d, usage) => metered(pricer.costOf(d, usage)),
    costOfEmbedding: (d, usage) => metered(pricer.costOfEmbedding(d, usage)),
    costOfAudio: (d, seconds) => metered(pricer.costOfAudio(d, seconds)),
    checkPrices: (deployments, o) => pricer.checkPrices(deployments, o),
  };
}

/** Capabilities, context windows and prices of known cloud models, for the catalog. */
export const catalogLookup: ModelInfoLookup = (providerType, model) => {
  const hit = getDefaultCatalog().lookup(providerType, model);
  if (!hit) return undefined;
  const e = hit.entry;
  return {
    capabilities: {
      ...(e.contextWindow ? { contextWindow: e.contextWindow } : {}),
      ...e.capabilities,
      ...(e.kind === 'audio' ? { audio: true } : {}),
    },
  };
};
