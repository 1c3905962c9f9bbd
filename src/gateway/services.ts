/**
 * What the request pipeline needs from each feature module, as small structural interfaces.
 * The gateway is wired from these at start; tests can pass their own.
 */
import type { Logger } from 'pino';
import type { ChatRequest, ChatResponse, Usage } from '../api/types.js';
import type { MeridianConfig } from '../config/schema.js';
import type { Deployment, Price } from '../providers/spec.js';
import type { StreamEvent } from '../api/types.js';
import type { Router } from '../router/types.js';
import type { RequestLogEntry, Store } from '../store/types.js';
import type { Catalog } from './catalog.js';
import type { Principal } from './context.js';
import type { ReloadReport } from './reload.js';
import type { Budgets } from '../meter/budgets.js';
import type { IncomingMessage } from 'node:http';

export interface Inspection {
  counts: Record<string, number>;
  action: 'allow' | 'pseudonymize' | 'local-only' | 'block';
}

export interface Restorer {
  /** Number of placeholders; 0 means nothing to restore (the response passes through untouched). */
  readonly size?: number;
  restoreResponse(res: ChatResponse): ChatResponse;
  restoreStream(events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>;
}

export interface GuardService {
  /** The guard's inspect is async (it yields while scanning); a test double may answer directly. */
  inspect(req: ChatRequest, signal?: AbortSignal): Inspection | Promise<Inspection>;
  pseudonymize(req: ChatRequest, inspection: Inspection): { request: ChatRequest; restorer: Restorer };
}

export interface CostResult {
  usd: number;
  estimated: boolean;
}

export interface MeterService {
  /** Cheap estimate for routing and limits (hot path). */
  estimatePromptTokens(req: ChatRequest): number;
  /** Tokenizer count, used only when the upstream reports no usage. */
  countPromptTokens(req: ChatRequest): number;
  /** Counts completion tokens from the text the model produced (used when the upstream gave no usage). */
  countCompletionTokens(text: string, model: string): number;
  costOf(deployment: Deployment, usage: Usage): CostResult;
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
}

export interface GatewayServices {
  config: MeridianConfig;
  catalog: Catalog;
  router: Router;
  logger: Logger;
  meter: MeterService;
  store?: Store;
  guard?: GuardService;
  budgets?: BudgetService;
  auth?: AuthService;
  metrics?: MetricsService;
  /** Re-reads the config file and swaps it in (set by `meridian serve` when it has a file). */
  reloadConfig?: (actor: string) => Promise<ReloadReport>;
}
