/**
 * Config schema owned by the privacy guard (`guard:` section). Every field has a default, so an
 * absent section is valid and means: all built-in recognizers on, findings with score ≥ 0.5 count,
 * every found type is pseudonymized before a cloud deployment. See docs/privacy.md.
 */
import { z } from 'zod';

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

export const guardConfigSchema = z
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
  })
  .strict()
  .default({
    enabled: true,
    minScore: 0.5,
    disabledTypes: [],
    actions: {},
    defaultAction: 'pseudonymize',
    customRecognizers: [],
    allowList: [],
    denyList: [],
  });

/** The validated `guard:` section (all defaults applied). */
export type GuardConfig = z.infer<typeof guardConfigSchema>;
/** What a caller may pass before defaults (e.g. in tests): `guardConfigSchema.parse(input)`. */
export type GuardConfigInput = z.input<typeof guardConfigSchema>;
