/**
 * Price of a request: cloud deployments from config overrides or the shipped catalog, local
 * deployments from a cost model (GPU USD/hour and measured throughput), or free.
 *
 * Billing conventions (USD per 1M tokens):
 * - `Usage.prompt_tokens` includes cached tokens (OpenAI convention); the cached part
 *   (`prompt_tokens_details.cached_tokens`) is charged at `cachedInput`, the rest at `input`.
 *   Adapters map Anthropic `input_tokens + cache_read_input_tokens (+ cache_creation_input_tokens)`
 *   and Gemini `promptTokenCount` (which already includes `cachedContentTokenCount`) to this.
 * - `completion_tokens` includes reasoning tokens (OpenAI reports `reasoning_tokens` as a subset;
 *   Anthropic's `output_tokens` includes thinking; Gemini adapters add `thoughtsTokenCount` to
 *   `candidatesTokenCount`). All three providers bill reasoning at the output rate. If an adapter
 *   reports more reasoning tokens than completion tokens, they were evidently not included and are
 *   added.
 */
import type { Usage } from '../api/types.js';
import type { Location, Price } from '../providers/spec.js';
import { benchTokensPerSecond, latestBenchRun } from './bench-results.js';
import { getDefaultCatalog, type CatalogEntry, type PriceCatalog } from './catalog.js';
import type { LocalCostModel, PricingConfig } from './config.js';

/** Anything shaped like a Deployment: a real `Deployment` fits. */
export interface PricedTarget {
  provider: { id: string; type: string };
  model: string;
  location: Location;
  price?: Price;
}

export type PriceBasis = 'config' | 'deployment' | 'local-cost-model' | 'free' | 'catalog' | 'unknown';

export interface ResolvedPrice {
  price: Price & { longContext?: CatalogEntry['longContext'] };
  basis: PriceBasis;
  /** Catalog entry, when the price came from the catalog. */
  entry?: CatalogEntry;
}

export interface Cost {
  usd: number;
  /** Token counts were estimated, or no price was known (usd is then 0). */
  estimated: boolean;
  basis: PriceBasis;
}

export interface CostOptions {
  /** The usage was counted by Meridian's tokenizer, not reported by the upstream. */
  usageEstimated?: boolean;
}

const FREE: Price = { input: 0, cachedInput: 0, output: 0 };

/** USD per 1M tokens for a local engine: what one paid hour costs over the tokens it produces. */
export function localPricePerMillion(model: {
  gpuUsdPerHour: number;
  tokensPerSecond: number;
  promptTokensPerSecond?: number;
  utilization?: number;
}): Price {
  const util = model.utilization ?? 1;
  const perMillion = (tps: number): number => (model.gpuUsdPerHour / (tps * 3600 * util)) * 1e6;
  const input = model.promptTokensPerSecond ? perMillion(model.promptTokensPerSecond) : 0;
  return { input, cachedInput: input, output: perMillion(model.tokensPerSecond) };
}

/** USD for `usage` at `price`; see the module comment for what is billed at which rate. */
export function priceUsage(price: ResolvedPrice['price'], usage: Usage): number {
  const prompt = Math.max(0, usage.prompt_tokens || 0);
  const tier = price.longContext && prompt > price.longContext.thresholdTokens ? price.longContext : price;
  const cached = Math.min(prompt, Math.max(0, usage.prompt_tokens_details?.cached_tokens ?? 0));
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  let completion = Math.max(0, usage.completion_tokens || 0);
  if (reasoning > completion) completion += reasoning;
  const usd = ((prompt - cached) * tier.input + cached * (tier.cachedInput ?? tier.input) + completion * tier.output) / 1e6;
  return Math.round(usd * 1e10) / 1e10; // drop float noise, keep sub-micro-dollar precision
}

export interface Pricer {
  /** The price that applies to a deployment, or undefined when none is known. */
  resolve(target: PricedTarget): ResolvedPrice | undefined;
  costOf(target: PricedTarget, usage: Usage, opts?: CostOptions): Cost;
}

export interface PricerOptions {
  catalog?: PriceCatalog;
  /** Overrides `config.benchDir` (tests). */
  benchDir?: string;
}

/**
 * Builds the pricer once at start. Local cost models without `tokensPerSecond` read the newest
 * saved bench run for the deployment (or provider) now, not per request.
 */
export function createPricer(config: Partial<PricingConfig> = {}, opts: PricerOptions = {}): Pricer {
  const catalog = opts.catalog ?? getDefaultCatalog();
  const prices = config.prices ?? {};
  const local = config.local ?? {};
  const benchDir = opts.benchDir ?? config.benchDir ?? '.meridian/bench';
  const localCache = new Map<string, Price | null>();

  function localPrice(m: LocalCostModel, benchTargets: string[]): Price | null {
    if ('free' in m) return FREE;
    let tps = m.tokensPerSecond;
    for (const t of benchTargets) {
      if (tps !== undefined) break;
      const run = latestBenchRun(benchDir, t);
      tps = run ? benchTokensPerSecond(run, m.benchConcurrency) : undefined;
    }
    if (!tps) return null;
    return localPricePerMillion({ ...m, tokensPerSecond: tps });
  }

  function localFor(target: PricedTarget): Price | null | undefined {
    const id = `${target.provider.id}/${target.model}`;
    for (const key of [id, target.provider.id, '*']) {
      const m = local[key];
      if (!m) continue;
      // Measured speed is per deployment: the same model entry can price two engines differently.
      if (!localCache.has(id)) localCache.set(id, localPrice(m, [id, target.provider.id]));
      return localCache.get(id);
    }
    return undefined;
  }

  function resolve(target: PricedTarget): ResolvedPrice | undefined {
    const byId = prices[`${target.provider.id}/${target.model}`];
    if (byId) return { price: byId, basis: 'config' };
    if (target.price) return { price: target.price, basis: 'deployment' };
    if (target.location !== 'cloud') {
      const p = localFor(target);
      if (p) return { price: p, basis: p === FREE ? 'free' : 'local-cost-model' };
    }
    const byModel = prices[target.model];
    if (byModel) return { price: byModel, basis: 'config' };
    // A local engine serving `llama3.2` is not a cloud product; with no cost model it costs 0.
    if (target.location === 'local') return { price: FREE, basis: 'free' };
    const hit = catalog.lookup(target.provider.type, target.model);
    if (hit) return { price: hit.entry, basis: 'catalog', entry: hit.entry };
    return undefined;
  }

  return {
    resolve,
    costOf(target, usage, o = {}) {
      const r = resolve(target);
      if (!r) return { usd: 0, estimated: true, basis: 'unknown' };
      return { usd: priceUsage(r.price, usage), estimated: o.usageEstimated ?? false, basis: r.basis };
    },
  };
}

let defaultPricer: Pricer | undefined;

/** Cost with the shipped catalog and no config (a convenience; the server uses `createPricer`). */
export function costOf(target: PricedTarget, usage: Usage, opts?: CostOptions): Cost {
  defaultPricer ??= createPricer();
  return defaultPricer.costOf(target, usage, opts);
}

/** A pre-request USD estimate: prompt tokens plus the output you expect (e.g. `max_tokens`). */
export function estimateUsd(price: Price | undefined, promptTokens: number, expectedOutputTokens: number): number {
  if (!price) return 0;
  return (promptTokens * price.input + expectedOutputTokens * price.output) / 1e6;
}
