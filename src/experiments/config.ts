/**
 * Config of an experiment, written under an alias (`models.<alias>.experiment`): traffic to the
 * alias is split between variants (a prompt version × a deployment) by weight, sticky per user,
 * per episode or per request. Reference with examples: docs/prompts.md#experiments.
 */
import { z } from 'zod';

/** Experiment and variant names: they are in the request log, a response header and a metric label. */
export const EXPERIMENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const NAME_HINT = 'use 1-64 characters of a-z, 0-9, ".", "_" or "-"';
/** `name@7` (a version) or `name@label`; the same names the prompt registry accepts. */
const PROMPT_SELECTOR = /^[a-z0-9][a-z0-9._-]{0,99}@[a-z0-9][a-z0-9._-]{0,49}$/;

/** Labels counted as a pass when none are configured (`POST /v1/feedback {label}`). */
export const DEFAULT_PASS_LABELS = ['pass', 'good', 'correct', 'helpful', 'accepted', 'thumbs_up', 'up', 'yes'] as const;

export const variantConfigSchema = z
  .object({
    name: z.string().regex(EXPERIMENT_NAME, NAME_HINT),
    /** Share of the traffic, relative to the other variants' weights (any positive numbers). */
    weight: z.number().positive('a weight must be > 0 (remove the variant to send it nothing)').finite(),
    /** The prompt version this variant runs: `name@7` or `name@label`. */
    prompt: z.string().regex(PROMPT_SELECTOR, 'write the prompt as "name@7" (a version) or "name@label"').optional(),
    /** The deployment this variant prefers: one of the alias's deployments, as `provider/model` or a provider id. */
    deployment: z.string().min(1).max(300).optional(),
  })
  .strict();

export const experimentConfigSchema = z
  .object({
    name: z.string().regex(EXPERIMENT_NAME, NAME_HINT),
    /**
     * What keeps a caller on one variant: `user` (the request's `user`, else its API key),
     * `episode` (the `x-meridian-episode` header), or `none` (each request drawn anew).
     * A request without the sticky key is assigned by its request id.
     */
    sticky: z.enum(['user', 'episode', 'none']).default('user'),
    /**
     * `true` (default): a variant's deployment goes first and the alias's others stay as fallback.
     * `false`: it is the only one tried (when the policies allow it), so a failure counts against
     * the variant instead of being hidden by another deployment's answer.
     */
    fallback: z.boolean().default(true),
    /** Feedback labels counted as a pass in the report's pass rate; others count as a fail. */
    passLabels: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
    variants: z.array(variantConfigSchema).min(1).max(20),
  })
  .strict()
  .superRefine((e, ctx) => {
    const seen = new Set<string>();
    for (const [i, v] of e.variants.entries()) {
      if (seen.has(v.name))
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'name'],
          message: `variant name '${v.name}' is used twice; names must be unique`,
        });
      seen.add(v.name);
    }
  });

export type ExperimentConfig = z.infer<typeof experimentConfigSchema>;
export type VariantConfig = z.infer<typeof variantConfigSchema>;
