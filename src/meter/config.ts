/**
 * Config schema owned by the meter: price overrides, local cost models, budgets.
 *
 * ```yaml
 * pricing:
 *   prices:                       # USD per 1M tokens; key = "provider/model" (provider id) or a bare model
 *     openai/gpt-4o: { input: 2.5, cachedInput: 1.25, output: 10 }
 *     my-finetune:   { input: 1, output: 4 }
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
    })
    .strict(),
]);

export const pricingConfigSchema = z
  .object({
    prices: z.record(z.string(), priceOverrideSchema).default({}),
    local: z.record(z.string(), localCostModelSchema).default({}),
    /** Where `meridian bench` saves results; local cost models read measured tokens/s from here. */
    benchDir: z.string().default('.meridian/bench'),
  })
  .strict()
  .default({ prices: {}, local: {}, benchDir: '.meridian/bench' });

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
export type BudgetRule = z.infer<typeof budgetRuleSchema>;
export type BudgetsConfig = z.infer<typeof budgetsConfigSchema>;
