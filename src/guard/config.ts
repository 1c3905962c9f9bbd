/** Config schema owned by the privacy guard. */
import { z } from 'zod';

export const guardConfigSchema = z.record(z.string(), z.unknown()).default({});
export type GuardConfig = z.infer<typeof guardConfigSchema>;
