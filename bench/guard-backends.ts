/**
 * Latency cost of guard back-ends. Run: npx tsx bench/guard-backends.ts
 * Compares inspect() with the built-in scan only, with a Presidio back-end pointed at a fake
 * Presidio in a child process on 127.0.0.1 (answers at once: what is measured is the HTTP and
 * JSON round trip the guard adds, not Presidio's own NLP time), and with a local-model back-end
 * whose completion resolves at once (the guard's own plumbing). Recall cannot be measured here:
 * it needs a real Presidio Analyzer or local model, which this machine does not have.
 */
import type { ChatRequest } from '../src/api/types.js';
import { createGuard, guardConfigSchema, type Guard } from '../src/guard/index.js';
import { startFakePresidio } from './lib/fake-presidio.js';

function prose(chars: number): string {
  const parts = [
    'Please review the attached quarterly summary and draft a reply to the customer. ',
    'Contact Maria Lopez at maria.lopez@example.com or +1 415 555 0132 if anything is unclear.\n',
    'Our office at 221 Baker Street is closed on Monday; the invoice total was $1,284.50. ',
  ];
  let s = '';
  for (let i = 0; s.length < chars; i++) s += parts[i % parts.length];
  return s.slice(0, chars);
}
const asRequest = (text: string): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: text }] });

async function timeInspect(guard: Guard, request: ChatRequest, runs: number): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 5; i++) await guard.inspect(request);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await guard.inspect(request);
    ms.push(performance.now() - t0);
    if (r.counts.guard_error) throw new Error('a back-end failed during the bench');
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(runs / 2)]!, p95: ms[Math.floor(runs * 0.95)]! };
}

const fake = await startFakePresidio(['Maria Lopez']);
const url = fake.url;
try {
  const guards: Array<[string, Guard]> = [
    ['built-in only', createGuard(guardConfigSchema.parse({}))],
    ['+ presidio (fake, 127.0.0.1)', createGuard(guardConfigSchema.parse({ backends: [{ type: 'presidio', url }] }))],
    [
      '+ local-model (instant fake)',
      createGuard(guardConfigSchema.parse({ backends: [{ type: 'local-model', model: 'local/fake' }] }), {
        complete: async () => '[{"type":"person","text":"Maria Lopez"}]',
      }),
    ],
  ];
  console.log('inspect() latency, one user message, ms (p50 / p95)');
  for (const chars of [1024, 16 * 1024, 128 * 1024]) {
    const request = asRequest(prose(chars));
    const runs = chars > 64 * 1024 ? 40 : 200;
    const cells: string[] = [];
    for (const [name, guard] of guards) {
      const { p50, p95 } = await timeInspect(guard, request, runs);
      cells.push(`${name}: ${p50.toFixed(2)} / ${p95.toFixed(2)}`);
    }
    console.log(`  ${String(chars / 1024).padStart(4)} KB  ${cells.join('   ')}`);
  }
} finally {
  fake.stop();
}
