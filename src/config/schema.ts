/**
 * The one config schema. Validated once at start, then frozen. Sections owned by a feature
 * module (router, guard, meter, store) import their schema from that module.
 */
import { z } from 'zod';
import { guardConfigSchema } from '../guard/config.js';
import { budgetsConfigSchema, pricingConfigSchema } from '../meter/config.js';
import { policiesConfigSchema, routerConfigSchema, strategyNames } from '../router/config.js';
import { storeConfigSchema } from '../store/config.js';

const location = z.enum(['local', 'private', 'cloud']);

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const providerConfigSchema = z
  .object({
    id: z.string().regex(idPattern, 'use letters, digits, "-", "_" or "." (it appears in provider/model names)'),
    type: z.string(),
    baseUrl: z.string().url().optional(),
    apiKey: z.string().optional(),
    location: location.optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().positive().optional(),
    /** Longest silence between two chunks of a streamed response (ms; default 60000, 0 = off). */
    streamIdleTimeoutMs: z.number().int().min(0).optional(),
    /** Max connections in the provider's pool. */
    connections: z.number().int().positive().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const priceSchema = z.object({ input: z.number().min(0), cachedInput: z.number().min(0).optional(), output: z.number().min(0) }).strict();

const capabilitiesSchema = z
  .object({
    contextWindow: z.number().int().positive().optional(),
    tools: z.boolean().optional(),
    vision: z.boolean().optional(),
    jsonSchema: z.boolean().optional(),
    embeddings: z.boolean().optional(),
    reasoning: z.boolean().optional(),
  })
  .strict();

export const deploymentRefSchema = z
  .object({
    provider: z.string(),
    model: z.string(),
    location: location.optional(),
    weight: z.number().positive().optional(),
    maxConcurrency: z.number().int().positive().optional(),
    price: priceSchema.optional(),
    capabilities: capabilitiesSchema.optional(),
  })
  .strict();

const aliasSchema = z.union([
  z.array(deploymentRefSchema).min(1),
  z
    .object({
      strategy: z.enum(strategyNames).optional(),
      deployments: z.array(deploymentRefSchema).min(1),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(4000),
        host: z.string().default('127.0.0.1'),
        /** Largest accepted request body in bytes. */
        bodyLimitBytes: z
          .number()
          .int()
          .positive()
          .default(8 * 1024 * 1024),
      })
      .strict()
      .default({ port: 4000, host: '127.0.0.1', bodyLimitBytes: 8 * 1024 * 1024 }),
    auth: z
      .object({
        /** `auto`: on when any key exists; `required`: always; `none`: off (must be explicit off loopback). */
        mode: z.enum(['auto', 'required', 'none']).default('auto'),
        /** Master key for the admin API; prefer `MERIDIAN_MASTER_KEY` in the environment or `masterKeyFile`. */
        masterKey: z.string().min(16, 'use at least 16 characters').optional(),
        /** File holding the master key (first line). */
        masterKeyFile: z.string().optional(),
      })
      .strict()
      .default({ mode: 'auto' }),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        /** Record every accepted request in the store's request log (batched, off the hot path). */
        requests: z.boolean().default(true),
      })
      .strict()
      .default({ level: 'info', requests: true }),
    /** Probe local engines on their default ports and read cloud keys from the environment. */
    discover: z.boolean().optional(),
    providers: z.array(providerConfigSchema).default([]),
    models: z.record(z.string(), aliasSchema).default({}),
    router: routerConfigSchema,
    policies: policiesConfigSchema,
    guard: guardConfigSchema,
    pricing: pricingConfigSchema,
    budgets: budgetsConfigSchema,
    store: storeConfigSchema,
  })
  .strict();

export type MeridianConfig = z.infer<typeof configSchema>;
export type ProviderEntry = z.infer<typeof providerConfigSchema>;
export type DeploymentRef = z.infer<typeof deploymentRefSchema>;
