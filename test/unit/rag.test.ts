/** Chunking (headings, fences, bounds, overlap) and ranking (BM25, cosine, reciprocal rank fusion) of src/rag. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chunkText } from '../../src/rag/chunk.js';
import { bm25Scores, decodeVector, encodeVector, hybridRank, tokenize } from '../../src/rag/search.js';

describe('rag chunking', () => {
  it('headings start chunks and give them their path; text before the first heading has none', () => {
    const chunks = chunkText('Intro line.\n\n# Guide\n\nStart here.\n\n## Install\n\nRun it.\n\n# Other\n\nMore.');
    assert.deepEqual(
      chunks.map((c) => [c.heading, c.text]),
      [
        ['', 'Intro line.'],
        ['Guide', 'Start here.'],
        ['Guide > Install', 'Run it.'],
        ['Other', 'More.'],
      ],
    );
  });

  it('a fenced code block is kept whole, and a # inside it is not a heading', () => {
    const code = '```py\n# not a heading\nprint(1)\n\nprint(2)\n```';
    const chunks = chunkText(`# Code\n\nBefore.\n\n${code}\n\nAfter.`, { maxChars: 60, overlapChars: 10 });
    assert.ok(chunks.every((c) => c.heading === 'Code'));
    assert.ok(
      chunks.some((c) => c.text.includes(code)),
      JSON.stringify(chunks),
    );
    assert.ok(!chunks.some((c) => c.text.startsWith('print(2)')));
  });

  it('bounds every chunk, overlaps neighbours by a short paragraph, and splits an oversized paragraph at spaces', () => {
    const paras = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} says something short.`);
    const chunks = chunkText(paras.join('\n\n'), { maxChars: 200, overlapChars: 60 });
    assert.ok(chunks.length > 3);
    for (const c of chunks) assert.ok(c.text.length <= 200, c.text);
    for (let i = 1; i < chunks.length; i++) {
      const prevLast = chunks[i - 1]!.text.split('\n\n').at(-1)!;
      assert.ok(chunks[i]!.text.startsWith(prevLast), `chunk ${i} starts with the previous chunk's last paragraph`);
    }
    for (const p of paras) assert.ok(chunks.some((c) => c.text.includes(p)));
    const long = chunkText('word '.repeat(1000), { maxChars: 300, overlapChars: 50 });
    assert.ok(long.length >= 16);
    for (const c of long) {
      assert.ok(c.text.length <= 300);
      assert.doesNotMatch(c.text, /wor$|^ord/);
    }
  });

  it('CRLF, empty input and an unclosed fence', () => {
    assert.deepEqual(chunkText(''), []);
    assert.deepEqual(chunkText('\n\n  \n'), []);
    assert.deepEqual(
      chunkText('# T\r\n\r\na\r\nb').map((c) => c.text),
      ['a\nb'],
    );
    assert.deepEqual(
      chunkText('```\ncode\n# x').map((c) => c.text),
      ['```\ncode\n# x'],
    );
  });
});

describe('rag ranking', () => {
  it('tokenizes any script, lowercased', () => {
    assert.deepEqual(tokenize('Héllo, WORLD! 42 日本'), ['héllo', 'world', '42', '日本']);
  });

  it('BM25 favours the rarer term and the shorter document', () => {
    const docs = [
      ['refund', 'policy', 'refund'],
      ['holiday', 'policy'],
      ['refund', 'policy', 'and', 'many', 'other', 'words', 'here', 'too'],
    ].map((d) => d);
    const s = bm25Scores('refund policy', docs);
    assert.ok(s[0]! > s[2]! && s[2]! > s[1]!, JSON.stringify(s));
    assert.deepEqual(bm25Scores('absent', docs), [0, 0, 0]);
  });

  it('fuses both lists: a chunk first in both wins; one in neither is left out', () => {
    const v = (x: number, y: number) => Float32Array.from([x, y]);
    const ranked = hybridRank(
      'alpha beta',
      v(1, 0),
      [
        { id: 'both', text: 'alpha beta', embedding: v(1, 0) },
        { id: 'words', text: 'alpha', embedding: v(0, 1) },
        { id: 'vector', text: 'gamma', embedding: v(0.9, 0.1) },
        { id: 'none', text: 'delta', embedding: v(-1, 0) },
      ],
      10,
    );
    assert.deepEqual(
      ranked.map((r) => r.id),
      ['both', 'vector', 'words'], // second in one list each: the tie goes to the higher similarity
    );
    assert.ok(ranked[0]!.score > ranked[1]!.score);
    assert.equal(hybridRank('alpha', v(1, 0), [{ id: 'a', text: 'alpha', embedding: v(1, 0) }], 0).length, 0);
  });

  it('vectors round-trip through base64 Float32', () => {
    const back = decodeVector(encodeVector([0.25, -1.5, 3]));
    assert.deepEqual([...back], [0.25, -1.5, 3]);
  });
});
