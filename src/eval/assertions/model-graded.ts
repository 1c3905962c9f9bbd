/**
 * Assertions that ask a model: `similar` (embeddings through the gateway's /v1/embeddings,
 * cosine ≥ threshold, default 0.75 as in promptfoo), and the judge-graded `llm-rubric`,
 * `factuality` (promptfoo's A–E categories against a reference), `tone` and `policy`. The judge
 * is named by the assertion's `provider` or the suite's `judge`, and called through the gateway.
 * Reference: https://www.promptfoo.dev/docs/configuration/expected-outputs/model-graded/
 */
import type { ChatMessage } from '../../api/types.js';
import { brief, failed, passed, type AssertionContext, type AssertionFn, type Check } from './context.js';

export const DEFAULT_SIMILARITY_THRESHOLD = 0.75;

export function cosine(a: number[], b: number[]): number {
  if (a.length !== b.length || !a.length) throw new Error(`embedding sizes differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

const similar: AssertionFn = async (a, value, ctx) => {
  const model = a.provider ?? ctx.embedding;
  if (!model) return failed("similar needs an embedding model: set 'embedding' in the suite or 'provider' on the assertion");
  const references = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
  const threshold = a.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  const vectors = await ctx.grader.embed(model, [ctx.output, ...references]);
  const [out, ...refs] = vectors;
  if (!out || refs.length !== references.length)
    return failed(`the embedding model returned ${vectors.length} vectors for ${references.length + 1} inputs`);
  const best = Math.max(...refs.map((r) => cosine(out, r)));
  const rounded = Math.round(best * 1000) / 1000;
  const score = Math.max(0, Math.min(1, best));
  return best >= threshold
    ? { pass: true, score, reason: `similarity ${rounded} ≥ ${threshold}` }
    : { pass: false, score, reason: `similarity ${rounded} < ${threshold}` };
};

const JUDGE_SYSTEM =
  'You are an impartial grader of AI outputs. Grade only what you are asked. ' +
  'Answer with one JSON object and nothing else: {"reason": string, "pass": boolean, "score": number between 0 and 1}.';

/** Finds the first JSON object in a judge's answer (judges wrap JSON in prose or code fences). */
export function extractJsonObject(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const v = JSON.parse(text.slice(start, end + 1)) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

type JudgeAnswer = { verdict: Record<string, unknown> } | { problem: Check };

async function askJudge(model: string | undefined, ctx: AssertionContext, messages: ChatMessage[]): Promise<JudgeAnswer> {
  if (!model)
    return { problem: failed("model-graded assertions need a judge model: set 'judge' in the suite or 'provider' on the assertion") };
  const answer = await ctx.grader.complete(model, messages);
  const verdict = extractJsonObject(answer);
  return verdict ? { verdict } : { problem: failed(`the judge answered without a JSON verdict: ${brief(answer, 160)}`) };
}

function rubricGrader(heading: string, describe: (value: string) => string): AssertionFn {
  return async (a, value, ctx) => {
    const user = `<Output>\n${ctx.output}\n</Output>\n<${heading}>\n${describe(String(value ?? ''))}\n</${heading}>`;
    const answer = await askJudge(a.provider ?? ctx.judge, ctx, [
      { role: 'system', content: JUDGE_SYSTEM },
      { role: 'user', content: user },
    ]);
    if ('problem' in answer) return answer.problem;
    const verdict = answer.verdict;
    if (typeof verdict.pass !== 'boolean') return failed(`the judge's verdict has no boolean "pass": ${brief(verdict, 160)}`);
    const score =
      typeof verdict.score === 'number' && Number.isFinite(verdict.score) ? Math.max(0, Math.min(1, verdict.score)) : verdict.pass ? 1 : 0;
    const reason = typeof verdict.reason === 'string' ? verdict.reason.slice(0, 500) : 'no reason given';
    const pass = a.threshold !== undefined ? score >= a.threshold : verdict.pass;
    return { pass, score, reason: `judge: ${reason}` };
  };
}

/** promptfoo's factuality categories; D (the submission contradicts the reference) fails by default. */
const FACTUALITY_CATEGORIES: Record<string, string> = {
  A: 'the submission is a subset of the expert answer and fully consistent with it',
  B: 'the submission is a superset of the expert answer and fully consistent with it',
  C: 'the submission contains all the same details as the expert answer',
  D: 'there is a disagreement between the submission and the expert answer',
  E: 'the answers differ, but these differences do not matter from the perspective of factuality',
};

const factuality: AssertionFn = async (a, value, ctx) => {
  const choices = Object.entries(FACTUALITY_CATEGORIES)
    .map(([k, v]) => `(${k}) ${v}`)
    .join('\n');
  const user =
    `Compare the factual content of the submitted answer with the expert answer. Ignore style and grammar.\n` +
    `[Question]: ${ctx.prompt}\n[Expert]: ${String(value ?? '')}\n[Submission]: ${ctx.output}\n` +
    `Choose one category:\n${choices}\nAnswer with one JSON object: {"category": "A"|"B"|"C"|"D"|"E", "reason": string}.`;
  const answer = await askJudge(a.provider ?? ctx.judge, ctx, [{ role: 'user', content: user }]);
  if ('problem' in answer) return answer.problem;
  const verdict = answer.verdict;
  if (typeof verdict.category !== 'string') return failed(`the judge's verdict has no "category": ${brief(verdict, 160)}`);
  const category = verdict.category
    .trim()
    .toUpperCase()
    .replace(/[^A-E]/g, '')
    .slice(0, 1);
  if (!category) return failed(`the judge chose an unknown category ${brief(verdict.category)}`);
  const reason = typeof verdict.reason === 'string' ? verdict.reason.slice(0, 500) : 'no reason given';
  return category === 'D' ? failed(`factuality ${category}: ${reason}`) : passed(`factuality ${category}: ${reason}`);
};

export const MODEL_GRADED: Record<string, AssertionFn> = {
  'llm-rubric': rubricGrader('Rubric', (v) => v),
  tone: rubricGrader('Rubric', (v) => `The output's tone is: ${v}`),
  policy: rubricGrader('Rubric', (v) => `The output complies with this policy: ${v}`),
  factuality,
};

export const EMBEDDING_BASED: Record<string, AssertionFn> = { similar };
