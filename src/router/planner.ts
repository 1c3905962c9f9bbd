/**
 * The routing decision, shared by `plan` and `explain`: which candidates may serve the request
 * (policy restrictions, built-in restrictions, capabilities, health, breakers — each exclusion
 * named), in what order (strategy, then `prefer` rules), and why each one is where it is.
 */
import type { Deployment, Location, Price } from '../providers/spec.js';
import type { CircuitBreakers } from './breaker.js';
import type { RequirableCapability, StrategyName } from './config.js';
import type { LiveState } from './live-state.js';
import { evaluatePolicies, type CompiledPolicy } from './policies.js';
import { applyPreference, orderByStrategy, satisfiesPreference, warmFirst, type StrategyContext } from './strategies.js';
import type { Exclusion, PlannedAttempt, RequestFacts, RoutePlan } from './types.js';

const ALL_LOCATIONS: readonly Location[] = ['local', 'private', 'cloud'];

export interface PlannerState {
  policies: readonly CompiledPolicy[];
  live: LiveState;
  breakers: CircuitBreakers;
  random: () => number;
  /** Model not loaded yet (health monitor `cold`, or the gateway's hook). */
  isCold: (d: Deployment) => boolean;
  priceOf: (d: Deployment) => Price | undefined;
}

export interface Decision {
  plan: RoutePlan;
  denied?: { rule: string; message: string };
}

interface LocationRestriction {
  rule: string;
  locations: readonly Location[];
}

/** Restrictions that apply whatever the policies say, appended to `out`. */
function addBuiltInRestrictions(facts: RequestFacts, out: LocationRestriction[]): void {
  if (facts.guardAction === 'local-only') out.push(GUARD_LOCAL_ONLY);
  if (facts.dataPolicy === 'local-only') out.push(DATA_POLICY_LOCAL_ONLY);
  // A recording cannot be pseudonymized before it is transcribed: private by default (docs/audio.md).
  if (facts.kind === 'audio' && !facts.audioCloud) out.push(AUDIO_LOCAL_ONLY);
  if (facts.budgetDowngrade) out.push(BUDGET_DOWNGRADE);
}

const GUARD_LOCAL_ONLY: LocationRestriction = { rule: 'guard:local-only', locations: ['local', 'private'] };
const DATA_POLICY_LOCAL_ONLY: LocationRestriction = { rule: 'data-policy:local-only', locations: ['local', 'private'] };
const AUDIO_LOCAL_ONLY: LocationRestriction = { rule: 'audio:local-only', locations: ['local', 'private'] };
const BUDGET_DOWNGRADE: LocationRestriction = { rule: 'budget:downgrade', locations: ['local'] };

interface CapabilityCheck {
  rule: string;
  cap: RequirableCapability;
  strict: boolean;
}

/** Built-in checks, made once (the planner runs per request). */
const BUILT_IN_CHECKS: Record<string, CapabilityCheck> = Object.fromEntries(
  (['embeddings', 'audio', 'tools', 'vision', 'jsonSchema', 'contextWindow'] as const).map((cap) => [
    cap,
    { rule: `capability:${cap}`, cap, strict: false },
  ]),
);

/** Capabilities the request itself needs, as built-in checks named `capability:*`, appended to `out`. */
function addBuiltInCapabilities(facts: RequestFacts, out: CapabilityCheck[]): void {
  if (facts.kind === 'embeddings') out.push(BUILT_IN_CHECKS.embeddings!);
  if (facts.kind === 'audio') out.push(BUILT_IN_CHECKS.audio!);
  if (facts.hasTools) out.push(BUILT_IN_CHECKS.tools!);
  if (facts.hasImages) out.push(BUILT_IN_CHECKS.vision!);
  if (facts.responseFormat === 'json_schema') out.push(BUILT_IN_CHECKS.jsonSchema!);
  // Built-in: the prompt must fit the window wherever the window is known.
  out.push(BUILT_IN_CHECKS.contextWindow!);
}

/** Why `d` lacks `cap` for this request, or undefined when it has it. */
function missingCapability(d: Deployment, cap: RequirableCapability, facts: RequestFacts, strictWindow: boolean): string | undefined {
  if (cap === 'contextWindow') {
    const w = d.capabilities.contextWindow;
    if (w === undefined) return strictWindow ? 'context window unknown' : undefined;
    return facts.estimatedPromptTokens > w ? `prompt ~${facts.estimatedPromptTokens} tokens exceeds context window ${w}` : undefined;
  }
  return d.capabilities[cap] ? undefined : `no ${cap} support`;
}

/**
 * Written with loops and no per-request closures: it runs for every request, and the usual one
 * (no policy matched, nothing restricted) should allocate little more than its plan.
 */
export function decide(facts: RequestFacts, candidates: readonly Deployment[], strategy: StrategyName, state: PlannerState): Decision {
  const outcome = evaluatePolicies(state.policies, facts);
  if (outcome.denied) {
    return {
      plan: { alias: facts.alias, strategy, rules: outcome.matched, attempts: [], excluded: [], allowedLocations: [] },
      denied: outcome.denied,
    };
  }

  const restrictions: LocationRestriction[] = [];
  for (const r of outcome.requires) if (r.location) restrictions.push({ rule: r.rule, locations: r.location });
  addBuiltInRestrictions(facts, restrictions);
  const allowedLocations: Location[] = [];
  for (const l of ALL_LOCATIONS) if (allowsLocation(restrictions, l)) allowedLocations.push(l);
  const capabilityChecks: CapabilityCheck[] = [];
  for (const r of outcome.requires) for (const cap of r.capability ?? []) capabilityChecks.push({ rule: r.rule, cap, strict: true });
  addBuiltInCapabilities(facts, capabilityChecks);

  const eligible: Deployment[] = [];
  const excluded: Exclusion[] = [];
  let breakerOpen: Deployment[] | undefined;
  for (const d of candidates) {
    const x = exclusionFor(d, facts, restrictions, capabilityChecks, state);
    if (!x) eligible.push(d);
    else {
      excluded.push(x);
      if (x.rule === 'breaker-open') (breakerOpen ??= []).push(d);
    }
  }

  // Every candidate's breaker is open: try the one that failed longest ago rather than fail
  // instantly (it is the likeliest to have recovered). Only for otherwise-eligible deployments.
  let lastResort: Deployment | undefined;
  if (eligible.length === 0 && breakerOpen) {
    const pick = breakerOpen.reduce((a, b) => (state.breakers.lastFailureAt(b.id) < state.breakers.lastFailureAt(a.id) ? b : a));
    eligible.push(pick);
    lastResort = pick;
    excluded.splice(
      excluded.findIndex((x) => x.deployment === pick.id),
      1,
    );
  }

  const ctx: StrategyContext = { facts, live: state.live, random: state.random, priceOf: state.priceOf };
  // `eligible` is this call's own array: the priority order needs no copy of it.
  let order = strategy === 'priority' ? eligible : orderByStrategy(strategy, eligible, ctx);
  // Orderings that do not already weigh speed: prefer a warm deployment over a cold sibling.
  if (strategy === 'priority' || strategy === 'local-first') order = warmFirst(order, state.isCold);
  // The first matching prefer rule is the most significant: apply the last one first.
  const prefers = outcome.prefers;
  for (let i = prefers.length - 1; i >= 0; i--) order = applyPreference(prefers[i]!.prefer, order, ctx);

  const defaultReason = restrictions[0]?.rule ?? strategy;
  const first = order[0];
  const attempts: PlannedAttempt[] = [];
  for (const d of order) {
    // Fail closed, belt and braces: nothing outside the allowed locations enters a plan.
    if (!allowedLocations.includes(d.location)) continue;
    let reason = d === lastResort ? 'breaker-open-last-resort' : undefined;
    for (let i = 0; reason === undefined && i < prefers.length; i++) {
      if (satisfiesPreference(prefers[i]!.prefer, d, first)) reason = prefers[i]!.rule;
    }
    attempts.push({ deployment: d, reason: reason ?? defaultReason });
  }
  return { plan: { alias: facts.alias, strategy, rules: outcome.matched, attempts, excluded, allowedLocations } };
}

function allowsLocation(restrictions: readonly LocationRestriction[], l: Location): boolean {
  for (const r of restrictions) if (!r.locations.includes(l)) return false;
  return true;
}

function exclusionFor(
  d: Deployment,
  facts: RequestFacts,
  restrictions: readonly LocationRestriction[],
  capabilityChecks: readonly CapabilityCheck[],
  state: PlannerState,
): Exclusion | undefined {
  for (const r of restrictions) {
    if (!r.locations.includes(d.location)) {
      return { deployment: d.id, rule: r.rule, reason: `location '${d.location}' not in [${r.locations.join(', ')}]` };
    }
  }
  for (const c of capabilityChecks) {
    const why = missingCapability(d, c.cap, facts, c.strict);
    if (why) return { deployment: d.id, rule: c.rule, reason: why, capability: c.cap };
  }
  if (state.live.healthOf(d.id) === 'down') return { deployment: d.id, rule: 'health', reason: 'down: the health probe failed' };
  if (state.breakers.state(d.id) === 'open')
    return { deployment: d.id, rule: 'breaker-open', reason: 'circuit breaker open after repeated failures' };
  return undefined;
}
