/**
 * Semantic cache precision/recall on a labelled paraphrase set (bench/data/cache-paraphrase.json,
 * original pairs written for this bench). End to end through a real gateway: for each pair, the
 * first text is asked (a miss, stored), then the second (hit or miss per `x-meridian-cache`); a
 * per-pair system message keeps pairs in separate buckets. Precision = hits that should hit /
 * all hits; recall = hits that should hit / pairs that should hit.
 *
 * Embeddings come from the mock's `mock-embed-ngram` (hashed words + character trigrams): no model
 * is needed, and it is NOT a language model, so it catches paraphrases that share words and
 * misses those that do not, and confuses questions that differ in one word ("capital of France" /
 * "of Germany"). The sweep below shows the trade-off; a real embedding model is needed for useful
 * numbers (point `--embedding-provider` at an OpenAI-compatible server: `URL MODEL`).
 *
 * Run: `npx tsx bench/cache-semantic.ts [threshold=0.85] [--embedding-provider URL MODEL]`
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.js';
import { buildServices } from '../src/gateway/build.js';
import { createGateway } from '../src/gateway/gateway.js';

interface Pair {
  a: string;
  b: string;
  same: boolean;
}

const args = process.argv.slice(2);
const threshold = Number(args.find((a) => !a.startsWith('--') && !Number.isNaN(Number(a))) ?? 0.85);
const at = args.indexOf('--embedding-provider');
const external = at >= 0 ? { url: args[at + 1]!, model: args[at + 2]! } : undefined;
const { pairs } = JSON.parse(readFileSync(fileURLToPath(new URL('./data/cache-paraphrase.json', import.meta.url)), 'utf8')) as {
  pairs: Pair[];
};

async function run(th: number): Promise<{ tp: number; fp: number; fn: number; tn: number }> {
  const config = parseConfig(
    {
      store: { sqlite: ':memory:' },
      log: { level: 'silent', requests: false },
      providers: [
        { id: 'mock', type: 'mock', location: 'local' },
        ...(external ? [{ id: 'emb', type: 'openai-compatible', baseUrl: external.url, location: 'local' }] : []),
      ],
      models: {
        chat: {
          deployments: [{ provider: 'mock', model: 'mock-small' }],
          cache: { enabled: true, semantic: { embeddingModel: 'embed', threshold: th } },
        },
        embed: [external ? { provider: 'emb', model: external.model } : { provider: 'mock', model: 'mock-embed-ngram' }],
      },
      router: { healthIntervalMs: 0 },
    },
    {},
  );
  const logger = pino({ level: 'silent' });
  const built = await buildServices(config, logger, { env: {} });
  const gateway = createGateway(config, { logger, overrides: built.overrides });
  const url = await gateway.listen(0, '127.0.0.1');
  const ask = async (i: number, text: string) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chat',
        messages: [
          { role: 'system', content: `pair ${i}` },
          { role: 'user', content: text },
        ],
      }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`pair ${i}: status ${res.status}`);
    return res.headers.get('x-meridian-cache');
  };
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  try {
    for (const [i, p] of pairs.entries()) {
      await ask(i, p.a);
      const hit = (await ask(i, p.b)) === 'hit';
      if (hit && p.same) counts.tp++;
      else if (hit) counts.fp++;
      else if (p.same) counts.fn++;
      else counts.tn++;
    }
  } finally {
    await gateway.close(1000);
  }
  return counts;
}

const pct = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const line = (th: number, c: { tp: number; fp: number; fn: number; tn: number }) =>
  `${th.toFixed(2)}  precision ${pct(c.tp / (c.tp + c.fp))}  recall ${pct(c.tp / (c.tp + c.fn))}  (tp ${c.tp}, fp ${c.fp}, fn ${c.fn}, tn ${c.tn})`;

const same = pairs.filter((p) => p.same).length;
console.log(
  `semantic cache, ${pairs.length} pairs (${same} should hit, ${pairs.length - same} should not), embeddings: ${
    external ? `${external.model} at ${external.url}` : 'mock-embed-ngram (bag of words + trigrams, not a language model)'
  }`,
);
console.log(`at threshold ${line(threshold, await run(threshold))}`);
console.log('sweep:');
for (const th of [0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) console.log(`  ${line(th, await run(th))}`);
