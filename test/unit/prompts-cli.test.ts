/** `meridian prompts …` in process, over a SQLite file: push from files, labels, protection, rollback, diff, pull. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerPromptCommands } from '../../src/prompts/cli.js';
import { createStore } from '../../src/store/index.js';

const work = mkdtempSync(join(tmpdir(), 'meridian-prompts-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
const db = join(work, 'm.db');
const dir = join(work, 'prompts');
mkdirSync(dir);

async function run(args: string[], env: NodeJS.ProcessEnv = { USER: 'dev' }): Promise<string[]> {
  const out: string[] = [];
  const program = new Command().exitOverride();
  registerPromptCommands(program, async () => createStore({ sqlite: db, retentionDays: 30 }), { out: (t) => out.push(t) }, env);
  await program.parseAsync(['node', 'meridian', 'prompts', ...args]);
  return out;
}

const master = { USER: 'lead', MERIDIAN_MASTER_KEY: 'set' };

describe('meridian prompts', () => {
  it('push creates versions only for changed files; label, protection and rollback; diff and pull', async () => {
    writeFileSync(
      join(dir, 'support-reply.yaml'),
      'type: text\ntemplate: "Answer {{question}} politely."\nmodel: chat\nmetadata:\n  owner: support\n',
    );
    assert.deepEqual(await run(['push', dir, '--label', 'staging']), ['support-reply: created version 1', 'support-reply@staging → 1']);
    assert.deepEqual(await run(['push', dir]), ['support-reply: unchanged (version 1)']);
    writeFileSync(
      join(dir, 'support-reply.yaml'),
      'type: text\ntemplate: "Answer {{question}} briefly."\nmodel: chat\nmetadata:\n  owner: support\n',
    );
    assert.deepEqual(await run(['push', dir, '--note', 'shorter']), ['support-reply: created version 2']);

    await assert.rejects(run(['label', 'support-reply', 'production', '1', '--protect']), /Only the master key/);
    assert.deepEqual(await run(['label', 'support-reply', 'production', '1', '--protect', '--reason', 'launch'], master), [
      'support-reply@production → 1 (protected)',
    ]);
    await assert.rejects(run(['label', 'support-reply', 'production', '2']), /protected: only the master key moves it/);
    assert.deepEqual(await run(['label', 'support-reply', 'production', '2'], master), ['support-reply@production → 2 (protected)']);
    assert.deepEqual(await run(['rollback', 'support-reply', 'production', '--reason', 'regression'], master), [
      'support-reply@production → 1',
    ]);
    assert.deepEqual(await run(['label', 'support-reply', 'staging', '2']), ['support-reply@staging → 2'], 'unprotected: anyone');

    assert.deepEqual(await run(['list']), ['support-reply  latest=2  production=1 (protected)  staging=2']);
    const diff = (await run(['diff', 'support-reply', 'production', 'staging'])).join('\n');
    assert.match(diff, /--- support-reply@1\n\+\+\+ support-reply@2/);
    assert.match(diff, /^- template: Answer \{\{question\}\} politely\.$/m);
    assert.match(diff, /^\+ template: Answer \{\{question\}\} briefly\.$/m);
    assert.match((await run(['show', 'support-reply', '1'])).join('\n'), /# support-reply@1\n[\s\S]*politely/);

    const pulled = join(work, 'pulled');
    assert.deepEqual(await run(['pull', pulled, '--label', 'production']), [
      `support-reply: version 1 → ${join(pulled, 'support-reply.yaml')}`,
    ]);
    assert.match(readFileSync(join(pulled, 'support-reply.yaml'), 'utf8'), /politely/);

    const store = await createStore({ sqlite: db, retentionDays: 30 });
    try {
      const audit = await store.audit.list(20);
      assert.ok(audit.some((a) => a.action === 'prompt.rollback' && a.actor === 'cli:lead' && a.details?.reason === 'regression'));
      assert.ok(audit.some((a) => a.action === 'prompt.label' && a.actor === 'cli:dev' && a.target === 'support-reply@staging'));
    } finally {
      await store.close();
    }
  });

  it('an unknown label is an error, not a fallback; an invalid file names what to fix', async () => {
    await assert.rejects(run(['show', 'support-reply', 'canary']), /no label "canary"/);
    writeFileSync(join(dir, 'broken.yaml'), 'type: chat\n');
    await assert.rejects(run(['push', dir]), /prompt: a chat prompt has "messages"/);
  });
});
