/**
 * Config for speech to text (docs/audio.md): the global `audio:` block and the per-alias
 * override. A recording cannot be pseudonymized before it is transcribed, so cloud deployments
 * hear audio only where the config says so (`allowCloud: true` globally or on the alias).
 *
 * ```yaml
 * audio:
 *   allowCloud: false        # default: audio stays on local/private deployments
 *   maxBytes: 26214400       # 25 MiB, OpenAI's own limit; larger uploads get 413 while streaming
 *   maxSeconds: 3600         # longer recordings (read from the file's header) get 400
 * models:
 *   transcribe-cloud:
 *     audio: { allowCloud: true }
 *     deployments: [{ provider: openai, model: whisper-1 }]
 * ```
 */
import { z } from 'zod';

export const DEFAULT_AUDIO_MAX_BYTES = 25 * 1024 * 1024;

export const audioConfigSchema = z
  .object({
    allowCloud: z.boolean().default(false),
    maxBytes: z.number().int().positive().default(DEFAULT_AUDIO_MAX_BYTES),
    maxSeconds: z.number().positive().default(3600),
  })
  .strict()
  .prefault({});

/** An alias may loosen or tighten the global block; a larger `maxBytes` than the global one has no effect (the upload is cut there). */
export const aliasAudioSchema = z
  .object({
    allowCloud: z.boolean().optional(),
    maxBytes: z.number().int().positive().optional(),
    maxSeconds: z.number().positive().optional(),
  })
  .strict();

export type AudioConfig = z.infer<typeof audioConfigSchema>;
export type AliasAudioConfig = z.infer<typeof aliasAudioSchema>;
