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

/** Restrictions that apply whatever the policies say. */
function builtInRestrictions(facts: RequestFacts): LocationRestriction[] {
  const out: LocationRestriction[] = [];
  if (facts.guardAction === 'local-only') out.push({ rule: 'guard:local-only', locations: ['local', 'private'] });
  if (facts.dataPolicy === 'local-only') out.push({ rule: 'data-policy:local-only', locations: ['local', 'private'] });
  // A recording cannot be pseudonymized before it is transcribed: private by default (docs/audio.md).
  if (facts.kind === 'audio' && !facts.audioCloud) out.push({ rule: 'audio:local-only', locations: ['local', 'private'] });
  if (facts.budgetDowngrade) out.push({ rule: 'budget:downgrade', locations: ['local'] });
  return out;
}

/** Capabilities the request itself needs, as built-in checks named `capability:*`. */
function builtInCapabilities(facts: RequestFacts): RequirableCapability[] {
  const out: RequirableCapability[] = [];
  if (facts.kind === 'embeddings') out.push('embeddings');
  if (facts.kind === 'audio') out.push('audio');
  if (facts.hasTools) out.push('tools');
  if (facts.hasImages) out.push('vision');
  if (facts.responseFormat === 'json_schema') out.push('jsonSchema');
  return out;
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

export function decide(facts: RequestFacts, candidates: readonly Deployment[], strategy: StrategyName, state: PlannerState): Decision {
  const outcome = evaluatePolicies(state.policies, facts);
  const base = { alias: facts.alias, strategy, rules: outcome.matched };
  if (outcome.denied) {
    return { plan: { ...base, attempts: [], excluded: [], allowedLocations: [] }, denied: outcome.denied };
  }

  const restrictions: LocationRestriction[] = [];
  for (const r of outcome.requires) if (r.location) restrictions.push({ rule: r.rule, locations: r.location });
  restrictions.push(...builtInRestrictions(facts));
  const allowedLocations = ALL_LOCATIONS.filter((l) => restrictions.every((r) => r.locations.includes(l)));
  const capabilityChecks: Array<{ rule: string; cap: RequirableCapability; strict: boolean }> = [];
  for (const r of outcome.requires) for (const cap of r.capability ?? []) capabilityChecks.push({ rule: r.rule, cap, strict: true });
  for (const cap of builtInCapabilities(facts)) capabilityChecks.push({ rule: `capability:${cap}`, cap, strict: false });
  // Built-in: the prompt must fit the window wherever the window is known.
  capabilityChecks.push({ rule: 'capability:contextWindow', cap: 'contextWindow', strict: false });

  const eligible: Deployment[] = [];
  const excluded: Exclusion[] = [];
  const breakerOpen: Deployment[] = [];
  for (const d of candidates) {
    const x = exclusionFor(d, facts, restrictions, capabilityChecks, state);
    if (!x) eligible.push(d);
    else {
      excluded.push(x);
      if (x.rule === 'breaker-open') breakerOpen.push(d);
    }
  }

  const reasons = new Map<Deployment, string>();
  // Every candidate's breaker is open: try the one that failed longest ago rather than fail
  // instantly (it is the likeliest to have recovered). Only for otherwise-eligible deployments.
  if (eligible.length === 0 && breakerOpen.length > 0) {
    const pick = breakerOpen.reduce((a, b) => (state.breakers.lastFailureAt(b.id) < state.breakers.lastFailureAt(a.id) ? b : a));
    eligible.push(pick);
    reasons.set(pick, 'breaker-open-last-resort');
    excluded.splice(
      excluded.findIndex((x) => x.deployment === pick.id),
      1,
    );
  }

  const ctx: StrategyContext = { facts, live: state.live, random: state.random, priceOf: state.priceOf };
  let order = orderByStrategy(strategy, eligible, ctx);
  // Orderings that do not already weigh speed: prefer a warm deployment over a cold sibling.
  if (strategy === 'priority' || strategy === 'local-first') order = warmFirst(order, state.isCold);
  // The first matching prefer rule is the most significant: apply the last one first.
  for (let i = outcome.prefers.length - 1; i >= 0; i--) order = applyPreference(outcome.prefers[i]!.prefer, order, ctx);

  const restrictingRule = restrictions[0]?.rule;
  const first = order[0];
  const attempts: PlannedAttempt[] = order
    // Fail closed, belt and braces: nothing outside the allowed locations enters a plan.
    .filter((d) => allowedLocations.includes(d.location))
    .map((d) => {
      const preferred = outcome.prefers.find((p) => satisfiesPreference(p.prefer, d, first));
      const reason = reasons.get(d) ?? preferred?.rule ?? restrictingRule ?? strategy;
      return { deployment: d, reason };
    });
  return { plan: { ...base, attempts, excluded, allowedLocations } };
}

function exclusionFor(
  d: Deployment,
  facts: RequestFacts,
  restrictions: readonly LocationRestriction[],
  capabilityChecks: ReadonlyArray<{ rule: string; cap: RequirableCapability; strict: boolean }>,
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
