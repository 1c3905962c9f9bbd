/**
 * Config schema owned by the privacy guard (`guard:` section). Every field has a default, so an
 * absent section is valid and means: all built-in recognizers on, findings with score ≥ 0.5 count,
 * every found type is pseudonymized before a cloud deployment. See docs/privacy.md.
 */
import { z } from 'zod';
import { guardBackendsSchema, LOCAL_MODEL_OTHER_TYPE } from './backends/schema.js';
import { BUILTIN_TYPES } from './types.js';

export const guardActionSchema = z.enum(['block', 'local-only', 'pseudonymize', 'allow']);
export type GuardAction = z.infer<typeof guardActionSchema>;

/** Validators a custom recognizer may name; the match (digits/letters only) must pass it. */
export const validatorNameSchema = z.enum(['luhn', 'iban', 'us_ssn']);
export type ValidatorName = z.infer<typeof validatorNameSchema>;

const typeName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'entity types are lower_snake_case, e.g. "employee_id"');

export const customRecognizerSchema = z
  .object({
    /** Entity type reported for matches (a built-in type or a new one). */
    type: typeName,
    /** JavaScript regular expression source; compiled once with the `g` flag. */
    pattern: z.string().refine(
      (source) => {
        try {
          new RegExp(source, 'g');
          return true;
        } catch {
          return false;
        }
      },
      { message: 'not a valid JavaScript regular expression' },
    ),
    /** Extra regex flags (`i`, `u`, `m`, `s`); `g` is always added. */
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'allowed flags: i, m, s, u')
      .default(''),
    validator: validatorNameSchema.optional(),
    score: z.number().min(0).max(1).default(0.8),
  })
  .strict();
export type CustomRecognizerConfig = z.infer<typeof customRecognizerSchema>;

const denyEntrySchema = z.union([z.string().min(1), z.object({ value: z.string().min(1), type: typeName.default('denied') }).strict()]);

/** 2 MiB of text (UTF-16 units) across all scanned fields of one request. */
export const DEFAULT_MAX_SCAN_CHARS = 2 * 1024 * 1024;

const guardObjectSchema = z
  .object({
    /** Off: inspect() reports nothing and the action is always `allow`. */
    enabled: z.boolean().default(true),
    /** Findings scoring below this are dropped (0..1). */
    minScore: z.number().min(0).max(1).default(0.5),
    /** Built-in types to switch off (e.g. `["person", "address"]`). */
    disabledTypes: z.array(typeName).default([]),
    /** Action per entity type; types not listed use `defaultAction`. */
    actions: z.record(typeName, guardActionSchema).default({}),
    defaultAction: guardActionSchema.default('pseudonymize'),
    customRecognizers: z.array(customRecognizerSchema).default([]),
    /** Values never reported (compared case-insensitively after trimming). */
    allowList: z.array(z.string().min(1)).default([]),
    /** Values always reported wherever they occur (case-insensitive); a string means type `denied`. */
    denyList: z.array(denyEntrySchema).default([]),
    /** Most text scanned per request; a larger request is `unscannable` (bounds CPU per request). */
    maxScanChars: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(DEFAULT_MAX_SCAN_CHARS),
    /** What happens to a request over `maxScanChars`: it fails closed, kept local or refused. */
    unscannableAction: z.enum(['local-only', 'block']).default('local-only'),
    /** Recognizer back-ends asked after the built-in scan (Presidio, a local model); see backends/schema.ts. */
    backends: guardBackendsSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    const builtin = new Set<string>(BUILTIN_TYPES);
    for (const [i, type] of config.disabledTypes.entries()) {
      if (!builtin.has(type)) {
        ctx.addIssue({
          code: 'custom',
          path: ['disabledTypes', i],
          message: `unknown built-in type '${type}'; valid: ${[...BUILTIN_TYPES].join(', ')}`,
        });
      }
    }
    // An action for a type no recognizer reports would be silently ignored (e.g. `emails: block`).
    const known = new Set<string>([...BUILTIN_TYPES, ...config.customRecognizers.map((r) => r.type), 'denied']);
    for (const e of config.denyList) if (typeof e !== 'string') known.add(e.type);
    for (const b of config.backends) {
      if (b.type === 'presidio') for (const t of Object.values(b.entities)) known.add(t);
      else known.add(LOCAL_MODEL_OTHER_TYPE);
    }
    for (const type of Object.keys(config.actions)) {
      if (!known.has(type)) {
        ctx.addIssue({
          code: 'custom',
          path: ['actions', type],
          message: `unknown entity type '${type}'; valid: ${[...known].join(', ')} (custom types come from customRecognizers, denyList and backends)`,
        });
      }
    }
  });

// prefault: an absent section is parsed as {}, so every default lives in one place (above).
export const guardConfigSchema = guardObjectSchema.prefault({});

/** The validated `guard:` section (all defaults applied). */
export type GuardConfig = z.infer<typeof guardConfigSchema>;
/** What a caller may pass before defaults (e.g. in tests): `guardConfigSchema.parse(input)`. */
export type GuardConfigInput = z.input<typeof guardConfigSchema>;
