/**
 * How long one routing decision takes: `router.plan()` over 20 deployments with 20 policy rules.
 * Run: `npx tsx bench/router.ts [iterations]`. Prints µs per decision (mean and p99).
 */
import type { Deployment, Location } from '../src/providers/spec.js';
import { policiesConfigSchema, routerConfigSchema } from '../src/router/config.js';
import { createRouter } from '../src/router/router.js';
import type { RequestFacts } from '../src/router/types.js';

const iterations = Number(process.argv[2] ?? 50_000);
const locations: Location[] = ['local', 'private', 'cloud'];

const deployments: Deployment[] = Array.from({ length: 20 }, (_, i) => {
  const location = locations[i % 3]!;
  const provider = {
    id: `p${i}`,
    type: 'mock',
    config: { id: `p${i}`, type: 'mock', location },
    baseUrl: '',
    location,
  } as unknown as Deployment['provider'];
  return {
    id: `p${i}/model-${i}`,
    provider,
    model: `model-${i}`,
    location,
    capabilities: { contextWindow: 8_192 * (1 + (i % 16)), tools: i % 2 === 0, vision: i % 4 === 0, jsonSchema: true, embeddings: false },
    ...(location === 'cloud' ? { price: { input: 0.1 * i, output: 0.4 * i } } : {}),
    maxConcurrency: 8,
    weight: 1 + (i % 3),
  };
});

// 20 rules of every kind; a realistic request matches a handful of them.
const policies = policiesConfigSchema.parse([
  { name: 'confidential', when: { tags: ['confidential'] }, require: { location: ['local', 'private'] } },
  { name: 'acme-health', when: { tenant: 'acme-health' }, require: { location: ['local'] } },
  { name: 'tools-cloud', when: { hasTools: true }, prefer: 'cloud' },
  { name: 'long', when: { estimatedPromptTokens: { gt: 30_000 } }, require: { capability: ['contextWindow'] } },
  { name: 'secrets', when: { pii: ['secret'] }, deny: { message: 'no secrets' } },
  ...Array.from({ length: 12 }, (_, i) => ({
    name: `tenant-${i}`,
    when: { tenant: `t${i}`, alias: ['smart', 'fast'] },
    prefer: i % 2 ? 'cheapest' : 'fastest',
  })),
  { name: 'pii-private', when: { pii: true, tags: { all: ['eu', 'legal'] } }, require: { location: ['private'] } },
  { name: 'json', when: { responseFormat: 'json_schema' }, prefer: 'p3/model-3' },
  { name: 'stream-local', when: { stream: true, hasImages: false }, prefer: 'local' },
]);
const router = createRouter({ router: routerConfigSchema.parse({ strategy: 'local-first' }), policies });

const facts: RequestFacts = {
  kind: 'chat',
  alias: 'smart',
  tenant: 't7',
  tags: ['team:search', 'confidential'],
  pii: { email: 1 },
  hasTools: true,
  hasImages: false,
  estimatedPromptTokens: 12_000,
  responseFormat: 'text',
  stream: true,
};

let sink = 0;
for (let i = 0; i < 5_000; i++) sink += router.plan(facts, deployments).attempts.length; // warm up the JIT
const samples = new Float64Array(iterations);
const t0 = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) {
  const s = process.hrtime.bigint();
  sink += router.plan(facts, deployments).attempts.length;
  samples[i] = Number(process.hrtime.bigint() - s) / 1000;
}
const totalUs = Number(process.hrtime.bigint() - t0) / 1000;
samples.sort();
const plan = router.plan(facts, deployments);
console.log(`router.plan(): 20 deployments, 20 rules, ${iterations} decisions`);
console.log(
  `  mean ${(totalUs / iterations).toFixed(2)} µs/decision, p50 ${samples[Math.floor(iterations * 0.5)]!.toFixed(2)} µs, p99 ${samples[Math.floor(iterations * 0.99)]!.toFixed(2)} µs`,
);
console.log(
  `  matched rules: ${plan.rules.join(', ')}; eligible ${plan.attempts.length}, excluded ${plan.excluded.length} (sink ${sink > 0})`,
);
