/**
 * The `responses` config section: stored responses of `POST /v1/responses` (docs/responses.md).
 * OpenAI stores a response unless the request says `store: false`; `responses.store: false` lets an
 * operator turn storage off for every request (each answer then says `store: false`).
 */
import { z } from 'zod';

export const responsesConfigSchema = z
  .strictObject(
    {
      /** Keep responses that ask for it (OpenAI's default: a request without `store` is stored). */
      store: z.boolean({ error: 'responses.store must be true or false' }).default(true),
      /** Days a stored response can be read and continued; expired ones are pruned hourly. */
      retentionDays: z
        .number({ error: 'responses.retentionDays must be a number of days, e.g. 30' })
        .int({ error: 'responses.retentionDays must be a whole number of days, e.g. 30' })
        .positive({ error: 'responses.retentionDays must be at least 1' })
        .max(3650, { error: 'responses.retentionDays must be at most 3650 (ten years)' })
        .default(30),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key ${iss.keys.map((k) => `"${k}"`).join(', ')} in responses; the keys are: store, retentionDays`
          : iss.code === 'invalid_type'
            ? 'responses must be a mapping, e.g. "responses: { store: true, retentionDays: 30 }"'
            : undefined,
    },
  )
  .default({ store: true, retentionDays: 30 });

export type ResponsesConfig = z.infer<typeof responsesConfigSchema>;
