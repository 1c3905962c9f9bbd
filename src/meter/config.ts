/**
 * Config schema owned by the meter: price overrides, local cost models, budgets.
 *
 * ```yaml
 * pricing:
 *   prices:                       # USD per 1M tokens; key = "provider/model" (provider id) or a bare model
 *     openai/gpt-4o: { input: 2.5, cachedInput: 1.25, output: 10 }
 *     my-finetune:   { input: 1, output: 4 }
 *   unknownModel: estimate        # a cloud/private model with no known price: refuse | estimate | zero
 *                                 # (unset: refuse when a USD budget applies to the request, else estimate)
 *   estimatePrice: { input: 20, output: 120 }   # the fallback `estimate` charges (this is the default)
 *   local:                        # cost models for local/private deployments; key = "provider/model", provider id, or "*"
 *     vllm: { gpuUsdPerHour: 1.99, tokensPerSecond: 200, utilization: 0.5 }
 *     ollama/llama3.2: { gpuUsdPerHour: 0.8 }       # tokens/s read from saved `meridian bench` results
 *     "*": { free: true }
 * budgets:
 *   - { scope: tenant, match: acme, period: day, usd: 5, mode: hard }
 *   - { scope: alias, match: "*", period: month, tokens: 1000000, mode: downgrade }
 * ```
 */
import { z } from 'zod';

const usdPerMillion = z.number().min(0);

export const priceOverrideSchema = z
  .object({
    input: usdPerMillion,
    cachedInput: usdPerMillion.optional(),
    output: usdPerMillion,
    /** USD per minute of audio (speech to text). */
    audioPerMinute: z.number().min(0).optional(),
  })
  .strict();

export const localCostModelSchema = z.union([
  z.object({ free: z.literal(true) }).strict(),
  z
    .object({
      /** What the GPU (or whole machine) costs per hour, kept on. */
      gpuUsdPerHour: z.number().min(0),
      /** Aggregate output tokens/s measured on this engine; when absent, read from saved bench results. */
      tokensPerSecond: z.number().positive().optional(),
      /** Prompt (prefill) tokens/s; when absent, prompt tokens are not charged (decode dominates GPU time). */
      promptTokensPerSecond: z.number().positive().optional(),
      /** Fraction of paid hours the engine is busy at that throughput (0–1]; default 1 (the cheapest case). */
      utilization: z.number().gt(0).max(1).optional(),
      /** Which bench concurrency level to read tokens/s from; default the level with the best total throughput. */
      benchConcurrency: z.number().int().positive().optional(),
      /** Speech to text: seconds of audio the engine transcribes per second (10 = ten times real time). */
      audioSecondsPerSecond: z.number().positive().optional(),
    })
    .strict(),
]);

/**
 * The fallback `unknownModel: estimate` charges, USD per 1M tokens: at least the highest input and
 * output rates in the shipped catalog (o3-pro $20 in, gpt-5-pro $120 out), so a budget never
 * undercounts a model it cannot price. A unit test keeps it above every catalog entry.
 */
export const DEFAULT_ESTIMATE_PRICE = Object.freeze({ input: 20, output: 120 });

export const unknownModelPolicySchema = z.enum(['refuse', 'estimate', 'zero'], {
  message: 'pricing.unknownModel must be one of: refuse, estimate, zero',
});

export const pricingConfigSchema = z
  .object({
    prices: z.record(z.string(), priceOverrideSchema).default({}),
    local: z.record(z.string(), localCostModelSchema).default({}),
    /**
     * A cloud or private deployment with no price from config, its own `price` or the catalog:
     * `refuse` requests that may run on it (403 `price_unknown`), `estimate` charges
     * `estimatePrice`, `zero` charges nothing. Unset: refuse when a USD budget applies to the
     * request, estimate otherwise. Local deployments always have a price (cost model or free).
     */
    unknownModel: unknownModelPolicySchema.optional(),
    /** The fallback price `estimate` charges (USD per 1M tokens). */
    estimatePrice: priceOverrideSchema.default({ ...DEFAULT_ESTIMATE_PRICE }),
    /** Where `meridian bench` saves results; local cost models read measured tokens/s from here. */
    benchDir: z.string().default('.meridian/bench'),
  })
  .strict()
  .default({ prices: {}, local: {}, estimatePrice: { ...DEFAULT_ESTIMATE_PRICE }, benchDir: '.meridian/bench' });

export const budgetRuleSchema = z
  .object({
    /** Shown in messages and headers; defaults to a description built from scope/match/period. */
    name: z.string().min(1).optional(),
    /** What the budget is counted per. */
    scope: z.enum(['tenant', 'key', 'alias', 'global']),
    /** A tenant id / key id / alias; "*" (default) = every one gets its own budget of this size. */
    match: z.string().default('*'),
    period: z.enum(['day', 'month']),
    usd: z.number().positive().optional(),
    tokens: z.number().int().positive().optional(),
    /** hard: reject (429); soft: warn header + log; downgrade: route to local deployments. */
    mode: z.enum(['hard', 'soft', 'downgrade']).default('hard'),
  })
  .strict()
  .refine((r) => r.usd !== undefined || r.tokens !== undefined, { message: 'a budget needs `usd`, `tokens` or both' });

export const budgetsConfigSchema = z.array(budgetRuleSchema).default([]);

export type PriceOverride = z.infer<typeof priceOverrideSchema>;
export type LocalCostModel = z.infer<typeof localCostModelSchema>;
export type PricingConfig = z.infer<typeof pricingConfigSchema>;
export type UnknownModelPolicy = z.infer<typeof unknownModelPolicySchema>;
export type BudgetRule = z.infer<typeof budgetRuleSchema>;
export type BudgetsConfig = z.infer<typeof budgetsConfigSchema>;
