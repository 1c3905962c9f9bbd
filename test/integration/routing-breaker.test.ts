/**
 * Issue 3, circuit breaker through the running gateway: repeated failures open a deployment's
 * breaker, later requests skip it (x-meridian-route, request log via GET /admin/requests), and
 * after router.breaker.cooldownMs one half-open probe closes it again when the engine is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createRouter } from '../../src/router/index.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { fail, logEntry, ok, postChat, route, startFakeEngine, type FakeEngine } from '../helpers/routing.js';

const MASTER = 'routing-breaker-master-key-01234';
const COOLDOWN_MS = 400;
/** The breaker's clock: the test moves it past the cool-down instead of sleeping. */
let clock = 0;
const passCooldown = () => (clock += COOLDOWN_MS + 1);

describe('circuit breaker through the gateway', () => {
  let local: FakeEngine;
  let cloud: FakeEngine;
  let gw: RunningGateway;

  before(async () => {
    local = await startFakeEngine('local');
    cloud = await startFakeEngine('cloud');
    const config = {
      providers: [
        { id: 'local', type: 'openai-compatible', baseUrl: local.baseUrl, location: 'local' },
        { id: 'cloud', type: 'openai-compatible', baseUrl: cloud.baseUrl, location: 'cloud' },
      ],
      models: {
        smart: [
          { provider: 'local', model: 'm-local' },
          { provider: 'cloud', model: 'm-cloud' },
        ],
      },
      router: {
        healthIntervalMs: 0,
        retries: 0,
        backoffBaseMs: 1,
        backoffMaxMs: 1,
        breaker: { failureThreshold: 3, cooldownMs: COOLDOWN_MS },
      },
    };
    const parsed = parseConfig(config, {});
    const router = createRouter({ router: parsed.router, policies: parsed.policies }, { now: () => clock });
    gw = await startGateway(config, { env: { MERIDIAN_MASTER_KEY: MASTER }, overrides: { router } });
  });
  after(async () => {
    await gw.close();
    await Promise.all([local.close(), cloud.close()]);
  });

  const breakerState = () => (gw.gateway.services.router as unknown as { breakerState(id: string): string }).breakerState('local/m-local');

  it('opens after repeated failures, skips the bad deployment, and recovers after the cool-down', async () => {
    local.behave(fail(500, 'gpu fell off the bus'));

    // Three consecutive failures (failureThreshold: 3): each request still succeeds on cloud.
    for (let i = 0; i < 3; i++) {
      const r = await postChat(gw.url, { model: 'smart' });
      assert.equal(r.status, 200);
      assert.equal(route(r).deployment, 'cloud/m-cloud');
      const entry = await logEntry(gw.url, MASTER, r);
      assert.deepEqual(
        entry.attempts.map((a) => [a.deployment, a.ok, a.error?.status]),
        [
          ['local/m-local', false, 502],
          ['cloud/m-cloud', true, undefined],
        ],
      );
    }
    assert.equal(local.chats.length, 3);
    assert.equal(breakerState(), 'open');

    // Open: the next requests skip local without calling it.
    const skipped = await postChat(gw.url, { model: 'smart' });
    assert.equal(skipped.status, 200);
    assert.equal(route(skipped).deployment, 'cloud/m-cloud');
    assert.equal(local.chats.length, 3, 'the open breaker kept the request away from local');
    const skippedEntry = await logEntry(gw.url, MASTER, skipped);
    assert.deepEqual(
      skippedEntry.attempts.map((a) => [a.deployment, a.ok, a.reason, a.error?.code]),
      [
        ['local/m-local', false, 'breaker-open', 'breaker_open'],
        ['cloud/m-cloud', true, 'priority', undefined],
      ],
      'the log shows local was skipped because its breaker is open',
    );

    // route/explain agrees: local is excluded by the breaker.
    const explain = await postChat(gw.url, { model: 'smart' }, {}, '/v1/route/explain');
    assert.equal(explain.status, 200);
    assert.deepEqual(explain.body.excluded, [
      { deployment: 'local/m-local', rule: 'breaker-open', reason: 'circuit breaker open after repeated failures' },
    ]);
    assert.deepEqual(
      explain.body.eligible.map((e: { deployment: string }) => e.deployment),
      ['cloud/m-cloud'],
    );

    // The engine comes back; after the cool-down a half-open probe goes to local and closes the breaker.
    local.behave(ok());
    const stillOpen = await postChat(gw.url, { model: 'smart' });
    assert.equal(route(stillOpen).deployment, 'cloud/m-cloud', 'still skipped during the cool-down');
    assert.equal(local.chats.length, 3);
    passCooldown();
    assert.equal(breakerState(), 'half-open');

    const probe = await postChat(gw.url, { model: 'smart' });
    assert.equal(probe.status, 200);
    assert.equal(route(probe).deployment, 'local/m-local', 'the half-open probe went to local');
    assert.equal(probe.body.choices[0].message.content, 'hello from local');
    assert.equal(breakerState(), 'closed');
    assert.equal(local.chats.length, 4);

    const after = await postChat(gw.url, { model: 'smart' });
    assert.equal(route(after).deployment, 'local/m-local', 'closed again: local serves as usual');
    assert.deepEqual(
      (await logEntry(gw.url, MASTER, after)).attempts.map((a) => [a.deployment, a.ok]),
      [['local/m-local', true]],
    );
  });

  it('a failed half-open probe re-opens the breaker for another cool-down', async () => {
    local.behave(fail(500, 'still broken'));
    for (let i = 0; i < 3; i++) await postChat(gw.url, { model: 'smart' });
    assert.equal(breakerState(), 'open');
    const before = local.chats.length;
    passCooldown();

    const probe = await postChat(gw.url, { model: 'smart' });
    assert.equal(probe.status, 200, 'the failed probe falls back to cloud');
    assert.equal(route(probe).deployment, 'cloud/m-cloud');
    assert.equal(local.chats.length, before + 1, 'exactly one probe reached local');
    assert.equal(breakerState(), 'open', 'one failed probe is enough to re-open');

    const next = await postChat(gw.url, { model: 'smart' });
    assert.equal(route(next).deployment, 'cloud/m-cloud');
    assert.equal(local.chats.length, before + 1, 'skipped again');
    local.behave(ok());
  });

  it('rate limits (429) do not open the breaker', async () => {
    passCooldown();
    await postChat(gw.url, { model: 'smart' }); // half-open probe succeeds → closed
    assert.equal(breakerState(), 'closed');
    local.behave(fail(429, 'busy', { 'retry-after': '60' }));
    for (let i = 0; i < 4; i++) {
      const r = await postChat(gw.url, { model: 'smart' });
      assert.equal(route(r).deployment, 'cloud/m-cloud');
    }
    assert.equal(breakerState(), 'closed', 'busy is not broken');
    local.behave(ok());
  });
});
