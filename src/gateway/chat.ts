/**
 * A chat request, whatever its wire format: parse → authorize → inspect → plan → execute
 * attempts → respond → account. Each stage is a service call; this module only wires them in
 * order. `wire` says how the client speaks (OpenAI at /v1/chat/completions, Anthropic at /v1/messages).
 */
import type { ChatRequest, ChatResponse, Usage } from '../api/types.js';
import { BudgetExceededError, PolicyDeniedError, toMeridianError } from '../errors.js';
import type { ChatResult, Deployment } from '../providers/spec.js';
import type { StreamEvent } from '../api/types.js';
import type { AttemptRecord, RequestFacts, RoutePlan } from '../router/types.js';
import type { RequestLogEntry } from '../store/types.js';
import { readJsonBody } from '../server/http-util.js';
import { assertModelAllowed, collectTags, type RequestContext } from './context.js';
import { formatPiiHeader, formatUsd, routeHeader } from './headers.js';
import type { BudgetDecision } from '../meter/budgets.js';
import type { GatewayServices, Inspection, Restorer } from './services.js';
import { openaiWire, type ChatWire } from './wire.js';

type Committed =
  | { type: 'response'; response: ChatResponse; raw?: Buffer }
  | { type: 'stream'; first: IteratorResult<StreamEvent>; rest: AsyncIterator<StreamEvent>; ttftMs: number };

/** POST /v1/chat/completions */
export function handleChat(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleChatWire(g, ctx, openaiWire);
}

export async function handleChatWire(g: GatewayServices, ctx: RequestContext, wire: ChatWire): Promise<void> {
  const body = await readJsonBody(ctx.req, g.config.server.bodyLimitBytes);
  const request = wire.parse(body);
  const entry: RequestLogEntry = {
    id: ctx.requestId,
    time: ctx.time,
    tenant: ctx.principal.tenant,
    keyId: ctx.principal.keyId,
    kind: 'chat',
    alias: request.model,
    attempts: [],
    status: 0,
    stream: request.stream === true,
    latencyMs: 0,
  };
  const state: { budget?: BudgetDecision } = {};
  try {
    await serveChat(g, ctx, request, entry, state, wire);
  } catch (err) {
    const e = toMeridianError(err);
    entry.status = e.status;
    entry.errorCode = e.code;
    const attempts = (err as { attempts?: AttemptRecord[] }).attempts;
    if (attempts) entry.attempts = [...entry.attempts, ...attempts];
    if (e.status >= 500) g.logger.warn({ requestId: ctx.requestId, code: e.code, err: e.message }, 'chat request failed');
    // Errors after inspection (block, local-only with no local deployment, guard failure) still tell the client what was found.
    if (entry.pii && !ctx.res.headersSent) ctx.res.setHeader('x-meridian-pii', formatPiiHeader(entry.pii));
    wire.sendError(ctx.res, e);
  } finally {
    entry.latencyMs = round(performance.now() - ctx.start);
    if (state.budget)
      await g.budgets
        ?.settle(state.budget, { usd: entry.costUsd ?? 0, tokens: (entry.promptTokens ?? 0) + (entry.completionTokens ?? 0) })
        .catch(() => {});
    if (g.config.log.requests) g.store?.requestLog.append(entry);
    g.metrics?.observe(entry);
  }
}

async function serveChat(
  g: GatewayServices,
  ctx: RequestContext,
  request: ChatRequest,
  entry: RequestLogEntry,
  state: { budget?: BudgetDecision },
  wire: ChatWire,
): Promise<void> {
  const principal = ctx.principal;
  assertModelAllowed(principal, request.model);
  const resolved = g.catalog.resolve(request.model);
  const estimatedPromptTokens = g.meter.estimatePromptTokens(request);
  await g.auth?.admit(principal, estimatedPromptTokens);

  const inspection = await g.guard?.inspect(request, ctx.signal);
  if (inspection && Object.keys(inspection.counts).length) entry.pii = inspection.counts;
  if (inspection?.action === 'block') {
    throw new PolicyDeniedError(
      `Request blocked by the privacy policy: it contains ${Object.keys(inspection.counts).join(', ')}.`,
      'pii_blocked',
    );
  }

  const facts = requestFacts(ctx, request, resolved.alias, estimatedPromptTokens, inspection);
  // No budget rule and no key budget: nothing to reserve (skips pricing every candidate per request).
  if (g.budgets && (g.config.budgets.length > 0 || principal.budget)) {
    const decision = await g.budgets.check(
      {
        ...(principal.tenant ? { tenant: principal.tenant } : {}),
        ...(principal.keyId ? { keyId: principal.keyId } : {}),
        alias: resolved.alias,
        ...(principal.budget ? { keyBudget: principal.budget } : {}),
      },
      {
        usd: estimateUsd(g, resolved.deployments, estimatedPromptTokens, request),
        tokens: estimatedPromptTokens + expectedOutputTokens(request),
      },
    );
    state.budget = decision;
    if (decision.warnings.length)
      g.logger.warn(
        { requestId: ctx.requestId, tenant: principal.tenant, alias: resolved.alias, budgets: decision.warnings },
        'budget warning',
      );
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
  const plan = g.router.plan(facts, resolved.deployments, resolved.strategy);
  entry.attempts = skippedAttempts(plan, resolved.deployments);

  const restorers = new Map<string, Restorer>();
  const result = await g.router.execute(
    plan,
    async (d, signal) => {
      let upstreamRequest: ChatRequest = { ...request, model: d.model };
      if (inspection?.action === 'pseudonymize' && d.location === 'cloud') {
        const p = g.guard!.pseudonymize(upstreamRequest, inspection);
        upstreamRequest = p.request;
        if (p.restorer.size !== 0) restorers.set(d.id, p.restorer);
      }
      const t0 = performance.now();
      return commit(await d.provider.adapter.chat({ request: upstreamRequest, deployment: d, signal }), t0);
    },
    ctx.signal,
  );

  const d = result.deployment;
  entry.deployment = d.id;
  entry.location = d.location;
  entry.routeReason = result.reason;
  entry.attempts = [...entry.attempts, ...result.attempts];
  g.metrics?.routeDecision(resolved.alias, d.id, result.reason);
  const headers: Record<string, string> = {
    'x-request-id': ctx.requestId,
    'x-meridian-route': routeHeader(d.id, result.reason, plan.strategy),
  };
  if (entry.pii) headers['x-meridian-pii'] = formatPiiHeader(entry.pii);
  if (state.budget?.warningHeader) headers['x-meridian-budget-warning'] = state.budget.warningHeader;

  const restorer = restorers.get(d.id);
  let ok = false;
  try {
    const committed = result.value;
    if (committed.type === 'response') {
      let response = committed.response;
      let raw = committed.raw;
      if (restorer) {
        response = restorer.restoreResponse(response);
        raw = undefined;
      }
      const usage = response.usage ?? countUsage(g, request, response, d);
      account(g, entry, d, usage, response.usage === undefined);
      headers['x-meridian-cost-usd'] = formatUsd(entry.costUsd);
      if (!response.usage) {
        response = { ...response, usage };
        raw = undefined;
      }
      entry.status = 200;
      wire.sendResponse(ctx.res, response, raw, headers);
      ok = true;
    } else {
      entry.ttftMs = round(committed.ttftMs);
      let rest = committed.rest;
      let first = committed.first;
      if (restorer) {
        const restored = restorer.restoreStream(prepend(first, rest))[Symbol.asyncIterator]();
        first = await restored.next();
        rest = restored;
      }
      entry.status = 200;
      const outcome = await wire.writeStream(ctx.res, first, rest, {
        headers,
        includeUsage: request.stream_options?.include_usage === true,
        countUsage: (text) => {
          const prompt = g.meter.countPromptTokens(request);
          const completion = g.meter.countCompletionTokens(text, d.model);
          return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
        },
        costOf: (usage, estimated) => account(g, entry, d, usage, estimated),
        signal: ctx.signal,
      });
      if (outcome.error) {
        entry.status = outcome.error.status;
        entry.errorCode = outcome.error.code;
      }
      ok = !outcome.error;
    }
  } finally {
    result.release({
      ok,
      ...(entry.ttftMs !== undefined ? { ttftMs: entry.ttftMs } : {}),
      outputTokens: entry.completionTokens ?? 0,
      durationMs: performance.now() - ctx.start,
    });
  }
}

/**
 * Candidates the planner left out because they are unhealthy (open breaker, failed health probe),
 * logged as skipped attempts so the request log shows why they were not tried. Policy and
 * capability exclusions are decisions, not skips: `/v1/route/explain` shows those.
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

/** Resolves once the attempt is committed: a response, or a stream whose first event arrived. */
async function commit(result: ChatResult, t0: number): Promise<Committed> {
  if (result.type === 'response') return result;
  const it = result.events[Symbol.asyncIterator]();
  const first = await it.next();
  return { type: 'stream', first, rest: it, ttftMs: performance.now() - t0 };
}

async function* prepend(first: IteratorResult<StreamEvent>, rest: AsyncIterator<StreamEvent>): AsyncGenerator<StreamEvent> {
  if (first.done) return;
  yield first.value;
  for (;;) {
    const n = await rest.next();
    if (n.done) return;
    yield n.value;
  }
}

/** The facts policies look at, collected once per request (also by `POST /v1/route/explain`). */
export function requestFacts(
  ctx: RequestContext,
  request: ChatRequest,
  alias: string,
  tokens: number,
  inspection: Inspection | undefined,
): RequestFacts {
  let hasImages = false;
  for (const m of request.messages) {
    if (Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url')) {
      hasImages = true;
      break;
    }
  }
  return {
    kind: 'chat',
    alias,
    ...(ctx.principal.tenant ? { tenant: ctx.principal.tenant } : {}),
    ...(ctx.principal.keyId ? { keyId: ctx.principal.keyId } : {}),
    tags: collectTags(ctx.req.headers['x-meridian-tags'], request.metadata),
    pii: inspection?.counts ?? {},
    ...(inspection ? { guardAction: inspection.action } : {}),
    ...(ctx.principal.dataPolicy ? { dataPolicy: ctx.principal.dataPolicy } : {}),
    hasTools: (request.tools?.length ?? 0) > 0,
    hasImages,
    estimatedPromptTokens: tokens,
    responseFormat: request.response_format?.type ?? 'text',
    stream: request.stream === true,
  };
}

function countUsage(g: GatewayServices, request: ChatRequest, response: ChatResponse, d: Deployment): Usage {
  const promptTokens = g.meter.countPromptTokens(request);
  const msg = response.choices[0]?.message;
  const text =
    (typeof msg?.content === 'string' ? msg.content : '') +
    (msg?.tool_calls?.map((t) => t.function.name + t.function.arguments).join('') ?? '');
  const completion = g.meter.countCompletionTokens(text, d.model);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
}

function account(g: GatewayServices, entry: RequestLogEntry, d: Deployment, usage: Usage, estimated: boolean): number {
  const cost = g.meter.costOf(d, usage);
  entry.promptTokens = usage.prompt_tokens;
  entry.completionTokens = usage.completion_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (reasoning) entry.reasoningTokens = reasoning;
  if (cached) entry.cachedTokens = cached;
  entry.tokensEstimated = estimated || cost.estimated;
  entry.costUsd = cost.usd;
  return cost.usd;
}

/** Output tokens a budget reserves before the request (docs/cost.md, "Budgets"): the client's cap, else 256. */
function expectedOutputTokens(request: ChatRequest): number {
  return request.max_completion_tokens ?? request.max_tokens ?? 256;
}

/**
 * USD a budget reserves: at the price of the alias's most expensive deployment, because the
 * router may fall back to any of them; settling gives back what the served one did not cost.
 */
function estimateUsd(g: GatewayServices, deployments: readonly Deployment[], promptTokens: number, request: ChatRequest): number {
  const out = expectedOutputTokens(request);
  const usage = { prompt_tokens: promptTokens, completion_tokens: out, total_tokens: promptTokens + out };
  return deployments.reduce((max, d) => Math.max(max, g.meter.costOf(d, usage).usd), 0);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
