/**
 * Strategies order the eligible deployments; `prefer` rules then reorder on top (stable, so the
 * strategy decides among equals). All orderings are stable with respect to the alias order.
 */
import type { Deployment, Location, Price } from '../providers/spec.js';
import { strategyNames, type StrategyName } from './config.js';
import type { LiveState } from './live-state.js';
import type { RequestFacts } from './types.js';

/** Output tokens assumed when comparing cost and speed (the request's max_tokens is not a fact). */
const ASSUMED_OUTPUT_TOKENS = 512;

const LOCATION_RANK: Record<Location, number> = { local: 0, private: 1, cloud: 2 };

export interface StrategyContext {
  facts: RequestFacts;
  live: LiveState;
  random: () => number;
  /** The price that applies to a deployment (config, catalog or local cost model); default: `d.price`. */
  priceOf: (d: Deployment) => Price | undefined;
}

export function isStrategyName(s: string): s is StrategyName {
  return (strategyNames as readonly string[]).includes(s);
}

/**
 * Expected USD for this request. Unpriced local/private deployments cost 0 here (hardware is
 * already paid for); an unpriced cloud deployment sorts last (unknown is not cheap).
 */
export function expectedCost(d: Deployment, facts: RequestFacts, priceOf: (d: Deployment) => Price | undefined = (x) => x.price): number {
  const price = priceOf(d);
  if (!price) return d.location === 'cloud' ? Number.POSITIVE_INFINITY : 0;
  return (price.input * facts.estimatedPromptTokens + price.output * ASSUMED_OUTPUT_TOKENS) / 1e6;
}

/**
 * Expected ms to a full answer from the EWMAs. A deployment with no samples yet scores 0 so it
 * gets tried and measured once (optimistic exploration) instead of never being learned.
 */
export function expectedLatencyMs(d: Deployment, live: LiveState): number {
  const s = live.statsOf(d.id);
  if (s.ttftMs === undefined && s.tokensPerSec === undefined) return 0;
  const gen = s.tokensPerSec ? (ASSUMED_OUTPUT_TOKENS / s.tokensPerSec) * 1000 : 0;
  return (s.ttftMs ?? 0) + gen;
}

function sortStable(list: Deployment[], key: (d: Deployment) => number): Deployment[] {
  return list
    .map((d, i) => ({ d, i, k: key(d) }))
    .sort((a, b) => (a.k === b.k ? a.i - b.i : a.k < b.k ? -1 : 1))
    .map((x) => x.d);
}

export function orderByStrategy(strategy: StrategyName, eligible: Deployment[], ctx: StrategyContext): Deployment[] {
  switch (strategy) {
    case 'priority':
      return [...eligible];
    case 'cheapest':
      return sortStable(eligible, (d) => expectedCost(d, ctx.facts, ctx.priceOf));
    case 'fastest':
      return sortStable(eligible, (d) => expectedLatencyMs(d, ctx.live));
    case 'least-busy':
      return sortStable(eligible, (d) => ctx.live.inFlightOf(d.id) / (d.maxConcurrency ?? 1e9));
    case 'weighted':
      // Weighted shuffle without replacement (Efraimidis–Spirakis): key = u^(1/w), largest first.
      return sortStable(eligible, (d) => -Math.pow(ctx.random(), 1 / (d.weight ?? 1)));
    case 'local-first':
      // Local, then private, then cloud; saturated ones are skipped at execute time (overflow).
      return sortStable(eligible, (d) => LOCATION_RANK[d.location]);
  }
}

/**
 * Warm before cold within each location: a cold deployment (model not loaded yet) moves behind
 * the warm ones of its location, and each location keeps the positions it had in `order` (so
 * `priority` still interleaves locations as the alias lists them). A location whose deployments
 * are all cold is unchanged: a cold model is still better than none.
 */
export function warmFirst(order: Deployment[], isCold: (d: Deployment) => boolean): Deployment[] {
  let cold: Set<Deployment> | undefined;
  for (const d of order) if (isCold(d)) (cold ??= new Set()).add(d);
  if (!cold) return order; // the usual case: nothing to move, no allocation
  const queues = new Map<Location, Deployment[]>();
  for (const d of order) {
    const q = queues.get(d.location) ?? [];
    q.push(d);
    queues.set(d.location, q);
  }
  for (const [loc, q] of queues) queues.set(loc, [...q.filter((d) => !cold.has(d)), ...q.filter((d) => cold.has(d))]);
  return order.map((d) => queues.get(d.location)!.shift()!);
}

/** Whether `d` is what a `prefer` value asks for (for the route reason). */
export function satisfiesPreference(prefer: string, d: Deployment, first: Deployment | undefined): boolean {
  switch (prefer) {
    case 'local':
      return d.location !== 'cloud';
    case 'cloud':
      return d.location === 'cloud';
    case 'cheapest':
    case 'fastest':
      return d === first;
    default:
      return d.id === prefer;
  }
}

/** Reorders by one preference; stable, so earlier orderings break ties. */
export function applyPreference(prefer: string, order: Deployment[], ctx: StrategyContext): Deployment[] {
  switch (prefer) {
    case 'local':
      return sortStable(order, (d) => (d.location === 'local' ? 0 : d.location === 'private' ? 1 : 2));
    case 'cloud':
      return sortStable(order, (d) => (d.location === 'cloud' ? 0 : 1));
    case 'cheapest':
      return sortStable(order, (d) => expectedCost(d, ctx.facts, ctx.priceOf));
    case 'fastest':
      return sortStable(order, (d) => expectedLatencyMs(d, ctx.live));
    default:
      return sortStable(order, (d) => (d.id === prefer ? 0 : 1));
  }
}

export { seededRandom } from '../util/random.js';
