/** The one place stored values are cleaned and bounded (src/store/sanitize.ts), used by both backends via log-rows. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedInt, boundedJson, cleanText, MAX_JSON } from '../../src/store/sanitize.js';
import { LOG_COLUMNS, encodeLogEntry } from '../../src/store/log-rows.js';

test('cleanText: lone surrogates become U+FFFD, pairs are kept, NULs go, length is bounded', () => {
  assert.equal(cleanText('a\ud800b'), 'a\ufffdb');
  assert.equal(cleanText('a\udc00'), 'a\ufffd');
  assert.equal(cleanText('emoji \u{1F600}'), 'emoji \u{1F600}');
  assert.equal(cleanText('n\u0000u\u0000l'), 'nul');
  assert.equal(cleanText('x'.repeat(5_000)).length, 1_000);
  // A cut through a surrogate pair leaves no lone half behind.
  assert.equal(cleanText(`${'x'.repeat(9)}\u{1F600}`, 10), `${'x'.repeat(9)}\ufffd`);
});

test('boundedInt: finite, clamped, whole', () => {
  assert.equal(boundedInt(3_000_000_000), 3_000_000_000);
  assert.equal(boundedInt(1e300), Number.MAX_SAFE_INTEGER);
  assert.equal(boundedInt(-4), 0);
  assert.equal(boundedInt(Number.NaN), null);
  assert.equal(boundedInt('12'), null);
});

test('boundedJson: cleans nested strings and keys, drops non-finite numbers, caps size keeping the leading items', () => {
  assert.equal(boundedJson({ 'k\ud800': ['v\u0000', Number.POSITIVE_INFINITY] }), '{"k\ufffd":["v",null]}');
  const many = Array.from({ length: 40 }, (_, i) => ({ deployment: `d${i}`, error: 'e'.repeat(900) }));
  const text = boundedJson(many)!;
  assert.ok(text.length <= MAX_JSON);
  const parsed = JSON.parse(text) as Array<{ deployment?: string; truncated?: number }>;
  assert.equal(parsed[0]?.deployment, 'd0');
  assert.equal(parsed.at(-1)?.truncated, 40 - (parsed.length - 1), 'says how many were left out');
  const cyclicLike = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
  assert.equal(boundedJson(cyclicLike), '{"a":{"b":{"c":{"d":{"e":{"f":null}}}}}}', 'depth is bounded');
});

test('encodeLogEntry: every column present; a bad time falls back to now instead of failing the insert', () => {
  const row = encodeLogEntry({
    id: 'r',
    time: '+275760-09-13T00:00:00.000Z',
    kind: 'chat',
    alias: 'a',
    attempts: [],
    status: 200,
    stream: false,
    latencyMs: 1,
  });
  assert.equal(row.length, LOG_COLUMNS.length);
  assert.match(String(row[1]), /^\d{4}-\d\d-\d\dT/);
});
