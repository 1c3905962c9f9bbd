/**
 * The one config schema. Validated once at start, then frozen. Sections owned by a feature
 * module (router, guard, meter, store, cache) import their schema from that module.
 */
import { telemetryConfigSchema } from '../observability/telemetry.js';
import { z } from 'zod';
import { aliasCacheSchema, cacheConfigSchema } from '../cache/config.js';
import { aliasAudioSchema, audioConfigSchema } from './audio.js';
import { responsesConfigSchema } from '../api/responses/config.js';
import { experimentConfigSchema } from '../experiments/config.js';
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

const priceSchema = z
  .object({
    input: z.number().min(0),
    cachedInput: z.number().min(0).optional(),
    output: z.number().min(0),
    /** USD per minute of audio (speech-to-text deployments). */
    audioPerMinute: z.number().min(0).optional(),
  })
  .strict();

const capabilitiesSchema = z
  .object({
    contextWindow: z.number().int().positive().optional(),
    tools: z.boolean().optional(),
    vision: z.boolean().optional(),
    jsonSchema: z.boolean().optional(),
    embeddings: z.boolean().optional(),
    reasoning: z.boolean().optional(),
    audio: z.boolean().optional(),
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
    /** Load this model on its engine when the gateway starts (engines that support it: Ollama). */
    warm: z.boolean().optional(),
  })
  .strict();

const aliasSchema = z.union([
  z.array(deploymentRefSchema).min(1),
  z
    .object({
      strategy: z.enum(strategyNames).optional(),
      deployments: z.array(deploymentRefSchema).min(1),
      /** Response cache for this alias (docs/cache.md). */
      cache: aliasCacheSchema.optional(),
      /** Split the alias's traffic between variants (prompt version × deployment): docs/prompts.md#experiments. */
      experiment: experimentConfigSchema.optional(),
      /** Speech to text through this alias: cloud allowed, size and duration limits (docs/audio.md). */
      audio: aliasAudioSchema.optional(),
    })
    .strict(),
]);

/** A host name or address a client may put in `Host` (no port, no scheme). */
const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/, 'write a bare host name like "gateway.internal" or "[::1]" (no scheme, no port)');

/** A browser origin exactly as the `Origin` header spells it. */
const origin = z
  .string()
  .max(300)
  .regex(/^https?:\/\/[^/\s]+$/, 'write an origin like "http://localhost:3000" (scheme, host and optional port; no path)');

/**
 * HTTP server limits. Timeouts keep slow or silent clients from holding sockets forever; the
 * connection cap keeps the gateway below the process's file-descriptor limit.
 */
/** More processes than this only add memory and contention on one machine. */
export const MAX_WORKERS = 256;
const WORKERS_ERROR = `server.workers must be a whole number from 1 to ${MAX_WORKERS}, or "auto" (one per CPU)`;

export const serverConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(4000),
    host: z.string().default('127.0.0.1'),
    /**
     * Worker processes serving the one port (`serve --workers` overrides it): a number, or "auto"
     * for one per CPU. 1 is a single process, as without the option.
     */
    workers: z
      .union(
        [
          z.literal('auto'),
          z.number().int({ error: WORKERS_ERROR }).min(1, { error: WORKERS_ERROR }).max(MAX_WORKERS, { error: WORKERS_ERROR }),
        ],
        { error: WORKERS_ERROR },
      )
      .default(1),
    /** Largest accepted request body in bytes. */
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /** A client must send all request headers within this time (ms), or its connection is closed. */
    headersTimeoutMs: z.number().int().positive().default(30_000),
    /** A client must send the whole request (headers and body) within this time (ms). Responses, streamed or not, are not limited by it. */
    requestTimeoutMs: z.number().int().positive().default(120_000),
    /** An idle keep-alive connection (between requests) is closed after this long (ms). */
    keepAliveTimeoutMs: z.number().int().positive().default(65_000),
    /** Open client connections at most; further connections are closed at once. Keep it below `ulimit -n`. */
    maxConnections: z.number().int().positive().default(512),
    /**
     * Extra names accepted in the `Host` header. Requests to a gateway bound to loopback must name
     * localhost, 127.0.0.1 or [::1] (or one of these), which defeats DNS rebinding.
     */
    allowedHosts: z.array(hostName).max(100).default([]),
    cors: z
      .object({
        /** Browser origins allowed to call the gateway; empty (the default) means no cross-origin requests at all. */
        origins: z.array(origin).max(100).default([]),
        /** How long a browser may cache a preflight answer (seconds). */
        maxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((s) => s.headersTimeoutMs <= s.requestTimeoutMs, {
    message: 'headersTimeoutMs must not exceed requestTimeoutMs (the request timeout covers the headers too)',
    path: ['headersTimeoutMs'],
  })
  .prefault({});

export type ServerConfig = z.infer<typeof serverConfigSchema>;

export const configSchema = z
  .object({
    server: serverConfigSchema,
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
        /** `auto`: readable lines on a terminal, JSON otherwise; `json` / `pretty` force one. */
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
        /** Record every accepted request in the store's request log (batched, off the hot path). */
        requests: z.boolean().default(true),
      })
      .strict()
      .default({ level: 'info', format: 'auto', requests: true }),
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
    telemetry: telemetryConfigSchema,
    cache: cacheConfigSchema,
    /** Stored responses of POST /v1/responses (docs/responses.md). */
    responses: responsesConfigSchema,
    /** Speech to text: privacy default and limits (docs/audio.md). */
    audio: audioConfigSchema,
  })
  .strict();

export type MeridianConfig = z.infer<typeof configSchema>;
export type ProviderEntry = z.infer<typeof providerConfigSchema>;
export type DeploymentRef = z.infer<typeof deploymentRefSchema>;
