/**
 * `createRouter`: the policy router as one object. Policies are compiled once; live state
 * (in-flight, EWMA, health, breakers) is in memory per replica.
 */
import { CapabilityError, ConfigError, NoDeploymentError, PolicyDeniedError, type MeridianError } from '../errors.js';
import type { Deployment, EngineState, Price } from '../providers/spec.js';
import type { Counters } from '../store/types.js';
import { CircuitBreakers } from './breaker.js';
import type { PolicyConfig, RouterConfig, StrategyName } from './config.js';
import { executePlan } from './executor.js';
import { LiveState, type DeploymentStats } from './live-state.js';
import { decide, type Decision, type PlannerState } from './planner.js';
import { compilePolicies } from './policies.js';
import { isStrategyName, seededRandom } from './strategies.js';
import type { Exclusion, HealthState, RequestFacts, RouteExplanation, RoutePlan, Router } from './types.js';

export interface RouterDeps {
  /** Reserved for sharing breaker/in-flight state across replicas; today all state is per replica. */
  counters?: Counters;
  /** Clock for breakers (ms). Tests pass a fake one. */
  now?: () => number;
  /** Randomness for jitter and `weighted`; defaults to a PRNG seeded by `router.seed`, else Math.random. */
  random?: () => number;
  /**
   * True while a deployment's model is not loaded yet (e.g. Ollama loading weights): its
   * timeouts do not count against the breaker. Deployments the health monitor marked `cold`
   * count as cold too.
   */
  isCold?: (d: Deployment) => boolean;
  /**
   * The price that applies to a deployment, for `cheapest` and `prefer: cheapest`. The gateway
   * passes the meter's resolution (config, shipped catalog, local cost model); default: `d.price`.
   */
  priceOf?: (d: Deployment) => Price | undefined;
}

/** No deployment may serve the request; `excluded` names the rule that excluded each candidate. */
export class NoEligibleDeploymentError extends NoDeploymentError {
  constructor(
    readonly alias: string,
    readonly excluded: Exclusion[],
  ) {
    const list = excluded.map((x) => `${x.deployment} (${x.rule}: ${x.reason})`).join('; ');
    super(excluded.length ? `No deployment may serve '${alias}': ${list}.` : `No deployment is configured for '${alias}'.`);
  }
}

/** Every candidate was excluded because it lacks a capability the request needs (tools, vision, context window…). */
export class NoCapableDeploymentError extends CapabilityError {
  constructor(
    readonly alias: string,
    readonly excluded: Exclusion[],
  ) {
    const caps = [...new Set(excluded.map((x) => x.capability!))];
    const list = excluded.map((x) => `${x.deployment} (${x.reason})`).join('; ');
    super(`No deployment of '${alias}' supports what this request needs (${caps.join(', ')}): ${list}.`, caps.join(','));
  }
}

/** A `deny` policy matched; the message is the policy's own. */
export class PolicyRuleDeniedError extends PolicyDeniedError {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RouterInstance extends Router {
  /** Breaker state for dashboards and tests. */
  breakerState(deploymentId: string): 'closed' | 'open' | 'half-open';
  inFlight(deploymentId: string): number;
  stats(deploymentId: string): DeploymentStats;
  health(deploymentId: string): HealthState;
  setEngineState(deploymentId: string, state: EngineState | undefined): void;
  /** What the deployment's engine last reported (health monitor), if anything. */
  engineState(deploymentId: string): EngineState | undefined;
  /** Requests waiting for a slot right now. */
  queueLength(): number;
}

export function createRouter(config: { router: RouterConfig; policies: readonly PolicyConfig[] }, deps: RouterDeps = {}): RouterInstance {
  const routerConfig = config.router;
  if (!isStrategyName(routerConfig.strategy)) throw new ConfigError(`router.strategy '${routerConfig.strategy}' is unknown.`);
  const now = deps.now ?? Date.now;
  const random = deps.random ?? (routerConfig.seed !== undefined ? seededRandom(routerConfig.seed) : Math.random);
  const live = new LiveState();
  const breakers = new CircuitBreakers(routerConfig.breaker, now);
  const isCold = (d: Deployment) => live.healthOf(d.id) === 'cold' || (deps.isCold?.(d) ?? false);
  const planner: PlannerState = {
    policies: compilePolicies(config.policies),
    live,
    breakers,
    random,
    isCold,
    priceOf: deps.priceOf ?? ((d) => d.price),
  };

  function strategyFor(aliasStrategy: string | undefined): StrategyName {
    const s = aliasStrategy ?? routerConfig.strategy;
    if (!isStrategyName(s))
      throw new ConfigError(`Strategy '${s}' is unknown. Use one of: priority, cheapest, fastest, weighted, least-busy, local-first.`);
    return s;
  }

  function failureOf(decision: Decision): MeridianError | undefined {
    if (decision.denied) return new PolicyRuleDeniedError(decision.denied.rule, decision.denied.message);
    const { alias, attempts, excluded } = decision.plan;
    if (attempts.length > 0) return undefined;
    // Every candidate lacks something the request itself asks for: the client must change the
    // request (or the alias), so a 4xx naming the capability, not a retryable 503.
    const missing = excluded.length > 0 && excluded.every((x) => x.capability !== undefined);
    if (missing) return new NoCapableDeploymentError(alias, excluded);
    return new NoEligibleDeploymentError(alias, excluded);
  }

  return {
    plan(facts: RequestFacts, candidates: Deployment[], aliasStrategy?: string): RoutePlan {
      const decision = decide(facts, candidates, strategyFor(aliasStrategy), planner);
      const failure = failureOf(decision);
      if (failure) throw failure;
      return decision.plan;
    },

    explain(facts: RequestFacts, candidates: Deployment[], aliasStrategy?: string): RouteExplanation {
      const decision = decide(facts, candidates, strategyFor(aliasStrategy), planner);
      const { plan } = decision;
      const failure = failureOf(decision);
      return {
        alias: plan.alias,
        strategy: plan.strategy,
        rules: plan.rules,
        eligible: plan.attempts.map((a) => ({ deployment: a.deployment.id, location: a.deployment.location, reason: a.reason })),
        excluded: plan.excluded,
        allowedLocations: plan.allowedLocations,
        ...(decision.denied ? { denied: decision.denied } : {}),
        ...(failure ? { error: { status: failure.status, code: failure.code, message: failure.message } } : {}),
      };
    },

    execute(plan, run, signal) {
      return executePlan(plan, run, signal, { config: routerConfig, live, breakers, isCold, random });
    },

    setHealth(deploymentId: string, state: HealthState): void {
      live.setHealth(deploymentId, state);
    },

    setEngineState(deploymentId: string, state: EngineState | undefined): void {
      live.setEngineState(deploymentId, state);
    },
    engineState: (id) => live.engineOf(id),

    breakerState: (id) => breakers.state(id),
    inFlight: (id) => live.inFlightOf(id),
    stats: (id) => live.statsOf(id),
    health: (id) => live.healthOf(id),
    queueLength: () => live.queueLength(),
  };
}

/** Visible ASCII with no `;`, no leading/trailing space: the usual id or reason, sent as is. */
const SAFE_HEADER_PART = /^(?:[\x21-\x3a\x3c-\x7e](?:[\x20-\x3a\x3c-\x7e]*[\x21-\x3a\x3c-\x7e])?)?$/;

/** `x-meridian-route` header value: `<deployment>; reason=<rule or strategy>; strategy=<strategy>`. */
export function formatRouteHeader(result: { deployment: Deployment | string; reason: string; strategy?: string }): string {
  const id = typeof result.deployment === 'string' ? result.deployment : result.deployment.id;
  // Header values must stay on one line, not break the `;` structure, and be sendable (visible
  // ASCII: a model id such as `qwen-中文` is percent-encoded rather than failing the response).
  const clean = (s: string) =>
    SAFE_HEADER_PART.test(s)
      ? s
      : s
          .replace(/[;\r\n]/g, ' ')
          .trim()
          .replace(/[^\x20-\x7e]+/g, (run) => encodeURIComponent(run));
  return `${clean(id)}; reason=${clean(result.reason)}${result.strategy ? `; strategy=${clean(result.strategy)}` : ''}`;
}
