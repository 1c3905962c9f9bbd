/**
 * Break-even between a cloud API (pay per token) and a self-hosted engine (pay per GPU hour).
 * The arithmetic, with worked examples that are also tests, is in docs/cost.md.
 *
 *   cloud/day      = in/1e6 × priceIn + out/1e6 × priceOut           (cached input at its price)
 *   capacity/day   = tokensPerSecond × 3600 × hoursPerDay            (output tokens one GPU makes)
 *   gpus           = max(1, ceil(busy hours needed / hoursPerDay))
 *   self-host/day  = gpus × gpuUsdPerHour × hoursPerDay              (paid while on, busy or idle)
 *   break-even     = self-host/day of ONE GPU ÷ cloud price of one output token (with its share of
 *                    input at your in:out ratio)                      → output tokens/day
 *   required util. = break-even ÷ capacity/day
 */

export interface BreakevenInputs {
  tokensInPerDay: number;
  tokensOutPerDay: number;
  /** Cloud USD per 1M input / output tokens. */
  cloudPriceIn: number;
  cloudPriceOut: number;
  /** Cloud USD per 1M cached input tokens, and the fraction of input that hits the cache. */
  cloudPriceCachedIn?: number;
  cachedInputFraction?: number;
  gpuUsdPerHour: number;
  /** Aggregate output tokens/s the engine sustains (from `meridian bench`). */
  tokensPerSecond: number;
  /** Prompt (prefill) tokens/s; when absent, prompt processing is assumed free of GPU time. */
  promptTokensPerSecond?: number;
  /** Hours per day the GPU is paid for (kept on). Default 24. */
  hoursPerDay?: number;
}

export interface BreakevenResult {
  cloudUsdPerDay: number;
  selfHostUsdPerDay: number;
  /** GPUs needed to serve the traffic within hoursPerDay. */
  gpus: number;
  /** Output tokens/day one GPU can produce in hoursPerDay. */
  capacityTokensOutPerDay: number;
  /** Output tokens/day at which one GPU costs what the cloud costs (at your in:out ratio). */
  breakevenTokensOutPerDay: number;
  /** Share of one GPU's capacity that must be used for self-hosting to pay off (can exceed 1: never). */
  requiredUtilization: number;
  /** Share of the paid GPU capacity your traffic uses. */
  utilization: number;
  /** Self-host cost per 1M output tokens at your traffic. */
  selfHostUsdPerMillionOut: number;
  cheapest: 'cloud' | 'self-host' | 'equal';
  /** Savings per day of the cheapest option over the other. */
  savingsUsdPerDay: number;
  notes: string[];
}

const round = (x: number, digits = 6): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function breakeven(inp: BreakevenInputs): BreakevenResult {
  const hours = inp.hoursPerDay ?? 24;
  if (!(hours > 0 && hours <= 24)) throw new RangeError('hoursPerDay must be in (0, 24].');
  if (!(inp.tokensPerSecond > 0)) throw new RangeError('tokensPerSecond must be positive.');
  if (inp.tokensInPerDay < 0 || inp.tokensOutPerDay < 0) throw new RangeError('token volumes cannot be negative.');
  const notes: string[] = [];

  const cachedFraction = Math.min(1, Math.max(0, inp.cachedInputFraction ?? 0));
  const cachedPrice = inp.cloudPriceCachedIn ?? inp.cloudPriceIn;
  // Blended USD per input token, with the cached share at its own price.
  const inPrice = ((1 - cachedFraction) * inp.cloudPriceIn + cachedFraction * cachedPrice) / 1e6;
  const outPrice = inp.cloudPriceOut / 1e6;
  const cloud = inp.tokensInPerDay * inPrice + inp.tokensOutPerDay * outPrice;

  const busySeconds =
    inp.tokensOutPerDay / inp.tokensPerSecond + (inp.promptTokensPerSecond ? inp.tokensInPerDay / inp.promptTokensPerSecond : 0);
  const busyHours = busySeconds / 3600;
  const gpus = Math.max(1, Math.ceil(busyHours / hours - 1e-9));
  const oneGpuPerDay = inp.gpuUsdPerHour * hours;
  const selfHost = gpus * oneGpuPerDay;
  const capacity = inp.tokensPerSecond * 3600 * hours;
  if (gpus > 1) notes.push(`Your traffic needs ${gpus} GPUs at ${inp.tokensPerSecond} tokens/s for ${hours} h/day.`);
  if (!inp.promptTokensPerSecond && inp.tokensInPerDay > 0)
    notes.push('Prompt processing is not charged GPU time (pass --prompt-tokens-per-second to include it).');

  // Cloud price of one output token plus the input that comes with it at this traffic's ratio.
  const ratio = inp.tokensOutPerDay > 0 ? inp.tokensInPerDay / inp.tokensOutPerDay : 0;
  const cloudPerOutToken = outPrice + ratio * inPrice;
  // GPU seconds one output token takes (with its share of prefill).
  const secondsPerOut = 1 / inp.tokensPerSecond + (inp.promptTokensPerSecond ? ratio / inp.promptTokensPerSecond : 0);
  const oneGpuCapacityAtRatio = (hours * 3600) / secondsPerOut;
  const breakevenOut = cloudPerOutToken > 0 ? oneGpuPerDay / cloudPerOutToken : Number.POSITIVE_INFINITY;
  const required = breakevenOut / oneGpuCapacityAtRatio;
  if (required > 1)
    notes.push('One GPU cannot produce enough tokens in a day to beat this cloud price: the cloud stays cheaper at any volume.');

  const diff = cloud - selfHost;
  const cheapest = Math.abs(diff) < 1e-9 ? 'equal' : diff > 0 ? 'self-host' : 'cloud';
  return {
    cloudUsdPerDay: round(cloud),
    selfHostUsdPerDay: round(selfHost),
    gpus,
    capacityTokensOutPerDay: Math.round(capacity),
    breakevenTokensOutPerDay: Number.isFinite(breakevenOut) ? Math.round(breakevenOut) : breakevenOut,
    requiredUtilization: round(required, 4),
    utilization: round(busyHours / (gpus * hours), 4),
    selfHostUsdPerMillionOut: inp.tokensOutPerDay > 0 ? round((selfHost / inp.tokensOutPerDay) * 1e6, 4) : Number.POSITIVE_INFINITY,
    cheapest,
    savingsUsdPerDay: round(Math.abs(diff)),
    notes,
  };
}

/** Totals from the request log over `days` days (what the CLI's `loadUsage(days)` returns). */
export interface UsageTotals {
  days: number;
  /** All successful traffic, local and cloud: the volume both sides of the comparison serve. */
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  /**
   * The requests that ran on cloud deployments alone: what they cost and the tokens they cost it
   * for. With no cloud price given, the cloud price per token is taken from these — never from
   * local traffic, whose tokens cost nothing in the cloud bill.
   */
  cloud?: { promptTokens: number; completionTokens: number; costUsd: number };
}

/** Per-day volumes from logged totals, for `breakeven` inputs. */
export function dailyFromTotals(t: UsageTotals): { tokensInPerDay: number; tokensOutPerDay: number; cachedInputFraction: number } {
  const days = Math.max(t.days, 1e-9);
  return {
    tokensInPerDay: t.promptTokens / days,
    tokensOutPerDay: t.completionTokens / days,
    cachedInputFraction: t.promptTokens > 0 ? Math.min(1, (t.cachedTokens ?? 0) / t.promptTokens) : 0,
  };
}
