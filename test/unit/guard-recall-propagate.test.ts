import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';
import { propagateMentions } from '../../src/guard/propagate.js';
import type { Finding } from '../../src/guard/types.js';

const guard = createGuard(guardConfigSchema.parse(undefined));
const values = (fs: Finding[], type: string) => fs.filter((f) => f.type === type).map((f) => f.value);

describe('propagateMentions', () => {
  it('masks a name in a later message where no cue marks it', () => {
    const texts = [
      'My colleague is called Ksenia Volkonskaya.',
      'Can you draft a note that Ksenia Volkonskaya approved it?',
      'Thank Volkonskaya too.',
    ];
    const before = texts.map((t) => guard.scanText(t));
    const snapshot = JSON.stringify(before);
    const after = propagateMentions(texts, before);
    assert.deepEqual(values(after[1]!, 'person'), ['Ksenia Volkonskaya']);
    assert.deepEqual(values(after[2]!, 'person'), ['Volkonskaya']);
    assert.equal(JSON.stringify(before), snapshot, 'inputs are not mutated');
  });

  it('masks other occurrences of e-mails and numbers in any case, whole words only', () => {
    const texts = ['mail Jane.Doe@Example.org', 'again: jane.doe@example.org and xjane.doe@example.orgx'];
    const found: Finding[][] = [[{ type: 'email', start: 5, end: 25, score: 0.95, value: 'Jane.Doe@Example.org' }], []];
    const after = propagateMentions(texts, found);
    assert.deepEqual(values(after[1]!, 'email'), ['jane.doe@example.org']);
    assert.equal(after[1]![0]!.start, 7);
  });

  it('adds nothing for short values, existing findings or texts without the value', () => {
    const texts = ['Al met Bo', 'nothing here', 'Al'];
    const found: Finding[][] = [[{ type: 'person', start: 0, end: 2, score: 0.8, value: 'Al' }], [], []];
    assert.deepEqual(propagateMentions(texts, found), found);
  });

  it('works in scripts without spaces between words', () => {
    const texts = ['我的同事王伟明天来。', '王伟说好的'];
    const found: Finding[][] = [[{ type: 'person', start: 4, end: 6, score: 0.7, value: '王伟' }], []];
    assert.deepEqual(values(propagateMentions(texts, found)[1]!, 'person'), ['王伟']);
  });
});

describe('mention propagation in inspect', () => {
  it('a name cued in one message is found and pseudonymized in another message that has no cue', async () => {
    const request = {
      model: 'm',
      messages: [
        { role: 'user' as const, content: 'My colleague is called Ksenia Volkonskaya.' },
        { role: 'user' as const, content: 'Thank Volkonskaya for the draft.' },
      ],
    };
    const inspection = await guard.inspect(request);
    const second = inspection.findings.filter((f) => f.path[1] === 1);
    assert.deepEqual(
      second.map((f) => [f.type, f.value]),
      [['person', 'Volkonskaya']],
    );
    const { request: safe } = guard.pseudonymize(request, inspection);
    assert.ok(!JSON.stringify(safe).includes('Volkonskaya'));
  });

  it('stays linear on a large request of repeated values (no quadratic overlap checks)', async () => {
    const text = 'write to a@b.co '.repeat(12_000); // ≈ 190 KB, under PROPAGATE_MAX_CHARS
    const inspection = await guard.inspect({ model: 'm', messages: [{ role: 'user', content: text }] });
    assert.equal(inspection.counts.email, 12_000);
  });
});
