/** Scaled out, a prompt change reaches another replica's cache through Redis pub/sub, not only when its TTL ends. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PromptRegistry } from '../../src/prompts/index.js';
import type { Store } from '../../src/store/types.js';
import { makePostgresHarness } from './store-harness.js';

describe('prompt cache invalidation across replicas (PostgreSQL + Redis)', () => {
  let harness: Awaited<ReturnType<typeof makePostgresHarness>>;
  let a: Store;
  let b: Store;
  before(async () => {
    harness = await makePostgresHarness();
    a = await harness.open();
    b = await harness.open();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await harness?.destroy();
  });

  it(
    "a label moved on replica A is resolved anew on replica B at once, with B's clock frozen inside its TTL",
    { timeout: 20_000 },
    async () => {
      const now = () => Date.parse('2026-01-01T00:00:00Z');
      const actor = { name: 'master', master: true };
      const onA = new PromptRegistry(a, { now, cacheTtlMs: 3_600_000 });
      // Notices B received, and a wait for the n-th (each change publishes one, in order).
      const notices: string[] = [];
      const waiters: { n: number; resolve: () => void }[] = [];
      const noticeCount = (n: number) => new Promise<void>((resolve) => (notices.length >= n ? resolve() : waiters.push({ n, resolve })));
      const onB = new PromptRegistry(b, {
        now,
        cacheTtlMs: 3_600_000,
        onNotified: (name) => {
          notices.push(name);
          for (const w of waiters.filter((w) => notices.length >= w.n)) w.resolve();
        },
      });
      await Promise.all([onA.subscribed, onB.subscribed]);

      const body = (t: string) => ({ type: 'text', template: t });
      await onA.push('faq', body('v1'), actor);
      await onA.push('faq', body('v2'), actor);
      await onA.setLabel('faq', 'production', 1, actor);
      await noticeCount(3); // both pushes and the label: nothing older can clear B's cache later
      assert.equal((await onB.resolve({ name: 'faq', label: 'production' })).version, 1);

      await onA.setLabel('faq', 'production', 2, actor);
      await noticeCount(4);
      assert.deepEqual(notices, ['faq', 'faq', 'faq', 'faq']);
      assert.equal((await onB.resolve({ name: 'faq', label: 'production' })).version, 2);
    },
  );
});
