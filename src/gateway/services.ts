/**
 * What the request pipeline needs from each feature module, as small structural interfaces.
 * The gateway is wired from these at start; tests can pass their own.
 */
import type { Telemetry } from '../observability/telemetry.js';
import type { Logger } from 'pino';
import type { ChatRequest, Usage } from '../api/types.js';
import type { MeridianConfig } from '../config/schema.js';
import type { CacheResult, ResponseCache } from '../cache/index.js';
import type { Guard } from '../guard/index.js';
import type { Deployment, Price } from '../providers/spec.js';
import type { Router } from '../router/types.js';
import type { RequestLogEntry, Store } from '../store/types.js';
import type { Catalog } from './catalog.js';
import type { Principal } from './context.js';
import type { ReloadReport } from './reload.js';
import type { Budgets } from '../meter/budgets.js';
import type { EmbeddingUsage, PriceCheck } from '../meter/index.js';
import type { IncomingMessage } from 'node:http';

export interface CostResult {
  usd: number;
  /** No price is known for the deployment: `usd` is the `pricing.unknownModel` fallback (logged as `costEstimated`). */
  priceEstimated: boolean;
}

export interface MeterService {
  /** Cheap estimate for routing and limits (hot path). */
  estimatePromptTokens(req: ChatRequest): number;
  /** Tokenizer count, used only when the upstream reports no usage (off the event loop: src/meter/token-counter.ts). */
  countPromptTokens(req: ChatRequest): Promise<number>;
  /** Counts completion tokens from the text the model produced (used when the upstream gave no usage). */
  countCompletionTokens(text: string, model: string): Promise<number>;
  costOf(deployment: Deployment, usage: Usage): CostResult;
  /** Cost of an embeddings call: prompt tokens at the input rate. */
  costOfEmbedding(deployment: Deployment, usage: EmbeddingUsage): CostResult;
  /** Cost of transcribing `seconds` of audio (per minute; docs/audio.md). */
  costOfAudio(deployment: Deployment, seconds: number): CostResult;
  /**
   * At admission, before budgets: throws PolicyDeniedError (403 `price_unknown`) when a deployment
   * has no known price and `pricing.unknownModel` refuses (by default: when a USD budget applies).
   */
  checkPrices(deployments: readonly Deployment[], opts: { usdBudget: boolean }): PriceCheck;
  /** The price that applies to a deployment (config, shipped catalog, local cost model), for routing. */
  priceOf(deployment: Deployment): Price | undefined;
}

export type BudgetService = Budgets;

export interface AuthService {
  /** Returns who is calling; throws AuthenticationError when auth is on and the key is bad. */
  authenticate(req: IncomingMessage): Promise<Principal>;
  /** Request/token rate limits; throws RateLimitError. */
  admit(principal: Principal, estimatedTokens: number): Promise<void>;
}

export interface MetricsService {
  observe(entry: RequestLogEntry): void;
  routeDecision(alias: string, deployment: string, reason: string): void;
  inflight(delta: number): void;
  /** One response-cache decision for a request to `alias` (only for aliases with the cache on). */
  cacheResult?(alias: string, result: CacheResult): void;
  /** The configured alias names and deployment ids, the only values metric labels take; at start and on reload. */
  setKnownNames(aliases: Iterable<string>, deployments: Iterable<string>): void;
  /** Reads breaker states at each scrape. */
  watchBreakers(read: () => Iterable<readonly [deployment: string, state: 'closed' | 'half-open' | 'open']>): void;
}

/** What lives as long as the process: a reload cannot change these (store, auth mode, metrics registry). */
export interface ProcessServices {
  logger: Logger;
  store?: Store;
  auth?: AuthService;
  metrics?: MetricsService;
  /** OpenTelemetry traces and GenAI metrics; absent when `telemetry.enabled` is false. */
  telemetry?: Telemetry;
  /** The response cache (src/cache): built once, so a reload keeps what it holds; per-alias settings come from the current config. */
  cache?: ResponseCache;
  /** Re-reads the config source and swaps it in; undefined when the gateway was started without one. */
  reloadConfig?: (actor: string) => Promise<ReloadReport>;
}

/** What one config builds (rebuilt as a whole on reload). */
export interface ConfigServices {
  config: MeridianConfig;
  catalog: Catalog;
  router: Router;
  meter: MeterService;
  /** The privacy guard (src/guard: the one definition of Guard, Inspection and Restorer). */
  guard?: Guard;
  budgets?: BudgetService;
}

/**
 * One immutable generation of services: a request takes it when it arrives and keeps it to the
 * end, so a reload never mixes an old router with new deployments (or closed pools).
 */
export type GatewayServices = Readonly<ProcessServices & ConfigServices>;
