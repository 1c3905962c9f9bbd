/** Config schema owned by the router: defaults for retries/timeouts and the policy rules. */
import { z } from 'zod';

export const routerConfigSchema = z
  .object({
    /** Per-attempt timeout (ms) when the provider sets none. */
    attemptTimeoutMs: z.number().int().positive().default(60_000),
    /** Overall deadline for a request across all attempts (ms). */
    deadlineMs: z.number().int().positive().default(120_000),
    /** Retries on the same deployment before falling back to the next. */
    retries: z.number().int().min(0).max(10).default(1),
    strategy: z.string().default('priority'),
  })
  .strict()
  .default({ attemptTimeoutMs: 60_000, deadlineMs: 120_000, retries: 1, strategy: 'priority' });

export const policiesConfigSchema = z.array(z.record(z.string(), z.unknown())).default([]);

export type RouterConfig = z.infer<typeof routerConfigSchema>;
