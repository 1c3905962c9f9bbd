/** Config schema owned by the meter: price overrides, local cost models, budgets. */
import { z } from 'zod';

export const pricingConfigSchema = z.record(z.string(), z.unknown()).default({});
export const budgetsConfigSchema = z.array(z.record(z.string(), z.unknown())).default([]);
