/**
 * What a guard back-end adds (issue #11): the recall sets of bench/pii-recall.ts run through
 * `inspect()` twice, with the built-in scan alone and with the back-end, printing recall,
 * over-redaction, inspect latency and back-end failures side by side. Needs a real back-end, which
 * this machine does not have (no Presidio: PyPI is unreachable; no model weights):
 *
 *   PII_PRESIDIO_URL=http://127.0.0.1:5002 npx tsx bench/pii-recall-backends.ts
 *   PII_LOCAL_MODEL_URL=http://127.0.0.1:11434/v1 PII_LOCAL_MODEL=qwen2.5:7b npx tsx bench/pii-recall-backends.ts
 *
 * PII_LOCAL_MODEL_URL is any OpenAI-compatible base URL (Ollama, llama-server, vLLM, or a Meridian
 * gateway's /v1 with PII_LOCAL_MODEL naming a local alias); PII_LOCAL_MODEL_KEY is sent as a bearer
 * token when set. PII_TIMEOUT_MS (default 30000) is the back-end's timeout, PII_LIMIT=N measures
 * the first N examples of each set, PII_SETS=prose,templated picks sets by name.
 * `--self-test` runs the plumbing against a fake Presidio that reports every labelled person: its
 * recall is the fake's, not Presidio's.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { ChatRequest } from '../src/api/types.js';
import { createGuard, guardConfigSchema, type Guard } from '../src/guard/index.js';
import type { GuardCompleteFn } from '../src/guard/backends/types.js';
import { startFakePresidio } from './lib/fake-presidio.js';
import { newAccumulator, print, recallSets, result, tallyExample, type RecallSet } from './lib/pii-recall-measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const timeoutMs = Number(process.env.PII_TIMEOUT_MS ?? 30_000);
const limit = Number(process.env.PII_LIMIT ?? Infinity);
const wanted = process.env.PII_SETS?.split(',');
const selfTest = process.argv.includes('--self-test');

/** The local-model back-end's completion, sent straight to an OpenAI-compatible endpoint. */
function openAICompletion(baseUrl: string, key: string | undefined): GuardCompleteFn {
  return async ({ model, messages, signal }) => {
    const res = await request(`${baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model, messages, stream: false, temperature: 0 }),
      signal,
    });
    const body = (await res.body.json()) as { choices?: Array<{ message?: { content?: string } }> };
    if (res.statusCode !== 200) throw new Error(`local model answered ${res.statusCode}`);
    return body.choices?.[0]?.message?.content ?? '';
  };
}

async function measureInspect(guard: Guard, set: RecallSet) {
  const acc = newAccumulator();
  const ms: number[] = [];
  let failures = 0;
  for (const ex of set.examples.slice(0, limit)) {
    const req: ChatRequest = { model: 'm', messages: [{ role: 'user', content: ex.text }] };
    const t0 = performance.now();
    const inspection = await guard.inspect(req);
    ms.push(performance.now() - t0);
    if (inspection.counts.guard_error) failures++;
    tallyExample(acc, ex, inspection.findings, set.groupOf);
  }
  ms.sort((a, b) => a - b);
  return { measured: result(acc), p50: ms[ms.length >> 1] ?? 0, p95: ms[Math.floor(ms.length * 0.95)] ?? 0, failures, n: ms.length };
}

const sets = recallSets('/work/shared/data/pii/presidio-generated-large.json', join(here, 'data', 'pii-heldout.json')).filter(
  (s) => !wanted || wanted.some((w) => s.title.includes(w)),
);
let stop = () => {};
let backend: { name: string; guard: Guard };
if (selfTest || process.env.PII_PRESIDIO_URL) {
  let url = process.env.PII_PRESIDIO_URL;
  if (selfTest) {
    const persons = [
      ...new Set(
        sets.flatMap((s) =>
          s.examples.flatMap((ex) => ex.spans.filter((sp) => sp.type === 'person').map((sp) => ex.text.slice(sp.start, sp.end))),
        ),
      ),
    ];
    const fake = await startFakePresidio(persons);
    url = fake.url;
    stop = fake.stop;
  }
  backend = {
    name: selfTest ? 'fake Presidio (self-test)' : `Presidio at ${url}`,
    guard: createGuard(guardConfigSchema.parse({ backends: [{ type: 'presidio', url, timeoutMs }] })),
  };
} else if (process.env.PII_LOCAL_MODEL_URL && process.env.PII_LOCAL_MODEL) {
  const model = process.env.PII_LOCAL_MODEL;
  backend = {
    name: `local model ${model} at ${process.env.PII_LOCAL_MODEL_URL}`,
    guard: createGuard(guardConfigSchema.parse({ backends: [{ type: 'local-model', model, timeoutMs }] }), {
      complete: openAICompletion(process.env.PII_LOCAL_MODEL_URL, process.env.PII_LOCAL_MODEL_KEY),
    }),
  };
} else {
  console.error('Set PII_PRESIDIO_URL, or PII_LOCAL_MODEL_URL and PII_LOCAL_MODEL, or pass --self-test (see the header).');
  process.exit(2);
}

try {
  const builtIn = createGuard(guardConfigSchema.parse({}));
  for (const set of sets) {
    for (const [name, guard] of [
      ['built-in scan', builtIn],
      [backend.name, backend.guard],
    ] as const) {
      const r = await measureInspect(guard, set);
      print(`${set.title} — ${name}`, r.measured);
      console.log(`  inspect p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms; failed closed ${r.failures} of ${r.n}`);
    }
  }
} finally {
  stop();
}
