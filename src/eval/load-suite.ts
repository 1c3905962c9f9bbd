/**
 * Reads a suite file (YAML or JSON) into an `EvalSuite`: prompts and test files resolved
 * (`file://` paths are relative to the suite), `defaultTest` merged into every case, providers
 * turned into gateway targets, and every judge/embedding model settled, so that a suite that
 * cannot run fails here with a message, before any request is sent.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { isKnownAssertion, needsEmbedding, needsJudge, ASSERTION_TYPES } from './assertions/index.js';
import { suiteSchema, testSchema, type RawAssertion, type RawSuite, type RawTarget, type RawTest } from './suite-schema.js';
import { readTestFile } from './test-files.js';
import type { EvalAssertion, EvalPrompt, EvalSuite, EvalTarget, EvalTestCase } from './types.js';

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_TESTS = 10_000;

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function modelId(ref: string | { id: string } | undefined): string | undefined {
  return typeof ref === 'string' ? ref : ref?.id;
}

/** promptfoo provider ids for OpenAI-compatible chat map to the bare model; anything else is sent as written. */
export function targetModel(id: string): string {
  const m = /^(?:openai:chat:|openai:|meridian:)(.+)$/.exec(id);
  return m ? m[1]! : id;
}

function fileRef(ref: string, baseDir: string): string | undefined {
  return ref.startsWith('file://') ? resolve(baseDir, ref.slice('file://'.length)) : undefined;
}

function readText(path: string, shownAs: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read '${shownAs}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function loadPrompts(raw: RawSuite['prompts'], baseDir: string): EvalPrompt[] {
  const seen = new Map<string, number>();
  return asList(raw).map((p) => {
    let label: string;
    let text: string;
    if (typeof p === 'string') {
      const path = fileRef(p, baseDir);
      text = path ? readText(path, p) : p;
      label = path ? p.slice('file://'.length) : p.replace(/\s+/g, ' ').slice(0, 60);
    } else {
      text = p.raw;
      label = p.label ?? p.id ?? p.raw.replace(/\s+/g, ' ').slice(0, 60);
    }
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return { label: n > 1 ? `${label} (${n})` : label, raw: text };
  });
}

function loadTargets(raw: RawSuite): EvalTarget[] {
  if (raw.providers !== undefined && raw.targets !== undefined) throw new ConfigError("Use either 'providers' or 'targets', not both.");
  const list: RawTarget[] = asList(raw.targets ?? raw.providers);
  if (!list.length)
    throw new ConfigError("The suite names no targets: add 'targets' (or promptfoo's 'providers'), e.g. [local-chat, openai/gpt-4o-mini].");
  const targets = list.map((t): EvalTarget => {
    if (typeof t === 'string') return { model: targetModel(t), label: t, config: {} };
    return {
      model: targetModel(t.id),
      label: t.label ?? t.id,
      config: (t.config ?? {}) as EvalTarget['config'],
      ...(t.threshold !== undefined ? { threshold: t.threshold } : {}),
    };
  });
  const labels = targets.map((t) => t.label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) throw new ConfigError(`Two targets are labelled '${dup}': give each a distinct 'label'.`);
  return targets;
}

function loadRawTests(raw: RawSuite['tests'], baseDir: string): RawTest[] {
  const items = typeof raw === 'string' ? [raw] : raw;
  const out: RawTest[] = [];
  items.forEach((item, i) => {
    if (typeof item !== 'string') return void out.push(item);
    const path = fileRef(item, baseDir);
    if (!path) throw new ConfigError(`tests[${i}]: '${item}' is neither a test case nor a 'file://' path.`);
    readTestFile(path, item).forEach((t, j) => {
      const parsed = testSchema.safeParse(t);
      if (!parsed.success) throw new ConfigError(`${item}: test #${j + 1}: ${describeIssues(parsed.error)}`);
      out.push(parsed.data);
    });
  });
  if (out.length > MAX_TESTS)
    throw new ConfigError(`The suite has ${out.length} test cases; the limit is ${MAX_TESTS}. Split it into several suites.`);
  return out;
}

interface GraderModels {
  judge?: string;
  embedding?: string;
}

function gradersOf(options: RawTest['options']): GraderModels {
  const p = options?.provider;
  if (p === undefined) return {};
  if (typeof p === 'string' || 'id' in p) return { judge: modelId(p as string | { id: string }) };
  const out: GraderModels = {};
  const judge = modelId(p.text);
  const embedding = modelId(p.embedding);
  if (judge) out.judge = judge;
  if (embedding) out.embedding = embedding;
  return out;
}

function settleAssertion(a: RawAssertion, graders: GraderModels, where: string): EvalAssertion {
  if (!isKnownAssertion(a.type)) {
    throw new ConfigError(`${where}: unknown assertion type '${a.type}'. Known: ${ASSERTION_TYPES.join(', ')} (each also as not-<type>).`);
  }
  const out: EvalAssertion = { type: a.type };
  if (a.value !== undefined) out.value = a.value;
  if (a.threshold !== undefined) out.threshold = a.threshold;
  if (a.weight !== undefined) out.weight = a.weight;
  if (a.metric !== undefined) out.metric = a.metric;
  const provider = modelId(a.provider) ?? (needsJudge(a.type) ? graders.judge : needsEmbedding(a.type) ? graders.embedding : undefined);
  if (provider) out.provider = provider;
  if (needsJudge(a.type) && !provider)
    throw new ConfigError(`${where}: '${a.type}' needs a judge model: set 'judge: <alias>' in the suite or 'provider' on the assertion.`);
  if (needsEmbedding(a.type) && !provider) {
    throw new ConfigError(
      `${where}: '${a.type}' needs an embedding model: set 'embedding: <alias>' in the suite or 'provider' on the assertion.`,
    );
  }
  if ((a.type === 'latency' || a.type === 'cost') && a.threshold === undefined)
    throw new ConfigError(`${where}: '${a.type}' needs a 'threshold'.`);
  return out;
}

function mergeTests(tests: RawTest[], defaults: RawTest | undefined, suiteGraders: GraderModels): EvalTestCase[] {
  const base = gradersOf(defaults?.options);
  return tests.map((t, i) => {
    const graders = { ...suiteGraders, ...base, ...gradersOf(t.options) };
    const where = `test ${t.description ? `'${t.description}'` : `#${i + 1}`}`;
    const raw = [...(defaults?.assert ?? []), ...(t.assert ?? [])];
    const threshold = t.threshold ?? defaults?.threshold;
    return {
      ...(t.description !== undefined ? { description: t.description } : {}),
      vars: { ...defaults?.vars, ...t.vars },
      assert: raw.map((a, j) => settleAssertion(a, graders, `${where}, assert[${j}]`)),
      ...(threshold !== undefined ? { threshold } : {}),
    };
  });
}

function loadDefaultTest(raw: RawSuite['defaultTest'], baseDir: string): RawTest | undefined {
  if (typeof raw !== 'string') return raw;
  const text = readText(resolve(baseDir, raw.slice('file://'.length)), raw);
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${raw}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  const parsed = testSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(`${raw}: not a valid defaultTest: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function parseSuite(text: string, file: string): EvalSuite {
  let data: unknown;
  try {
    data = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  const parsed = suiteSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(`${file}: not a valid eval suite: ${describeIssues(parsed.error)}`);
  const raw = parsed.data;
  const baseDir = dirname(resolve(file));
  const targets = loadTargets(raw);
  if (raw.reference !== undefined && !targets.some((t) => t.label === raw.reference)) {
    throw new ConfigError(`reference '${raw.reference}' is not a target label (targets: ${targets.map((t) => t.label).join(', ')}).`);
  }
  const suiteGraders: GraderModels = {};
  if (raw.judge) suiteGraders.judge = raw.judge;
  if (raw.embedding) suiteGraders.embedding = raw.embedding;
  const tests = mergeTests(loadRawTests(raw.tests, baseDir), loadDefaultTest(raw.defaultTest, baseDir), suiteGraders);
  if (!tests.length) throw new ConfigError(`${file}: the suite has no test cases.`);
  return {
    file,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    prompts: loadPrompts(raw.prompts, baseDir),
    targets,
    tests,
    threshold: raw.threshold ?? 1,
    ...(raw.reference !== undefined ? { reference: raw.reference } : {}),
    ...(raw.judge !== undefined ? { judge: raw.judge } : {}),
    ...(raw.embedding !== undefined ? { embedding: raw.embedding } : {}),
    tools: (raw.tools ?? []) as EvalSuite['tools'],
    maxConcurrency: raw.evaluateOptions?.maxConcurrency ?? DEFAULT_CONCURRENCY,
    timeoutMs: raw.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

export function loadSuite(file: string): EvalSuite {
  return parseSuite(readText(file, file), file);
}
