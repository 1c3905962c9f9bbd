/**
 * Config of the optional recognizer back-ends (`guard.backends`): services asked after the
 * built-in scan, for more recall at a known latency cost. Defaults live here, once. See
 * docs/privacy.md, "Back-ends".
 */
import { z } from 'zod';

const typeName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'entity types are lower_snake_case, e.g. "employee_id"');

/** Presidio entity type → Meridian entity type. Presidio types not listed are ignored. */
export const DEFAULT_PRESIDIO_ENTITIES: Readonly<Record<string, string>> = {
  PERSON: 'person',
  EMAIL_ADDRESS: 'email',
  PHONE_NUMBER: 'phone',
  CREDIT_CARD: 'credit_card',
  IBAN_CODE: 'iban',
  US_SSN: 'us_ssn',
  IP_ADDRESS: 'ip_address',
  LOCATION: 'address',
  US_DRIVER_LICENSE: 'drivers_license',
  US_PASSPORT: 'national_id',
  UK_NHS: 'national_id',
  IT_FISCAL_CODE: 'national_id',
  ES_NIF: 'national_id',
  AU_TFN: 'national_id',
  IN_AADHAAR: 'national_id',
};

/** What a back-end failure (error, timeout, bad answer) does to the request. */
const onErrorSchema = z.enum(['fail-closed', 'ignore']).default('fail-closed');

const timeoutMs = z.number().int().min(1).max(120_000);
const maxChars = z
  .number()
  .int()
  .min(256)
  .max(16 * 1024 * 1024);

export const presidioBackendSchema = z
  .object({
    type: z.literal('presidio'),
    /** Base URL of a Presidio Analyzer (`POST {url}/analyze`), e.g. `http://127.0.0.1:5002`. */
    url: z
      .string()
      .url('an http(s) URL such as "http://127.0.0.1:5002"')
      .refine((u) => /^https?:\/\//i.test(u), { message: 'use an http:// or https:// URL' }),
    timeoutMs: timeoutMs.default(2000),
    /** ISO 639-1 language Presidio analyzes in (its NLP model must be installed for it). */
    language: z
      .string()
      .regex(/^[a-z]{2}$/, 'a two-letter ISO 639-1 code such as "en"')
      .default('en'),
    /** Sent as `score_threshold`; guard.minScore applies as well. */
    scoreThreshold: z.number().min(0).max(1).optional(),
    /** Presidio type → our type; only these types are asked for and reported. */
    entities: z
      .record(z.string(), typeName)
      .superRefine((map, ctx) => {
        for (const key of Object.keys(map)) {
          if (!/^[A-Z][A-Z0-9_]*$/.test(key)) {
            ctx.addIssue({ code: 'custom', path: [key], message: `'${key}': Presidio entity types are UPPER_SNAKE_CASE, e.g. "PERSON"` });
          }
        }
        if (Object.keys(map).length === 0)
          ctx.addIssue({ code: 'custom', message: 'map at least one Presidio entity type, e.g. {"PERSON": "person"}' });
      })
      .default({ ...DEFAULT_PRESIDIO_ENTITIES }),
    /** Most characters per request sent to Presidio; text beyond it is covered by the built-in scan only. */
    maxChars: maxChars.default(256 * 1024),
    /** Texts are sent in pieces of at most this many characters (one POST each). */
    chunkChars: maxChars.default(32 * 1024),
    onError: onErrorSchema,
  })
  .strict();

export const localModelBackendSchema = z
  .object({
    type: z.literal('local-model'),
    /** Alias or `provider/model` of a LOCAL deployment; the gateway refuses any other. */
    model: z.string().min(1).max(256),
    timeoutMs: timeoutMs.default(10_000),
    /** Most characters per request sent to the model; text beyond it is covered by the built-in scan only. */
    maxChars: maxChars.default(16 * 1024),
    /** The model is asked once per piece of at most this many characters. */
    chunkChars: maxChars.default(2000),
    /** Score given to what the model lists (guard.minScore applies). */
    score: z.number().min(0).max(1).default(0.7),
    onError: onErrorSchema,
  })
  .strict();

export const guardBackendSchema = z.discriminatedUnion('type', [presidioBackendSchema, localModelBackendSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown back-end type; use "presidio" or "local-model"' : undefined),
});

export const guardBackendsSchema = z.array(guardBackendSchema).max(8).default([]);

export type PresidioBackendConfig = z.infer<typeof presidioBackendSchema>;
export type LocalModelBackendConfig = z.infer<typeof localModelBackendSchema>;
export type GuardBackendConfig = z.infer<typeof guardBackendSchema>;

/** Entity types the local-model back-end reports: ours, plus `personal_data` for anything else it lists. */
export const LOCAL_MODEL_OTHER_TYPE = 'personal_data';
