import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoDeploymentError, PolicyDeniedError } from '../../src/errors.js';
import { policiesConfigSchema, routerConfigSchema } from '../../src/router/config.js';
import { formatRouteHeader, NoEligibleDeploymentError, PolicyRuleDeniedError } from '../../src/router/router.js';
import { dep, facts, hybridSet, router } from './router-fixtures.js';

const ids = (plan: { attempts: Array<{ deployment: { id: string } }> }) => plan.attempts.map((a) => a.deployment.id);

const examples = [
  { name: 'confidential-stays-inside', when: { tags: ['confidential'] }, require: { location: ['local', 'private'] } },
  { name: 'tools-prefer-cloud', when: { hasTools: true }, prefer: 'cloud' },
  { name: 'long-prompts-fit', when: { estimatedPromptTokens: { gt: 30_000 } }, require: { capability: ['contextWindow'] } },
  { name: 'acme-health-local', when: { tenant: 'acme-health' }, require: { location: ['local'] } },
];

describe('router policies: the four documented examples', () => {
  const r = router({ policies: examples });

  it('"anything tagged confidential runs only on local or private"', () => {
    const plan = r.plan(facts({ tags: ['Confidential', 'legal'] }), hybridSet());
    assert.deepEqual(ids(plan), ['ollama/llama3', 'vllm/qwen', 'azure/gpt-4o']);
    assert.deepEqual(plan.allowedLocations, ['local', 'private']);
    assert.deepEqual(plan.rules, ['confidential-stays-inside']);
    const cloud = plan.excluded.filter((x) => x.rule === 'confidential-stays-inside').map((x) => x.deployment);
    assert.deepEqual(cloud, ['openai/gpt-4o-mini', 'anthropic/claude']);
    assert.equal(plan.attempts[0]!.reason, 'confidential-stays-inside');
    // untagged: cloud stays eligible
    assert.equal(r.plan(facts(), hybridSet()).attempts.length, 5);
  });

  it('"requests with tools prefer cloud"', () => {
    const plan = r.plan(facts({ hasTools: true }), hybridSet());
    // ollama/llama3 has no tools: excluded by the built-in capability check
    assert.deepEqual(ids(plan), ['openai/gpt-4o-mini', 'anthropic/claude', 'vllm/qwen', 'azure/gpt-4o']);
    assert.equal(plan.attempts[0]!.reason, 'tools-prefer-cloud');
    assert.equal(plan.attempts[2]!.reason, 'priority');
    assert.deepEqual(plan.excluded, [
      { deployment: 'ollama/llama3', rule: 'capability:tools', reason: 'no tools support', capability: 'tools' },
    ]);
  });

  it('"prompts over 30k tokens go where the context window fits"', () => {
    const set = [...hybridSet(), dep('lmstudio/unknown-window', 'local')];
    const plan = r.plan(facts({ estimatedPromptTokens: 40_000 }), set);
    assert.deepEqual(ids(plan), ['azure/gpt-4o', 'openai/gpt-4o-mini', 'anthropic/claude']);
    const byRule = Object.fromEntries(plan.excluded.map((x) => [x.deployment, x.rule]));
    assert.equal(byRule['ollama/llama3'], 'long-prompts-fit');
    assert.equal(byRule['vllm/qwen'], 'long-prompts-fit');
    assert.equal(byRule['lmstudio/unknown-window'], 'long-prompts-fit', 'unknown window is excluded by the explicit rule');
    // Under 30k the rule does not apply: the unknown window stays, the built-in check still drops too-small windows
    const small = r.plan(facts({ estimatedPromptTokens: 10_000 }), set);
    assert.ok(ids(small).includes('lmstudio/unknown-window'));
    assert.deepEqual(
      small.excluded.map((x) => [x.deployment, x.rule]),
      [['ollama/llama3', 'capability:contextWindow']],
    );
  });

  it('"tenant acme-health never leaves local" (not even private)', () => {
    const plan = r.plan(facts({ tenant: 'acme-health' }), hybridSet());
    assert.deepEqual(ids(plan), ['ollama/llama3', 'vllm/qwen']);
    assert.deepEqual(plan.allowedLocations, ['local']);
    assert.ok(plan.attempts.every((a) => a.deployment.location === 'local'));
    // combined with tools-prefer-cloud: the preference cannot override the restriction
    const withTools = r.plan(facts({ tenant: 'acme-health', hasTools: true }), hybridSet());
    assert.deepEqual(ids(withTools), ['vllm/qwen']);
    assert.ok(withTools.rules.includes('tools-prefer-cloud'));
  });
});

describe('router policies: conditions, effects, built-ins', () => {
  it('deny throws PolicyDeniedError with the policy message; explain reports it', () => {
    const r = router({
      policies: [{ name: 'no-secrets', when: { pii: ['secret'] }, deny: { message: 'Requests containing secrets are refused.' } }],
    });
    const f = facts({ pii: { secret: 1 } });
    assert.throws(
      () => r.plan(f, hybridSet()),
      (e: unknown) =>
        e instanceof PolicyDeniedError &&
        e instanceof PolicyRuleDeniedError &&
        e.rule === 'no-secrets' &&
        e.status === 403 &&
        e.message === 'Requests containing secrets are refused.',
    );
    const ex = r.explain(f, hybridSet());
    assert.deepEqual(ex.denied, { rule: 'no-secrets', message: 'Requests containing secrets are refused.' });
    assert.equal(ex.error?.status, 403);
    assert.equal(r.plan(facts({ pii: { email: 2 } }), hybridSet()).attempts.length, 5);
  });

  it('matches every condition kind', () => {
    const policies = [
      { name: 'p1', when: { alias: ['smart', 'fast'], keyId: 'k1', kind: 'chat' }, prefer: 'anthropic/claude' },
      { name: 'p2', when: { tags: { all: ['a', 'b'] }, pii: true, stream: true }, prefer: 'local' },
      {
        name: 'p3',
        when: { guardAction: 'pseudonymize', dataPolicy: 'any', responseFormat: ['json_object'], hasImages: false },
        prefer: 'cheapest',
      },
      { name: 'p4', when: { estimatedPromptTokens: { gte: 10, lte: 10 } }, prefer: 'fastest' },
    ];
    const r = router({ policies });
    assert.deepEqual(r.plan(facts({ keyId: 'k1' }), hybridSet()).rules, ['p1']);
    assert.deepEqual(r.plan(facts({ keyId: 'k2' }), hybridSet()).rules, []);
    assert.deepEqual(r.plan(facts({ tags: ['a', 'b'], pii: { email: 1 }, stream: true }), hybridSet()).rules, ['p2']);
    assert.deepEqual(r.plan(facts({ tags: ['a'], pii: { email: 1 }, stream: true }), hybridSet()).rules, []);
    assert.deepEqual(r.plan(facts({ tags: ['a', 'b'], pii: { email: 0 }, stream: true }), hybridSet()).rules, []);
    assert.deepEqual(r.plan(facts({ guardAction: 'pseudonymize', dataPolicy: 'any', responseFormat: 'json_object' }), hybridSet()).rules, [
      'p3',
    ]);
    assert.deepEqual(r.plan(facts({ estimatedPromptTokens: 10 }), hybridSet()).rules, ['p4']);
    assert.equal(r.plan(facts({ keyId: 'k1' }), hybridSet()).attempts[0]!.deployment.id, 'anthropic/claude');
    // prefer cheapest: unpriced local first (cost 0), then by price
    assert.deepEqual(ids(r.plan(facts({ guardAction: 'pseudonymize', dataPolicy: 'any', responseFormat: 'json_object' }), hybridSet())), [
      'ollama/llama3',
      'vllm/qwen',
      'openai/gpt-4o-mini',
      'azure/gpt-4o',
      'anthropic/claude',
    ]);
  });

  it('built-in restrictions: guard local-only, data policy, budget downgrade', () => {
    const r = router();
    assert.deepEqual(r.plan(facts({ guardAction: 'local-only' }), hybridSet()).allowedLocations, ['local', 'private']);
    const dp = r.plan(facts({ dataPolicy: 'local-only' }), hybridSet());
    assert.deepEqual(ids(dp), ['ollama/llama3', 'vllm/qwen', 'azure/gpt-4o']);
    assert.equal(dp.excluded[0]!.rule, 'data-policy:local-only');
    const budget = r.plan(facts({ budgetDowngrade: true }), hybridSet());
    assert.deepEqual(budget.allowedLocations, ['local']);
    assert.equal(budget.excluded.find((x) => x.deployment === 'azure/gpt-4o')!.rule, 'budget:downgrade');
  });

  it('built-in capabilities: images→vision, json_schema, embeddings', () => {
    const r = router();
    assert.deepEqual(ids(r.plan(facts({ hasImages: true }), hybridSet())), ['azure/gpt-4o', 'openai/gpt-4o-mini', 'anthropic/claude']);
    const set = [dep('a/x', 'local', { caps: { jsonSchema: false } }), dep('b/y', 'cloud')];
    assert.deepEqual(ids(r.plan(facts({ responseFormat: 'json_schema' }), set)), ['b/y']);
    const emb = [dep('a/chat', 'local'), dep('a/embed', 'local', { caps: { embeddings: true } })];
    assert.deepEqual(ids(r.plan(facts({ kind: 'embeddings' }), emb)), ['a/embed']);
  });

  it('nothing eligible → NoDeploymentError naming the rule for each candidate', () => {
    const r = router({ policies: examples });
    const cloudOnly = [dep('openai/gpt-4o', 'cloud'), dep('anthropic/claude', 'cloud', { caps: { tools: false } })];
    let caught: unknown;
    try {
      r.plan(facts({ tenant: 'acme-health' }), cloudOnly);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof NoDeploymentError && caught instanceof NoEligibleDeploymentError);
    assert.equal(caught.status, 503);
    assert.deepEqual(
      caught.excluded.map((x) => [x.deployment, x.rule]),
      [
        ['openai/gpt-4o', 'acme-health-local'],
        ['anthropic/claude', 'acme-health-local'],
      ],
    );
    assert.match(caught.message, /openai\/gpt-4o \(acme-health-local: location 'cloud' not in \[local\]\)/);
  });
});

describe('router explain and route header', () => {
  it('explain returns eligible in order with reasons and excluded with rules, without running anything', () => {
    const r = router({ policies: examples });
    const ex = r.explain(facts({ tags: ['confidential'], hasTools: true }), hybridSet(), 'local-first');
    assert.deepEqual(JSON.parse(JSON.stringify(ex)), {
      alias: 'smart',
      strategy: 'local-first',
      rules: ['confidential-stays-inside', 'tools-prefer-cloud'],
      eligible: [
        { deployment: 'vllm/qwen', location: 'local', reason: 'confidential-stays-inside' },
        { deployment: 'azure/gpt-4o', location: 'private', reason: 'confidential-stays-inside' },
      ],
      excluded: [
        { deployment: 'ollama/llama3', rule: 'capability:tools', reason: 'no tools support', capability: 'tools' },
        { deployment: 'openai/gpt-4o-mini', rule: 'confidential-stays-inside', reason: "location 'cloud' not in [local, private]" },
        { deployment: 'anthropic/claude', rule: 'confidential-stays-inside', reason: "location 'cloud' not in [local, private]" },
      ],
      allowedLocations: ['local', 'private'],
    });
    assert.equal(r.inFlight('vllm/qwen'), 0);
    const none = r.explain(facts({ tenant: 'acme-health' }), [dep('openai/x', 'cloud')]);
    assert.equal(none.eligible.length, 0);
    assert.equal(none.error?.code, 'no_deployment_available');
  });

  it('formatRouteHeader renders deployment, reason and strategy', () => {
    assert.equal(
      formatRouteHeader({ deployment: dep('ollama/llama3', 'local'), reason: 'confidential-stays-inside', strategy: 'local-first' }),
      'ollama/llama3; reason=confidential-stays-inside; strategy=local-first',
    );
    assert.equal(formatRouteHeader({ deployment: 'a/b', reason: 'x;y\r\nz' }), 'a/b; reason=x y  z');
    assert.equal(formatRouteHeader({ deployment: 'p/qwen-中文', reason: 'priority' }), 'p/qwen-%E4%B8%AD%E6%96%87; reason=priority');
  });
});

describe('router config schema', () => {
  it('absent sections are valid and carry the defaults', () => {
    const rc = routerConfigSchema.parse(undefined);
    assert.equal(rc.attemptTimeoutMs, 60_000);
    assert.equal(rc.strategy, 'priority');
    assert.equal(rc.breaker.failureThreshold, 5);
    assert.deepEqual(policiesConfigSchema.parse(undefined), []);
  });

  it('rejects rules without an effect, duplicate names, unknown keys and strategies', () => {
    assert.equal(policiesConfigSchema.safeParse([{ name: 'x', when: {} }]).success, false);
    assert.equal(
      policiesConfigSchema.safeParse([
        { name: 'x', prefer: 'local' },
        { name: 'x', prefer: 'cloud' },
      ]).success,
      false,
    );
    assert.equal(policiesConfigSchema.safeParse([{ name: 'x', when: { tennant: 'a' }, prefer: 'local' }]).success, false);
    assert.equal(policiesConfigSchema.safeParse([{ name: 'x', deny: { message: 'no' }, prefer: 'local' }]).success, false);
    assert.equal(routerConfigSchema.safeParse({ strategy: 'random' }).success, false);
    assert.equal(policiesConfigSchema.safeParse(examples).success, true);
  });

  it('plan rejects an unknown alias strategy', () => {
    assert.throws(() => router().plan(facts(), hybridSet(), 'roulette'), /Strategy 'roulette' is unknown/);
  });
});
