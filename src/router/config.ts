/**
 * Config schema owned by the router: timeouts, retries, strategy, breaker and local queue
 * defaults (`router:`), and the ordered policy rules (`policies:`). Both sections may be absent.
 * Reference with examples: docs/routing.md.
 */
import { z } from 'zod';

export const strategyNames = ['priority', 'cheapest', 'fastest', 'weighted', 'least-busy', 'local-first'] as const;
export type StrategyName = (typeof strategyNames)[number];

const locationSchema = z.enum(['local', 'private', 'cloud']);

export const routerConfigSchema = z
  .object({
    /** Per-attempt timeout (ms) when the provider sets none. */
    attemptTimeoutMs: z.number().int().positive().default(60_000),
    /** Overall deadline for a request across all attempts, retries and queueing (ms). */
    deadlineMs: z.number().int().positive().default(120_000),
    /** Retries on the same deployment before falling back to the next. */
    retries: z.number().int().min(0).max(10).default(1),
    /** Default strategy for aliases that name none. */
    strategy: z.enum(strategyNames).default('priority'),
    /** First retry waits about this long (ms); doubles each retry, with jitter. */
    backoffBaseMs: z.number().int().min(0).default(250),
    /** Upper bound for one backoff wait (ms), unless the upstream's Retry-After asks for more. */
    backoffMaxMs: z.number().int().min(0).default(5_000),
    /** A Retry-After longer than this (ms) is not waited out on the same deployment: fall back instead. */
    maxRetryAfterMs: z.number().int().min(0).default(30_000),
    breaker: z
      .object({
        /** Consecutive failures that open a deployment's breaker. */
        failureThreshold: z.number().int().positive().default(5),
        /** How long an open breaker stays open before one half-open probe is let through (ms). */
        cooldownMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    /** Requests that may wait for a saturated deployment (local-only traffic with no overflow). */
    maxQueue: z.number().int().min(0).default(100),
    /** Longest wait in that queue before 429 with Retry-After (ms). */
    queueTimeoutMs: z.number().int().positive().default(10_000),
    /** How often local engines are probed for liveness, loaded models and queue depth (ms); 0 turns it off. */
    healthIntervalMs: z.number().int().min(0).default(15_000),
    /**
     * A watched engine reporting at least this many requests waiting in its own queue counts as
     * saturated for overflow (local-first sends new requests elsewhere). 0 turns it off.
     */
    queueThreshold: z.number().int().min(0).default(4),
    /** Seed for the `weighted` strategy (reproducible picks); random when absent. */
    seed: z.number().int().optional(),
  })
  .strict()
  .prefault({});

const oneOrMany = <T extends z.ZodType>(s: T) => z.union([s, z.array(s).min(1)]);

/** Conditions over RequestFacts; every given condition must hold (AND). An absent `when` matches all requests. */
export const policyWhenSchema = z
  .object({
    kind: oneOrMany(z.enum(['chat', 'embeddings', 'audio'])).optional(),
    tenant: oneOrMany(z.string()).optional(),
    keyId: oneOrMany(z.string()).optional(),
    alias: oneOrMany(z.string()).optional(),
    /** A list means "any of these tags"; `{ any, all }` for both forms. Case-insensitive. */
    tags: z
      .union([z.array(z.string()).min(1), z.object({ any: z.array(z.string()).optional(), all: z.array(z.string()).optional() }).strict()])
      .optional(),
    /** `true`: any PII/secret found; `false`: none found; a list: any of these entity types found. */
    pii: z.union([z.boolean(), z.array(z.string()).min(1)]).optional(),
    guardAction: oneOrMany(z.enum(['allow', 'pseudonymize', 'local-only', 'block'])).optional(),
    dataPolicy: oneOrMany(z.enum(['local-only', 'any'])).optional(),
    /** Requests that retrieved from one of these collections (docs/rag.md). */
    collection: oneOrMany(z.string()).optional(),
    hasTools: z.boolean().optional(),
    hasImages: z.boolean().optional(),
    estimatedPromptTokens: z
      .object({ gt: z.number().optional(), gte: z.number().optional(), lt: z.number().optional(), lte: z.number().optional() })
      .strict()
      .optional(),
    responseFormat: oneOrMany(z.enum(['text', 'json_object', 'json_schema'])).optional(),
    stream: z.boolean().optional(),
  })
  .strict();

/** `contextWindow`: the deployment's context window is known and the estimated prompt fits in it. */
export const requirableCapabilities = ['tools', 'vision', 'jsonSchema', 'embeddings', 'reasoning', 'audio', 'contextWindow'] as const;
export type RequirableCapability = (typeof requirableCapabilities)[number];

export const policyRuleSchema = z
  .object({
    name: z.string().min(1),
    when: policyWhenSchema.optional(),
    /** Restrict: only deployments in these locations / with these capabilities stay eligible. */
    require: z
      .object({
        location: z.array(locationSchema).min(1).optional(),
        capability: z.array(z.enum(requirableCapabilities)).min(1).optional(),
      })
      .strict()
      .refine((r) => r.location !== undefined || r.capability !== undefined, 'require needs "location" and/or "capability"')
      .optional(),
    /** Refuse the request with this message (HTTP 403, shown to the client). */
    deny: z
      .object({ message: z.string().min(1) })
      .strict()
      .optional(),
    /** Rank: `local`, `cloud`, `cheapest`, `fastest`, or a deployment id (`provider/model`) first. */
    prefer: z.string().min(1).optional(),
  })
  .strict()
  .refine((r) => r.require !== undefined || r.deny !== undefined || r.prefer !== undefined, {
    message: 'a policy needs an effect: "require", "deny" or "prefer"',
  })
  .refine((r) => r.deny === undefined || (r.require === undefined && r.prefer === undefined), {
    message: 'a "deny" policy cannot also "require" or "prefer"',
  });

export const policiesConfigSchema = z
  .array(policyRuleSchema)
  .default([])
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    for (const [i, r] of rules.entries()) {
      if (seen.has(r.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `policy name '${r.name}' is used twice; names must be unique` });
      seen.add(r.name);
    }
  });

export type RouterConfig = z.infer<typeof routerConfigSchema>;
export type PolicyConfig = z.infer<typeof policyRuleSchema>;
export type PolicyWhen = z.infer<typeof policyWhenSchema>;
