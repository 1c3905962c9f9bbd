/**
 * The router contract: facts about a request in, an ordered plan of attempts out, and the
 * executor that walks the plan (retries, fallback, breakers). The gateway only calls these.
 */
import type { Deployment, EngineState, Location } from '../providers/spec.js';

export type RequestKind = 'chat' | 'embeddings' | 'audio';

/** Everything a policy may look at. Collected once per request by the gateway. */
export interface RequestFacts {
  kind: RequestKind;
  /** What the client sent as `model` (an alias or `provider/model`). */
  alias: string;
  tenant?: string;
  keyId?: string;
  /** From `x-meridian-tags: a,b` and body `metadata` (`tags` key comma-separated, plus every key=value as `key:value`). */
  tags: string[];
  /** Privacy-guard findings: entity type → count (`email`, `phone`, `credit_card`, `secret`, …). */
  pii: Record<string, number>;
  /** The guard's decided action for this request (`local-only` restricts locations). */
  guardAction?: 'allow' | 'pseudonymize' | 'local-only' | 'block';
  /** Data policy carried by the API key / tenant (`local-only` for a regulated tenant). */
  dataPolicy?: 'local-only' | 'any';
  /** The retrieval collection whose chunks the request carries (`rag`, docs/rag.md). */
  collection?: string;
  hasTools: boolean;
  hasImages: boolean;
  estimatedPromptTokens: number;
  responseFormat: 'text' | 'json_object' | 'json_schema';
  stream: boolean;
  /**
   * Audio only: cloud deployments may hear it (`audio.allowCloud` globally or on the alias).
   * Unset or false, an audio request stays on local/private deployments (built-in `audio:local-only`).
   */
  audioCloud?: boolean;
  /** Set by budgets in `downgrade` mode once the budget is spent: only local deployments. */
  budgetDowngrade?: boolean;
}

export interface PlannedAttempt {
  deployment: Deployment;
  /** Why it is in the plan at this position (rule and strategy), for `x-meridian-route`. */
  reason: string;
}

/** Live health of a deployment as seen by the health monitor: `cold` = reachable, model not loaded yet. */
export type HealthState = 'up' | 'down' | 'cold';

/** `POST /v1/route/explain`: the plan for a request, computed without running anything. */
export interface RouteExplanation {
  alias: string;
  strategy: string;
  /** Rules that matched, in order. */
  rules: string[];
  /** In the order they would be tried. */
  eligible: Array<{ deployment: string; location: Location; reason: string }>;
  excluded: Exclusion[];
  allowedLocations: Location[];
  /** Set when a `deny` policy matched: the request would be refused with this message. */
  denied?: { rule: string; message: string };
  /** Set when the request would fail (denied or nothing eligible): the error the client would get. */
  error?: { status: number; code: string; message: string };
}

export interface Exclusion {
  deployment: string;
  /** Name of the rule (or built-in check such as `capability:tools`, `breaker-open`). */
  rule: string;
  reason: string;
  /** Set when the deployment lacks a capability the request needs (built-in check or a policy's `require`). */
  capability?: string;
}

export interface RoutePlan {
  alias: string;
  attempts: PlannedAttempt[];
  excluded: Exclusion[];
  strategy: string;
  /** Rules that matched, in order. */
  rules: string[];
  /** Locations this request may run in; a restricted request never leaves them (fail closed). */
  allowedLocations: Location[];
}

export interface AttemptRecord {
  deployment: string;
  location: Location;
  ok: boolean;
  /** Error code and message when it failed (no secrets). */
  error?: { code: string; message: string; status: number };
  latencyMs: number;
  /** Retries on the same deployment before this record's outcome. */
  retries?: number;
  /** Why this deployment was tried (plan reason, `overflow`, `breaker-open` skip…). Additive. */
  reason?: string;
}

export interface ExecuteResult<T> {
  value: T;
  deployment: Deployment;
  reason: string;
  attempts: AttemptRecord[];
  /** The plan's strategy (additive; for `x-meridian-route`). */
  strategy?: string;
  /**
   * Call when the request is fully finished (stream ended) to free the in-flight slot. It aborts
   * the attempt's signal, cancelling whatever is still open upstream, unless `settled` says the
   * upstream answer was read to its end (a complete response): then the signal is left alone.
   */
  release(outcome?: { ok: boolean; ttftMs?: number; outputTokens?: number; durationMs?: number; settled?: boolean }): void;
}

export interface Router {
  /** Orders the candidates for the facts; throws PolicyDeniedError / NoDeploymentError with reasons. */
  plan(facts: RequestFacts, candidates: Deployment[], aliasStrategy?: string): RoutePlan;
  /** The same decision as `plan`, as JSON, never throwing for policy outcomes (additive). */
  explain(facts: RequestFacts, candidates: Deployment[], aliasStrategy?: string): RouteExplanation;
  /** Fed by the health monitor (additive). `down` deployments are excluded; `cold` ones do not trip breakers on timeouts. */
  setHealth(deploymentId: string, state: HealthState): void;
  /**
   * Fed by the health monitor (additive): the engine's own queue and loaded models. A queue at
   * `router.queueThreshold` makes the deployment saturated for overflow; undefined forgets.
   */
  setEngineState?(deploymentId: string, state: EngineState | undefined): void;
  /**
   * Runs `run` on the plan's attempts until one succeeds. `run` must resolve only once the
   * attempt is committed (for a stream: its first event has arrived), so fallback never happens
   * after bytes reached the client.
   */
  execute<T>(plan: RoutePlan, run: (d: Deployment, signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<ExecuteResult<T>>;
}
