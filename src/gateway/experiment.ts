/**
 * An alias's experiment in a chat request: draw the variant (src/experiments/assign.ts) from the
 * sticky key, apply its prompt to the body, and put its deployment first in the router's plan.
 * The plan is the router's: a variant never adds a deployment the policies excluded (privacy,
 * data policy, capability, health); then the plan runs as it is and the log says why.
 */
import { assignVariant, stickyKey, type CompiledExperiment, type CompiledVariant } from '../experiments/assign.js';
import type { RoutePlan } from '../router/types.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

export interface Assignment {
  experiment: CompiledExperiment;
  variant: CompiledVariant;
}

/** The variant of a request whose `model` is an alias running an experiment; undefined otherwise. */
export function assignExperiment(g: GatewayServices, ctx: RequestContext, body: unknown): Assignment | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string') return undefined;
  const experiment = g.catalog.experimentFor(b.model);
  if (!experiment) return undefined;
  // A key that may not use the alias is refused at admission; it learns nothing of the experiment.
  const allowed = ctx.principal.models;
  if (allowed?.length && !allowed.includes(b.model)) return undefined;
  const { key } = stickyKey(experiment, {
    requestId: ctx.requestId,
    user: userOf(b),
    keyId: ctx.principal.keyId,
    episode: ctx.episode,
  });
  return { experiment, variant: assignVariant(experiment, key) };
}

/** The end user the body names: `user` (OpenAI Chat Completions) or `metadata.user_id` (Anthropic Messages). */
function userOf(b: Record<string, unknown>): string | undefined {
  if (typeof b.user === 'string' && b.user) return b.user;
  const m = b.metadata;
  if (m && typeof m === 'object' && !Array.isArray(m)) {
    const id = (m as Record<string, unknown>).user_id;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

/**
 * The body with the variant's prompt: the request's own `prompt` field contributes only its
 * variables (the variant decides which prompt and version run).
 */
export function withVariantPrompt(body: Record<string, unknown>, variant: CompiledVariant): Record<string, unknown> {
  if (!variant.prompt) return body;
  const own = body.prompt;
  const variables = own && typeof own === 'object' && !Array.isArray(own) ? (own as Record<string, unknown>).variables : undefined;
  return { ...body, prompt: { ...variant.prompt, ...(variables !== undefined ? { variables } : {}) } };
}

/**
 * The plan with the variant's deployment first (the rest stay as fallback unless the experiment
 * says `fallback: false`). When the router left it out, the plan is unchanged and the log names
 * the rule that excluded it.
 */
export function preferVariant(g: GatewayServices, ctx: RequestContext, plan: RoutePlan, a: Assignment): RoutePlan {
  const want = a.variant.deployment;
  if (want === undefined) return plan;
  const i = plan.attempts.findIndex((x) => x.deployment.id === want);
  if (i < 0) {
    const excluded = plan.excluded.find((x) => x.deployment === want);
    g.logger.info(
      {
        requestId: ctx.requestId,
        variant: a.variant.label,
        deployment: want,
        ...(excluded ? { rule: excluded.rule, reason: excluded.reason } : {}),
      },
      "experiment variant's deployment is not in the plan: the normal plan runs",
    );
    return plan;
  }
  const first = { deployment: plan.attempts[i]!.deployment, reason: `experiment:${a.variant.label}` };
  if (!a.experiment.fallback) return { ...plan, attempts: [first] };
  return { ...plan, attempts: [first, ...plan.attempts.slice(0, i), ...plan.attempts.slice(i + 1)] };
}
