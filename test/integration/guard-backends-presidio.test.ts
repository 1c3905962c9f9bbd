import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createGuard, guardConfigSchema, type GuardConfigInput } from '../../src/guard/index.js';
import type { ChatRequest } from '../../src/api/types.js';
import { sendJson, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';

const RECORDED = JSON.parse(readFileSync(new URL('../fixtures/presidio/analyze-response.json', import.meta.url), 'utf8')) as unknown[];
const TEXT = 'Contact Marnie Oduya, who moved last week to Ouagadougou.';

const chat = (...contents: string[]): ChatRequest => ({
  model: 'm',
  messages: contents.map((content) => ({ role: 'user' as const, content })),
});

/** Answers like Presidio: the recorded results for TEXT, else a PERSON for each "Quillon" (code-point offsets). */
function presidioAnswer(req: RecordedRequest): unknown[] {
  const text = String(req.json?.text ?? '');
  if (text === TEXT) return RECORDED;
  const chars = [...text];
  const out: unknown[] = [];
  for (let i = 0; i + 7 <= chars.length; i++) {
    if (chars.slice(i, i + 7).join('') === 'Quillon')
      out.push({ analysis_explanation: null, end: i + 7, entity_type: 'PERSON', score: 0.85, start: i });
  }
  return out;
}

describe('Presidio Analyzer back-end (fake Presidio on 127.0.0.1)', () => {
  let presidio: FakeUpstream;
  /** Responses parked by the hanging handler, ended in `after` so the server can close. */
  const parked: Array<{ end(): void }> = [];
  const guardFor = (extra: Record<string, unknown> = {}, rest: GuardConfigInput = {}) =>
    createGuard(
      guardConfigSchema.parse({ ...rest, backends: [{ type: 'presidio', url: `${presidio.url}/base/`, timeoutMs: 2000, ...extra }] }),
    );

  before(async () => {
    presidio = await startUpstream((req, res) => sendJson(res, 200, presidioAnswer(req)));
  });
  after(async () => {
    for (const res of parked) res.end();
    await presidio.close();
  });

  it('posts the documented /analyze body and merges mapped results with the built-in scan', async () => {
    presidio.requests.length = 0;
    presidio.setHandler((req, res) => sendJson(res, 200, presidioAnswer(req)));
    const plain = await createGuard(guardConfigSchema.parse({})).inspect(chat(TEXT));
    assert.equal(plain.counts.address, undefined, 'precondition: the built-in scan misses the city');

    const inspection = await guardFor({ scoreThreshold: 0.4, language: 'en' }).inspect(chat(TEXT));
    const [sent] = presidio.requests;
    assert.equal(sent?.method, 'POST');
    assert.equal(sent?.url, '/base/analyze');
    assert.equal(sent?.headers['content-type'], 'application/json');
    assert.equal(sent?.json.text, TEXT);
    assert.equal(sent?.json.language, 'en');
    assert.equal(sent?.json.score_threshold, 0.4);
    assert.ok(sent?.json.entities.includes('PERSON') && sent.json.entities.includes('LOCATION'));
    // PERSON overlaps the built-in name (one finding, the built-in's), LOCATION is new, DATE_TIME is not mapped.
    assert.deepEqual(inspection.counts, { person: 1, address: 1 });
    const city = inspection.findings.find((f) => f.type === 'address');
    assert.deepEqual([city?.value, city?.start, city?.path], ['Ouagadougou', 45, ['messages', 0, 'content']]);
    const { request: safe, restorer } = guardFor().pseudonymize(chat(TEXT), inspection);
    const sentUp = String(safe.messages[0]!.content);
    assert.ok(!sentUp.includes('Ouagadougou') && !sentUp.includes('Marnie'), 'both values are replaced before a cloud call');
    assert.equal(restorer.restoreText(sentUp), TEXT);
  });

  it('converts code-point offsets to UTF-16 and propagates the value to other messages', async () => {
    presidio.setHandler((req, res) => sendJson(res, 200, presidioAnswer(req)));
    const inspection = await guardFor().inspect(chat('Notes 😀🎉 from Quillon: fine', 'Say hi to Quillon'));
    const values = inspection.findings.filter((f) => f.type === 'person').map((f) => [f.path[1], f.value]);
    assert.deepEqual(values, [
      [0, 'Quillon'],
      [1, 'Quillon'],
    ]);
  });

  it('fails closed on HTTP 500, on an answer that is not an array, and on no answer within timeoutMs', async () => {
    presidio.setHandler((_req, res) => sendJson(res, 500, { error: 'spaCy model en_core_web_lg not loaded' }));
    assert.deepEqual(await guardFor().inspect(chat(TEXT)), { findings: [], counts: { guard_error: 1 }, action: 'local-only' });

    presidio.setHandler((_req, res) => sendJson(res, 200, { results: [] }));
    assert.deepEqual((await guardFor().inspect(chat(TEXT))).counts, { guard_error: 1 });

    presidio.setHandler((_req, res) => {
      parked.push(res);
    });
    const hung = await guardFor({ timeoutMs: 30 }).inspect(chat(TEXT));
    assert.deepEqual(hung.counts, { guard_error: 1 });
    assert.equal(hung.action, 'local-only');
  });

  it('with onError: ignore, a failing Presidio leaves the built-in findings', async () => {
    presidio.setHandler((_req, res) => sendJson(res, 500, { error: 'boom' }));
    const inspection = await guardFor({ onError: 'ignore' }).inspect(chat('write to a.b@example.org'));
    assert.deepEqual(inspection.counts, { email: 1 });
    assert.equal(inspection.action, 'pseudonymize');
  });

  it("rejects with the request's abort reason while Presidio hangs", async () => {
    const controller = new AbortController();
    presidio.setHandler((_req, res) => {
      parked.push(res);
      controller.abort(new Error('client closed'));
    });
    await assert.rejects(guardFor({ timeoutMs: 60_000 }).inspect(chat(TEXT), controller.signal), /client closed/);
  });

  it('applies guard.minScore, allowList and actions to Presidio findings', async () => {
    presidio.setHandler((req, res) => sendJson(res, 200, presidioAnswer(req)));
    const strict = await guardFor({}, { actions: { address: 'block' } }).inspect(chat(TEXT));
    assert.equal(strict.action, 'block');
    const allowed = await guardFor({}, { allowList: ['ouagadougou'] }).inspect(chat(TEXT));
    assert.equal(allowed.counts.address, undefined);
    const high = await guardFor({}, { minScore: 0.86 }).inspect(chat(TEXT));
    assert.equal(high.counts.address, undefined);
  });
});
