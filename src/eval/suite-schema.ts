/**
 * The suite file's schema: promptfoo's layout as a subset (`description`, `prompts`, `providers`,
 * `tests`, `defaultTest`, `evaluateOptions.maxConcurrency`, assertion `type/value/threshold/
 * weight/provider/metric`) plus Meridian's keys (`targets` as another name for `providers`,
 * `threshold` as the gate's minimum pass rate, `reference`, `judge`, `embedding`, `tools`,
 * `timeoutMs`). Reference: https://www.promptfoo.dev/docs/configuration/reference/
 */
import { z } from 'zod';

const modelRef = z.union([z.string().min(1).max(300), z.object({ id: z.string().min(1).max(300) }).strict()]);

export const assertionSchema = z
  .object({
    type: z.string().min(1).max(100),
    value: z.unknown().optional(),
    threshold: z.number().finite().optional(),
    weight: z.number().min(0).finite().optional(),
    provider: modelRef.optional(),
    metric: z.string().max(200).optional(),
  })
  .strict();

const varsSchema = z.record(z.string().regex(/^[\w.-]+$/, 'variable names use letters, digits, "_", "-" and "."'), z.unknown());

const testOptionsSchema = z
  .object({
    /** promptfoo: the grading provider; a string/{id}, or {text, embedding} for judge and embeddings. */
    provider: z.union([modelRef, z.object({ text: modelRef.optional(), embedding: modelRef.optional() }).strict()]).optional(),
  })
  .strict();

export const testSchema = z
  .object({
    description: z.string().max(500).optional(),
    vars: varsSchema.optional(),
    assert: z.array(assertionSchema).max(100).optional(),
    threshold: z.number().min(0).max(1).optional(),
    options: testOptionsSchema.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const toolSchema = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().min(1).max(64),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();

export const targetConfigSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().optional(),
    top_p: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    tools: z.array(toolSchema).optional(),
    tool_choice: z.unknown().optional(),
    response_format: z.unknown().optional(),
  })
  .strict();

const targetSchema = z.union([
  z.string().min(1).max(300),
  z
    .object({
      id: z.string().min(1).max(300),
      label: z.string().min(1).max(100).optional(),
      config: targetConfigSchema.optional(),
      threshold: z.number().min(0).max(1).optional(),
    })
    .strict(),
]);

const promptSchema = z.union([
  z.string().min(1),
  z.object({ id: z.string().optional(), label: z.string().max(200).optional(), raw: z.string().min(1) }).strict(),
]);

export const suiteSchema = z
  .object({
    description: z.string().max(500).optional(),
    prompts: z.union([promptSchema, z.array(promptSchema).min(1)]),
    providers: z.union([targetSchema, z.array(targetSchema).min(1)]).optional(),
    targets: z.union([targetSchema, z.array(targetSchema).min(1)]).optional(),
    tests: z.union([z.string(), z.array(z.union([z.string(), testSchema]))]),
    /** Inline, or a `file://` path to a YAML/JSON test case object (promptfoo allows both). */
    defaultTest: z.union([z.string().startsWith('file://'), testSchema]).optional(),
    threshold: z.number().min(0).max(1).optional(),
    reference: z.string().optional(),
    judge: z.string().min(1).max(300).optional(),
    embedding: z.string().min(1).max(300).optional(),
    tools: z.array(toolSchema).optional(),
    evaluateOptions: z
      .object({ maxConcurrency: z.number().int().min(1).max(64).optional() })
      .strict()
      .optional(),
    timeoutMs: z.number().int().positive().optional(),
    /** promptfoo keys that do not change what runs; accepted and ignored. */
    tags: z.record(z.string(), z.string()).optional(),
    outputPath: z.unknown().optional(),
  })
  .strict();

export type RawSuite = z.infer<typeof suiteSchema>;
export type RawTest = z.infer<typeof testSchema>;
export type RawAssertion = z.infer<typeof assertionSchema>;
export type RawTarget = z.infer<typeof targetSchema>;
