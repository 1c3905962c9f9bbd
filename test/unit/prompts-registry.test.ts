import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MeridianError } from '../../src/errors.js';
import { PromptRegistry, applyPrompt } from '../../src/prompts/index.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

const master = { name: 'master', master: true };
const admin = { name: 'key:ops', master: false };
const text = (template: string) => ({ type: 'text', template, model: 'chat-default', params: { temperature: 0.2 } });

async function rejects(p: Promise<unknown>, status: number, code: string, messagePart?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MeridianError, String(err));
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    if (messagePart) assert.match(err.message, new RegExp(messagePart));
    return true;
  });
}

describe('prompt registry', () => {
  let store: Store;
  let now = Date.parse('2026-01-01T00:00:00Z');
  let registry: PromptRegistry;
  before(async () => {
    store = await createStore({ sqlite: ':memory:', retentionDays: 30 });
    registry = new PromptRegistry(store, { cacheTtlMs: 5_000, now: () => now });
  });
  after(() => store.close());

  it('push creates a version only when the content changed; latest moves by itself', async () => {
    assert.deepEqual(await registry.push('greet', text('Hi {{who}}'), master), { version: 1, created: true });
    // Same content, keys in another order: no new version.
    assert.deepEqual(
      await registry.push('greet', { params: { temperature: 0.2 }, model: 'chat-default', template: 'Hi {{who}}', type: 'text' }, master),
      {
        version: 1,
        created: false,
      },
    );
    assert.deepEqual(await registry.push('greet', text('Hello {{who}}'), master, 'warmer'), { version: 2, created: true });
    assert.equal((await registry.resolve({ name: 'greet' })).version, 2);
    assert.equal((await registry.resolve({ name: 'greet', label: 'latest' })).version, 2);
    assert.equal((await registry.resolve({ name: 'greet', version: 1 })).body.template, 'Hi {{who}}');
  });

  it('labels move, roll back, and a protected label is moved by the master key only; every change is audited', async () => {
    await registry.setLabel('greet', 'production', 1, master, { protect: true, reason: 'first release' });
    assert.equal((await registry.resolve({ name: 'greet', label: 'production' })).version, 1);
    await rejects(registry.setLabel('greet', 'production', 2, admin), 403, 'label_protected', 'only the master key');
    await rejects(registry.setLabel('greet', 'staging', 2, admin, { protect: true }), 403, 'label_protected');
    await registry.setLabel('greet', 'staging', 2, admin, { reason: 'try it' });
    await registry.setLabel('greet', 'production', 2, master, { reason: 'ship v2' });
    assert.equal(
      (await registry.resolve({ name: 'greet', label: 'production' })).version,
      2,
      'the move is seen at once (cache invalidated)',
    );
    await rejects(registry.rollback('greet', 'production', admin), 403, 'label_protected');
    const back = await registry.rollback('greet', 'production', master, { reason: 'v2 too warm' });
    assert.equal(back.version, 1);
    assert.equal(back.protected, true, 'rollback keeps protection');
    assert.equal((await registry.resolve({ name: 'greet', label: 'production' })).version, 1);
    await assert.rejects(registry.rollback('greet', 'production', master), /no older version/);

    const audit = await store.audit.list(10);
    const rollback = audit.find((a) => a.action === 'prompt.rollback');
    assert.deepEqual(rollback && { actor: rollback.actor, target: rollback.target, details: rollback.details }, {
      actor: 'master',
      target: 'greet@production',
      details: { from: 2, to: 1, protected: true, reason: 'v2 too warm' },
    });
    assert.ok(audit.some((a) => a.action === 'prompt.label' && a.actor === 'key:ops' && a.target === 'greet@staging'));
    assert.ok(audit.some((a) => a.action === 'prompt.version' && a.details?.version === 2 && a.details?.reason === 'warmer'));
  });

  it('unknown prompt, label or version is a 404, never a fallback; latest cannot be set', async () => {
    await rejects(registry.resolve({ name: 'nope' }), 404, 'prompt_not_found', 'no prompt named "nope"');
    await rejects(registry.resolve({ name: 'greet', label: 'canary' }), 404, 'prompt_not_found', 'no label "canary"');
    await rejects(registry.resolve({ name: 'greet', version: 9 }), 404, 'prompt_not_found', 'no version 9');
    await rejects(registry.setLabel('greet', 'latest', 1, master), 400, 'invalid_request');
    await rejects(registry.setLabel('greet', 'production', 7, master), 404, 'prompt_not_found');
    await rejects(registry.push('Bad Name', text('x'), master), 400, 'invalid_request');
    await rejects(registry.push('greet', { type: 'text' }, master), 400, 'invalid_prompt', 'template');
  });

  it("another replica's label move is seen once the cache entry expires (injected clock)", async () => {
    const other = new PromptRegistry(store, { cacheTtlMs: 5_000, now: () => now });
    assert.equal((await other.resolve({ name: 'greet', label: 'staging' })).version, 2);
    await registry.setLabel('greet', 'staging', 1, master);
    assert.equal((await other.resolve({ name: 'greet', label: 'staging' })).version, 2, 'cached in the other replica');
    now += 5_001;
    assert.equal((await other.resolve({ name: 'greet', label: 'staging' })).version, 1, 'expired: reads the store');
  });

  it('a request naming a prompt gets its rendered messages, model and parameter defaults; a missing variable is a 400 naming it', async () => {
    await registry.push(
      'support-reply',
      {
        type: 'chat',
        model: 'chat-default',
        params: { temperature: 0.1, max_tokens: 100 },
        messages: [
          { role: 'system', content: 'You answer for {{company}} in a {{tone}} tone.' },
          { placeholder: 'history' },
          { role: 'user', content: 'Sign as {{agent}}.' },
        ],
        metadata: { owner: 'support', tone: 'friendly', compliance: 'no refunds promised' },
      },
      master,
    );
    const applied = await applyPrompt(registry, {
      model: 'prompt:support-reply@latest',
      messages: [{ role: 'user', content: 'Where is my order?' }],
      max_tokens: 50,
      prompt: { variables: { company: 'Acme', tone: 'calm', agent: 'Ann' } },
    });
    assert.equal(applied?.version, 'support-reply@1');
    assert.deepEqual(applied?.body, {
      model: 'chat-default',
      temperature: 0.1,
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'You answer for Acme in a calm tone.' },
        { role: 'user', content: 'Where is my order?' },
        { role: 'user', content: 'Sign as Ann.' },
      ],
    });
    const byField = await applyPrompt(registry, { model: 'other-alias', prompt: { name: 'greet', version: 2, variables: { who: 'Bo' } } });
    assert.deepEqual(byField?.body, { model: 'other-alias', temperature: 0.2, messages: [{ role: 'system', content: 'Hello Bo' }] });
    assert.equal(byField?.version, 'greet@2');
    await rejects(
      applyPrompt(registry, { model: 'prompt:support-reply', prompt: { variables: { company: 'Acme', tone: 'calm' } } }),
      400,
      'missing_variable',
      '"agent"',
    );
    await rejects(applyPrompt(registry, { model: 'prompt:support-reply@canary' }), 404, 'prompt_not_found');
    await rejects(applyPrompt(registry, { model: 'x', prompt: { name: 'greet', label: 'a', version: 1 } }), 400, 'invalid_request');
    await rejects(applyPrompt(registry, { model: 'x', prompt: { name: 'greet', extra: 1 } }), 400, 'invalid_request');
    assert.equal(await applyPrompt(registry, { model: 'chat-default', messages: [] }), undefined);
  });
});
