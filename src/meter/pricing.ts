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
 *
 * Unknown prices: a cloud or private deployment whose price is in none of the sources is charged
 * by `pricing.unknownModel` (docs/cost.md, "Models with no known price"): `estimate` at
 * `pricing.estimatePrice`, `zero` at 0, `refuse` makes `checkPrices` reject requests that may run
 * on it. Either way the cost says `priceEstimated`, and the warning is given once per deployment.
 * Embeddings are priced like prompts: `prompt_tokens` at `input`, no completion.
 * Audio (speech to text) is priced per minute of audio (`audioPerMinute`), the minutes read from
 * the file's header; a local cost model prices it from `audioSecondsPerSecond` (how many seconds
 * of audio the engine transcribes per second of GPU time).
 */
import type { Usage } from '../api/types.js';
import type { Location, Price } from '../providers/spec.js';
import { benchTokensPerSecond, latestBenchRun } from './bench-results.js';
import { getDefaultCatalog, type CatalogEntry, type PriceCatalog } from './catalog.js';
import { PolicyDeniedError } from '../errors.js';
import { DEFAULT_ESTIMATE_PRICE, type LocalCostModel, type PricingConfig, type UnknownModelPolicy } from './config.js';

/** Anything shaped like a Deployment: a real `Deployment` fits. */
export interface PricedTarget {
  provider: { id: string; type: string };
  model: string;
  location: Location;
  price?: Price;
}

/**
 * Where a price came from. `fallback`: no price known, charged at `pricing.estimatePrice`;
 * `unknown`: no price known, charged 0 (`pricing.unknownModel: zero`).
 */
export type PriceBasis = 'config' | 'deployment' | 'local-cost-model' | 'free' | 'catalog' | 'fallback' | 'unknown';

export interface ResolvedPrice {
  price: Price & { longContext?: CatalogEntry['longContext'] };
  basis: PriceBasis;
  /** Catalog entry, when the price came from the catalog. */
  entry?: CatalogEntry;
}

export interface Cost {
  usd: number;
  /** The token counts were Meridian's (the upstream reported no usage): the caller said so. */
  tokensEstimated: boolean;
  /** No price was known for the deployment: `usd` is the fallback estimate (or 0 under `zero`). */
  priceEstimated: boolean;
  /** Either of the two: `usd` is not the provider's bill. */
  estimated: boolean;
  basis: PriceBasis;
}

/** Token usage of an embeddings call (no completion). */
export interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens?: number;
}

/** What `checkPrices` found for the deployments a request may run on. */
/** USD per minute a cloud transcription of unknown price is charged under `estimate` (above whisper-1's and gpt-4o-transcribe's rates). */
export const DEFAULT_AUDIO_ESTIMATE_PER_MINUTE = 0.05;

export interface PriceCheck {
  /** Ids of those deployments with no known price (empty when all are priced). */
  unknown: string[];
  /** What their use is charged: the configured policy, or the default for this request. */
  policy: Exclude<UnknownModelPolicy, 'refuse'>;
}

/** Called once per deployment whose price is unknown (the gateway passes its logger). */
export type UnknownPriceWarning = (info: { deployment: string; policy: UnknownModelPolicy; usdPerMillion?: Price }) => void;

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
  /** Cost of a chat usage; a deployment with no known price is charged per `pricing.unknownModel`. */
  costOf(target: PricedTarget, usage: Usage, opts?: CostOptions): Cost;
  /** Cost of an embeddings usage: prompt tokens at the input rate. */
  costOfEmbedding(target: PricedTarget, usage: EmbeddingUsage, opts?: CostOptions): Cost;
  /** Cost of transcribing `seconds` of audio: `audioPerMinute`, or the local cost model, or free. */
  costOfAudio(target: PricedTarget, seconds: number): Cost;
  /**
   * Admission check over the deployments a request may run on (all of the alias's, since the
   * router may fall back to any). Throws PolicyDeniedError (403 `price_unknown`, naming the
   * deployment and the fix) when one has no known price and the policy is `refuse` — configured,
   * or by default when `usdBudget` (a USD budget applies to this request). Otherwise returns
   * what is unknown and how it will be charged, warning once per deployment.
   */
  checkPrices(targets: readonly (PricedTarget & { id?: string })[], opts: { usdBudget: boolean }): PriceCheck;
}

export interface PricerOptions {
  catalog?: PriceCatalog;
  /** Overrides `config.benchDir` (tests). */
  benchDir?: string;
  /** Receives the once-per-deployment warning about an unknown price (default: none). */
  onUnknownPrice?: UnknownPriceWarning;
}

const idOf = (t: PricedTarget & { id?: string }): string => t.id ?? `${t.provider.id}/${t.model}`;

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
    const audio = m.audioSecondsPerSecond
      ? { audioPerMinute: m.gpuUsdPerHour / (m.audioSecondsPerSecond * 60 * (m.utilization ?? 1)) }
      : {};
    if (!tps) return m.audioSecondsPerSecond ? { input: 0, cachedInput: 0, output: 0, ...audio } : null;
    return { ...localPricePerMillion({ ...m, tokensPerSecond: tps }), ...audio };
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

  // Deployments are immutable within a config snapshot (reload builds a new pricer), so the
  // admission check and the per-request estimate price each deployment object once.
  const resolved = new WeakMap<PricedTarget, ResolvedPrice | null>();
  function resolve(target: PricedTarget): ResolvedPrice | undefined {
    let r = resolved.get(target);
    if (r === undefined) {
      r = resolveUncached(target) ?? null;
      resolved.set(target, r);
    }
    return r ?? undefined;
  }

  function resolveUncached(target: PricedTarget): ResolvedPrice | undefined {
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

  const fallback = config.estimatePrice ?? DEFAULT_ESTIMATE_PRICE;
  const warned = new Set<string>();
  function warnOnce(target: PricedTarget & { id?: string }, policy: UnknownModelPolicy): void {
    const id = idOf(target);
    if (warned.has(id)) return;
    warned.add(id);
    opts.onUnknownPrice?.({ deployment: id, policy, ...(policy === 'estimate' ? { usdPerMillion: fallback } : {}) });
  }

  function charge(target: PricedTarget, usage: Usage, o: CostOptions): Cost {
    const tokensEstimated = o.usageEstimated ?? false;
    const r = resolve(target);
    if (r) return { usd: priceUsage(r.price, usage), tokensEstimated, priceEstimated: false, estimated: tokensEstimated, basis: r.basis };
    // Reaching here under `refuse` means admission did not check this deployment: charge the
    // conservative fallback rather than nothing, so the budget still holds.
    const policy = config.unknownModel === 'zero' ? 'zero' : 'estimate';
    warnOnce(target, policy);
    const usd = policy === 'zero' ? 0 : priceUsage(fallback, usage);
    return { usd, tokensEstimated, priceEstimated: true, estimated: true, basis: policy === 'zero' ? 'unknown' : 'fallback' };
  }

  return {
    resolve,
    costOf: (target, usage, o = {}) => charge(target, usage, o),
    costOfEmbedding(target, usage, o = {}) {
      const prompt = Math.max(0, usage.prompt_tokens || 0);
      return charge(target, { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt }, o);
    },
    costOfAudio(target, seconds) {
      const minutes = Math.max(0, seconds) / 60;
      const r = resolve(target);
      const round = (usd: number): number => Math.round(usd * 1e10) / 1e10;
      if (r && (r.price.audioPerMinute !== undefined || r.basis === 'free' || r.basis === 'local-cost-model')) {
        return {
          usd: round((r.price.audioPerMinute ?? 0) * minutes),
          tokensEstimated: false,
          priceEstimated: false,
          estimated: false,
          basis: r.basis,
        };
      }
      // Priced by tokens only (or not at all): no per-minute rate is known for this deployment.
      const policy = config.unknownModel === 'zero' ? 'zero' : 'estimate';
      warnOnce(target, policy);
      const perMinute = policy === 'zero' ? 0 : ((fallback as Price).audioPerMinute ?? DEFAULT_AUDIO_ESTIMATE_PER_MINUTE);
      return {
        usd: round(perMinute * minutes),
        tokensEstimated: false,
        priceEstimated: true,
        estimated: true,
        basis: policy === 'zero' ? 'unknown' : 'fallback',
      };
    },
    checkPrices(targets, { usdBudget }) {
      const unknownTargets = targets.filter((t) => !resolve(t));
      const configured = config.unknownModel;
      const policy: UnknownModelPolicy = configured ?? (usdBudget ? 'refuse' : 'estimate');
      if (unknownTargets.length && policy === 'refuse') {
        const ids = unknownTargets.map(idOf);
        const why = configured ? 'pricing.unknownModel is "refuse"' : 'a USD budget applies to this request, so its cost must be counted';
        throw new PolicyDeniedError(
          `No price is known for deployment${ids.length > 1 ? 's' : ''} ${ids.map((i) => `'${i}'`).join(', ')} and ${why}. ` +
            `Add \`price: { input, output }\` (USD per 1M tokens) to the deployment or to \`pricing.prices\`, ` +
            `or set \`pricing.unknownModel\` to "estimate" (charge $${fallback.input}/$${fallback.output} per 1M tokens) or "zero".`,
          'price_unknown',
        );
      }
      for (const t of unknownTargets) warnOnce(t, policy);
      return { unknown: unknownTargets.map(idOf), policy: policy === 'zero' ? 'zero' : 'estimate' };
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
