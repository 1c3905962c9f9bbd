/**
 * The pipeline every endpoint shares (chat, /v1/messages, embeddings, and the ones to come).
 * An endpoint parses its wire format into a `Subject`, calls `admit` (model allowed → resolve →
 * guard inspect → rate limits → prices and budgets → plan), runs the plan's attempts, writes its
 * answer, and `runPipeline` finishes every request the same way (settle budgets, log, metrics),
 * whether it succeeded, failed or was refused.
 */
import type { ChatRequest } from '../api/types.js';
import { BudgetExceededError, PolicyDeniedError, toMeridianError, type MeridianError } from '../errors.js';
import { formatPiiHeader } from '../guard/index.js';
import type { Inspection } from '../guard/index.js';
import type { BudgetDecision } from '../meter/budgets.js';
import type { Deployment } from '../providers/spec.js';
import type { AttemptRecord, RequestFacts, RequestKind, RoutePlan } from '../router/types.js';
import type { RequestLogEntry } from '../store/types.js';
import type { RequestTrace } from '../observability/telemetry.js';
import type { ResolvedModel } from './catalog.js';
import { assertModelAllowed, collectTags, type RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

/** What an endpoint asks the pipeline to admit, independent of its wire format. */
export interface Subject {
  kind: RequestKind;
  model: string;
  /** The request as the guard and the policies see it (embeddings: text inputs as user messages). */
  view: ChatRequest;
  /** False when the input cannot be read as text (token-id embeddings): nothing to inspect. */
  inspectable: boolean;
  estimatedPromptTokens: number;
  /** Output tokens a budget reserves before the request (0 for embeddings). */
  expectedOutputTokens: number;
  /** Audio: seconds read from the file's header (what budgets reserve at per-minute prices). */
  audioSeconds?: number;
  /** Audio: cloud deployments may hear it (`audio.allowCloud`); otherwise local/private only. */
  audioCloud?: boolean;
}

export interface Admission {
  resolved: ResolvedModel;
  facts: RequestFacts;
  inspection: Inspection | undefined;
  plan: RoutePlan;
}

/** One request's bookkeeping, from admission to finish. */
export interface Pending {
  entry: RequestLogEntry;
  budget?: BudgetDecision;
  /** The request's trace when telemetry is on. */
  trace?: RequestTrace;
}

/** `attempt` run inside its trace span when the request is traced; itself otherwise (nothing to pay when off). */
export function traced<T>(
  pending: Pending,
  attempt: (d: Deployment, signal: AbortSignal) => Promise<T>,
): (d: Deployment, signal: AbortSignal) => Promise<T> {
  const trace = pending.trace;
  return trace ? (d, signal) => trace.attempt(d, () => attempt(d, signal)) : attempt;
}

/** How an endpoint renders a failure (OpenAI envelope, Anthropic envelope…). */
export interface ErrorWire {
  sendError(res: RequestContext['res'], err: unknown): MeridianError;
}

/**
 * Runs one accepted request: `serve` does the endpoint's work on a fresh log entry; a failure is
 * rendered by `wire`; budgets are settled and the entry logged and measured in every case.
 */
export async function runPipeline(
  g: GatewayServices,
  ctx: RequestContext,
  wire: ErrorWire,
  start: PipelineStart,
  serve: (pending: Pending) => Promise<void>,
): Promise<void> {
  const pending: Pending = { entry: newEntry(ctx, start) };
  if (g.telemetry)
    pending.trace = g.telemetry.startRequest({ operation: start.kind, model: start.model, headers: ctx.req.headers, start: ctx.start });
  try {
    await serve(pending);
  } catch (err) {
    fail(g, ctx, pending, wire, err);
  } finally {
    const settling = finish(g, ctx, pending);
    if (settling) await settling;
  }
}

/** `promptVersion`: the registered prompt version the request ran (`name@7`), when it named one. */
export interface PipelineStart {
  kind: RequestKind;
  model: string;
  stream: boolean;
  promptVersion?: string | undefined;
  /** `experiment/variant` when the alias runs an experiment. */
  variant?: string | undefined;
}

/** Built field by field in the entry's usual order: no throw-away object spread per optional field. */
function newEntry(ctx: RequestContext, start: PipelineStart): RequestLogEntry {
  const entry = {} as RequestLogEntry;
  if (start.promptVersion !== undefined) entry.promptVersion = start.promptVersion;
  if (ctx.episode !== undefined) entry.episode = ctx.episode;
  if (start.variant !== undefined) entry.variant = start.variant;
  entry.id = ctx.requestId;
  if (ctx.clientRequestId !== undefined) entry.clientRequestId = ctx.clientRequestId;
  entry.time = ctx.time;
  entry.tenant = ctx.principal.tenant;
  entry.keyId = ctx.principal.keyId;
  entry.kind = start.kind;
  entry.alias = start.model;
  entry.attempts = [];
  entry.status = 0;
  entry.stream = start.stream;
  entry.latencyMs = 0;
  return entry;
}

/** The explainable refusal: status, code, the attempts made, and what was found; headers still say where and why. */
function fail(g: GatewayServices, ctx: RequestContext, pending: Pending, wire: ErrorWire, err: unknown): void {
  const { entry } = pending;
  const e = toMeridianError(err);
  entry.status = e.status;
  entry.errorCode = e.code;
  const attempts = (err as { attempts?: AttemptRecord[] }).attempts;
  if (attempts) entry.attempts = [...entry.attempts, ...attempts];
  if (e.status >= 500) {
    g.logger.warn(
      {
        requestId: ctx.requestId,
        code: e.code,
        err: scrubbed(g, e.message),
        ...(e.cause !== undefined ? { cause: describeCause(g, e.cause) } : {}),
      },
      `${entry.kind} request failed`,
    );
  }
  if (!ctx.res.headersSent) {
    // Refusals explain themselves too: what was found, and that nothing ran (and why).
    if (entry.pii) ctx.res.setHeader('x-meridian-pii', formatPiiHeader(entry.pii));
    ctx.res.setHeader('x-meridian-route', `none; reason=${e.code}`);
  }
  wire.sendError(ctx.res, e);
}

/** Settles, logs and measures the request; a promise only when a budget is being settled. */
function finish(g: GatewayServices, ctx: RequestContext, pending: Pending): Promise<void> | undefined {
  const { entry } = pending;
  entry.latencyMs = round(performance.now() - ctx.start);
  const settling = pending.budget
    ? g.budgets
        // A cache hit consumes nothing: settling at zero releases the whole reservation.
        ?.settle(pending.budget, {
          usd: entry.costUsd ?? 0,
          tokens: entry.cacheHit ? 0 : (entry.promptTokens ?? 0) + (entry.completionTokens ?? 0),
        })
        .catch((err: unknown) => g.logger.error({ requestId: ctx.requestId, err: (err as Error).message }, 'budget settle failed'))
    : undefined;
  return settling ? settling.then(() => record(g, pending)) : record(g, pending);
}

/** The request log entry and the metrics, once the budget (if any) is settled. */
function record(g: GatewayServices, pending: Pending): undefined {
  const { entry } = pending;
  // Upstream error messages may echo the prompt: nothing with personal data reaches the log.
  const attempts = entry.attempts as AttemptRecord[];
  if (attempts.some((a) => a.error)) {
    entry.attempts = attempts.map((a) => (a.error ? { ...a, error: { ...a.error, message: scrubbed(g, a.error.message) } } : a));
  }
  if (g.config.log.requests) g.store?.requestLog.append(entry);
  g.metrics?.observe(entry);
  pending.trace?.end(entry);
  return undefined;
}

/** Text for logs and the stored request log: every finding replaced by its type (`[EMAIL]`). */
export function scrubbed(g: Pick<GatewayServices, 'guard'>, text: string): string {
  return g.guard ? g.guard.scrub(text) : text;
}

/** Admits a request: every check, in one order, for every endpoint. Throws the refusal. */
export async function admit(g: GatewayServices, ctx: RequestContext, pending: Pending, subject: Subject): Promise<Admission> {
  const { entry } = pending;
  const principal = ctx.principal;
  assertModelAllowed(principal, subject.model);
  const resolved = g.catalog.resolve(subject.model);

  const inspection = subject.inspectable ? await g.guard?.inspect(subject.view, ctx.signal) : undefined;
  if (inspection) {
    if (Object.keys(inspection.counts).length) entry.pii = inspection.counts;
    entry.guardAction = inspection.action;
    if (inspection.action === 'block') throw blocked(inspection);
  }

  if (g.auth) await g.auth.admit(principal, subject.estimatedPromptTokens);
  const facts = requestFacts(ctx, subject, resolved.alias, inspection);
  const reserving = reserveBudget(g, ctx, pending, subject, resolved, facts);
  if (reserving) await reserving;

  const plan = planRequest(g, entry, facts, resolved);
  return { resolved, facts, inspection, plan };
}

function blocked(inspection: Inspection): PolicyDeniedError {
  if (inspection.counts.unscannable) {
    return new PolicyDeniedError(
      'Request blocked by the privacy policy: it is too large to scan for personal data (guard.maxScanChars).',
      'pii_unscannable',
    );
  }
  return new PolicyDeniedError(
    `Request blocked by the privacy policy: it contains ${Object.keys(inspection.counts).join(', ')}.`,
    'pii_blocked',
  );
}

/** Plans, keeping the planner's exclusions in the log whether or not anything is left to try. */
function planRequest(g: GatewayServices, entry: RequestLogEntry, facts: RequestFacts, resolved: ResolvedModel): RoutePlan {
  try {
    const plan = g.router.plan(facts, resolved.deployments, resolved.strategy);
    if (plan.excluded.length) entry.excluded = plan.excluded;
    entry.attempts = skippedAttempts(plan, resolved.deployments);
    return plan;
  } catch (err) {
    const excluded = (err as { excluded?: RoutePlan['excluded'] }).excluded;
    if (excluded?.length) entry.excluded = excluded;
    throw err;
  }
}

/**
 * Reserves the request's estimated spend against every budget that applies (released by `finish`).
 * Undefined when there is nothing to reserve: the usual request pays for no promise.
 */
function reserveBudget(
  g: GatewayServices,
  ctx: RequestContext,
  pending: Pending,
  subject: Subject,
  resolved: ResolvedModel,
  facts: RequestFacts,
): Promise<void> | undefined {
  const principal = ctx.principal;
  const budgetContext = {
    ...(principal.tenant ? { tenant: principal.tenant } : {}),
    ...(principal.keyId ? { keyId: principal.keyId } : {}),
    alias: resolved.alias,
    ...(principal.budget ? { keyBudget: principal.budget } : {}),
  };
  // A deployment with no known price must not pass a USD budget as free (pricing.unknownModel).
  g.meter.checkPrices(resolved.deployments, { usdBudget: g.budgets?.hasUsdBudget(budgetContext) ?? false });
  // No budget rule and no key budget: nothing to reserve (skips pricing every candidate per request).
  if (!g.budgets || (g.config.budgets.length === 0 && !principal.budget)) return undefined;
  return reserve(g, ctx, pending, subject, resolved, facts, budgetContext);
}

async function reserve(
  g: GatewayServices,
  ctx: RequestContext,
  pending: Pending,
  subject: Subject,
  resolved: ResolvedModel,
  facts: RequestFacts,
  budgetContext: Parameters<NonNullable<GatewayServices['budgets']>['check']>[0],
): Promise<void> {
  const principal = ctx.principal;
  const decision = await g.budgets!.check(budgetContext, {
    usd: estimateUsd(g, resolved.deployments, subject),
    tokens: subject.estimatedPromptTokens + subject.expectedOutputTokens,
  });
  pending.budget = decision;
  if (decision.warnings.length) {
    g.logger.warn(
      { requestId: ctx.requestId, tenant: principal.tenant, alias: resolved.alias, budgets: decision.warnings },
      'budget warning',
    );
  }
  if (decision.downgrade) {
    // Nothing local to downgrade to: say which budget is spent (429) rather than "no deployment" (503).
    if (!resolved.deployments.some((d) => d.location === 'local')) {
      throw new BudgetExceededError(
        `Budget exceeded: ${decision.warnings.join('; ')}. '${resolved.alias}' has no local deployment to downgrade to.`,
        decision.downgradeResetSeconds,
      );
    }
    facts.budgetDowngrade = true;
  }
}

/**
 * USD a budget reserves: at the price of the alias's most expensive deployment, because the
 * router may fall back to any of them; settling gives back what the served one did not cost.
 */
function estimateUsd(g: GatewayServices, deployments: readonly Deployment[], subject: Subject): number {
  const prompt = subject.estimatedPromptTokens;
  const out = subject.expectedOutputTokens;
  const usage = { prompt_tokens: prompt, completion_tokens: out, total_tokens: prompt + out };
  const costOf =
    subject.kind === 'audio'
      ? (d: Deployment) => g.meter.costOfAudio(d, subject.audioSeconds ?? 0)
      : subject.kind === 'embeddings'
        ? (d: Deployment) => g.meter.costOfEmbedding(d, usage)
        : (d: Deployment) => g.meter.costOf(d, usage);
  return deployments.reduce((max, d) => Math.max(max, costOf(d).usd), 0);
}

/** The facts policies look at, collected once per request (also by `POST /v1/route/explain`). */
export function requestFacts(
  ctx: RequestContext,
  subject: Pick<Subject, 'kind' | 'view' | 'estimatedPromptTokens' | 'audioCloud'>,
  alias: string,
  inspection: Inspection | undefined,
): RequestFacts {
  const request = subject.view;
  let hasImages = false;
  for (const m of request.messages) {
    if (Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url')) {
      hasImages = true;
      break;
    }
  }
  // Built field by field in the usual order: no throw-away object spread per optional field.
  const facts = { kind: subject.kind, alias } as RequestFacts;
  const principal = ctx.principal;
  if (principal.tenant) facts.tenant = principal.tenant;
  if (principal.keyId) facts.keyId = principal.keyId;
  facts.tags = collectTags(ctx.req.headers['x-meridian-tags'], request.metadata);
  facts.pii = inspection?.counts ?? {};
  if (inspection) facts.guardAction = inspection.action;
  if (principal.dataPolicy) facts.dataPolicy = principal.dataPolicy;
  if (ctx.collection) facts.collection = ctx.collection;
  facts.hasTools = (request.tools?.length ?? 0) > 0;
  facts.hasImages = hasImages;
  facts.estimatedPromptTokens = subject.estimatedPromptTokens;
  facts.responseFormat = request.response_format?.type ?? 'text';
  facts.stream = request.stream === true;
  if (subject.audioCloud) facts.audioCloud = true;
  return facts;
}

/**
 * Candidates the planner left out because they are unhealthy (open breaker, failed health probe),
 * logged as skipped attempts so the request log shows why they were not tried. Policy and
 * capability exclusions are decisions, not skips: they are in `entry.excluded`.
 */
function skippedAttempts(plan: RoutePlan, candidates: readonly Deployment[]): AttemptRecord[] {
  const out: AttemptRecord[] = [];
  for (const x of plan.excluded) {
    if (x.rule !== 'breaker-open' && x.rule !== 'health') continue;
    const d = candidates.find((c) => c.id === x.deployment);
    if (!d) continue;
    const code = x.rule === 'health' ? 'deployment_down' : 'breaker_open';
    out.push({
      deployment: d.id,
      location: d.location,
      ok: false,
      error: { code, message: `skipped: ${x.reason}`, status: 503 },
      latencyMs: 0,
      reason: x.rule,
    });
  }
  return out;
}

/** A failure's cause for the operator's log: its class, scrubbed message and call sites (never a request body). */
export function describeCause(g: Pick<GatewayServices, 'guard'>, cause: unknown): { name: string; message: string; stack?: string } {
  if (!(cause instanceof Error)) return { name: typeof cause, message: scrubbed(g, String(cause).slice(0, 500)) };
  // The stack's first line repeats the message: keep only the frames.
  const frames = cause.stack
    ?.split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .join('\n');
  return { name: cause.name, message: scrubbed(g, cause.message.slice(0, 500)), ...(frames ? { stack: frames } : {}) };
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
