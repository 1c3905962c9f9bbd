/**
 * Privacy guard on large requests. Run: npx tsx bench/guard-scale.ts
 * Prints (1) synchronous scan time of dense findings ("a@b.co " repeated: one candidate per
 * 7 characters, the worst case for overlap resolution), and (2) event-loop lag while the async
 * inspect() scans a 1 MB prompt. Target: p99 lag ≤ 20 ms (issue #10).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChatRequest } from '../src/api/types.js';
import { createGuard, guardConfigSchema } from '../src/guard/index.js';
import { createScanner } from '../src/guard/scan.js';

const guard = createGuard(guardConfigSchema.parse({}));
const dense = (bytes: number): string => 'a@b.co '.repeat(Math.ceil(bytes / 7));
function prose(bytes: number): string {
  const parts = [
    'Please review the attached quarterly summary and draft a reply to the customer. ',
    'Contact Maria Lopez at maria.lopez@example.com or +1 415 555 0132 if anything is unclear.\n',
    'Our office at 221 Baker Street is closed on Monday; the invoice total was $1,284.50. ',
    'function add(a, b) { return a + b; } // a helper the team asked for in review.\n\n',
  ];
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += parts[i % parts.length];
  return s;
}
const asRequest = (text: string): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: text }] });

console.log('synchronous scanText, dense findings');
for (const kb of [256, 1024]) {
  const text = dense(kb * 1024);
  guard.scanText(text);
  const t0 = performance.now();
  const n = guard.scanText(text).length;
  console.log(`  ${String(kb).padStart(5)} KB: ${(performance.now() - t0).toFixed(0).padStart(5)} ms, ${n} findings`);
}

console.log('\nasync inspect, event-loop lag while scanning 1 MB (target p99 ≤ 20 ms)');
for (const [name, text] of [
  ['dense', dense(1024 * 1024)],
  ['prose', prose(1024 * 1024)],
] as const) {
  await guard.inspect(asRequest(text)); // warm-up
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const t0 = performance.now();
  await guard.inspect(asRequest(text));
  const ms = performance.now() - t0;
  lag.disable();
  const p = (q: number): string => (lag.percentile(q) / 1e6).toFixed(1);
  console.log(`  ${name}: ${ms.toFixed(0)} ms total; lag p50 ${p(50)} ms, p99 ${p(99)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`);
}

// Wall-clock lag includes time the OS gave to other processes; the guard's own share is the CPU
// time of its longest step between two yields.
console.log('\nlongest synchronous step (CPU time, excludes preemption), 1 MB');
const scanner = createScanner(guardConfigSchema.parse({}));
for (const [name, text] of [
  ['dense', dense(1024 * 1024)],
  ['prose', prose(1024 * 1024)],
] as const) {
  const steps = scanner.scanSteps(text, (f) => f);
  let longest = 0;
  let count = 0;
  for (let done = false; !done; count++) {
    const c0 = process.cpuUsage();
    done = steps.next().done === true;
    const c = process.cpuUsage(c0);
    longest = Math.max(longest, (c.user + c.system) / 1000);
  }
  console.log(`  ${name}: ${count} steps, longest ${longest.toFixed(1)} ms`);
}
