/**
 * `meridian serve` builds a default scanner before the gateway loads (src/cli/guard-first.ts);
 * the guard built afterwards from the config still applies that config (deny list, disabled types).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warmUpGuardFirst } from '../../src/cli/guard-first.js';
import { guardConfigSchema } from '../../src/guard/config.js';
import { createGuard } from '../../src/guard/index.js';

test('the guard built after the early warm-up follows its own config', async () => {
  await warmUpGuardFirst();
  const guard = createGuard(guardConfigSchema.parse({ denyList: [{ value: 'ACME-7', type: 'codename' }], disabledTypes: ['phone'] }));
  const types = guard.scanText('Mail anna.schmidt@example.com about ACME-7, or call +44 20 7946 0958.').map((f) => f.type);
  assert.ok(types.includes('email'), types.join(','));
  assert.ok(types.includes('codename'), types.join(','));
  assert.ok(!types.includes('phone'), types.join(','));
});
