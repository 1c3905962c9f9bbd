/**
 * A gateway with mock "local" and "cloud" deployments that has served mixed traffic: local and
 * cloud answers, upstream errors, PII pseudonymized on the way to the cloud, a secret blocked, a
 * request a policy keeps local, one it refuses (no local deployment), and a budget on a key. Shared by the dashboard's integration
 * test (test/integration/ui-dashboard.test.ts) and its browser test (test/browser/dashboard-views.test.ts).
 */
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from './gateway.js';

export const DASHBOARD_MASTER = 'master-key-for-dashboard-tests-0123';

export function mixedTrafficConfig(): Record<string, unknown> {
  // An upstream error whenever the message says so (src/mock/rules.ts), on both deployments.
  const failing = { rulesInline: [{ match: { message: 'please fail' }, error: { status: 500, message: 'boom' } }] };
  const local = { provider: 'mock-local', model: 'llama-test', capabilities: { tools: true, jsonSchema: true } };
  const cloud = {
    provider: 'mock-cloud',
    model: 'gpt-test',
    price: { input: 2.5, output: 10 },
    capabilities: { tools: true, jsonSchema: true },
  };
  return {
    providers: [
      { id: 'mock-local', type: 'mock', location: 'local', options: failing },
      { id: 'mock-cloud', type: 'mock', location: 'cloud', options: failing },
    ],
    models: { local: [local, cloud], smart: [cloud, local], 'cloud-only': [cloud] },
    policies: [{ name: 'confidential-stays-local', when: { tags: ['confidential'] }, require: { location: ['local'] } }],
    guard: { defaultAction: 'pseudonymize', actions: { secret: 'block' } },
    router: { retries: 0 },
    pricing: { local: { 'mock-local': { gpuUsdPerHour: 1, tokensPerSecond: 100 } } },
    budgets: [{ scope: 'tenant', match: 'acme', period: 'day', usd: 5, mode: 'soft' }],
  };
}

export interface MixedTraffic {
  /** The virtual key (tenant acme) the traffic was sent with. */
  key: string;
  /** Requests sent, by what they were meant to show. */
  sent: { local: number; cloud: number; failed: number; pii: number; blocked: number; keptLocal: number; refused: number };
}

export async function startMixedGateway(): Promise<RunningGateway & { traffic: MixedTraffic }> {
  const gw = await startGateway(mixedTrafficConfig(), { env: { MERIDIAN_MASTER_KEY: DASHBOARD_MASTER } });
  const admin = { authorization: `Bearer ${DASHBOARD_MASTER}`, 'content-type': 'application/json' };
  const made = await fetch(`${gw.url}/admin/keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ tenant: 'acme', name: 'acme-app', budget: { usd: 1, period: 'day', mode: 'soft' } }),
  });
  assert.equal(made.status, 201);
  const { key } = (await made.json()) as { key: string };
  const chat = async (model: string, content: string, headers: Record<string, string> = {}): Promise<number> => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    await res.arrayBuffer();
    return res.status;
  };
  const sent = { local: 0, cloud: 0, failed: 0, pii: 0, blocked: 0, keptLocal: 0, refused: 0 };
  for (let i = 0; i < 4; i++) {
    assert.equal(await chat('local', `hello local ${i}`), 200);
    sent.local++;
  }
  for (let i = 0; i < 3; i++) {
    assert.equal(await chat('smart', `hello cloud ${i} with a longer question about the weather`), 200);
    sent.cloud++;
  }
  assert.equal(await chat('smart', 'Email jane.doe@example.com and call +1 415 555 0100 about Friday'), 200);
  sent.cloud++;
  sent.pii++;
  for (let i = 0; i < 2; i++) assert.equal(await chat('local', `please fail ${i}`), 502);
  sent.failed += 2;
  const blocked = await chat('smart', 'my key is AKIAIOSFODNN7EXAMPLE and secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  assert.ok(blocked >= 400, `the secret was blocked (${blocked})`);
  sent.blocked++;
  assert.equal(await chat('smart', 'a confidential plan', { 'x-meridian-tags': 'confidential' }), 200);
  sent.local++;
  sent.keptLocal++;
  // Confidential, but the alias has only a cloud deployment: refused, and the log says which rule excluded it.
  const refused = await chat('cloud-only', 'another confidential plan', { 'x-meridian-tags': 'confidential' });
  assert.ok(refused >= 400, `refused (${refused})`);
  sent.refused++;
  return { ...gw, traffic: { key, sent } };
}
