import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { mergeFindings, backendFilter } from '../../src/guard/backends/index.js';
import { locateListed, normalizeType, parseListed } from '../../src/guard/backends/local-model.js';
import { splitIntoPieces } from '../../src/guard/backends/pieces.js';
import { createGuard, guardConfigSchema, type GuardCompletionRequest, type GuardConfigInput } from '../../src/guard/index.js';
import type { ChatRequest } from '../../src/api/types.js';

const chat = (...contents: string[]): ChatRequest => ({
  model: 'm',
  messages: contents.map((content) => ({ role: 'user' as const, content })),
});
const parse = (input: GuardConfigInput) => guardConfigSchema.parse(input);
const issues = (input: unknown) => guardConfigSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('guard.backends config', () => {
  it('fills defaults in one place and accepts both back-end types', () => {
    const c = parse({
      backends: [
        { type: 'presidio', url: 'http://127.0.0.1:5002' },
        { type: 'local-model', model: 'ollama/llama3' },
      ],
    });
    const [p, m] = c.backends;
    assert.equal(p?.type === 'presidio' && p.onError, 'fail-closed');
    assert.equal(p?.type === 'presidio' && p.entities.EMAIL_ADDRESS, 'email');
    assert.equal(m?.type === 'local-model' && m.timeoutMs, 10_000);
    assert.deepEqual(parse({}).backends, []);
  });

  it('says how to fix a wrong entry', () => {
    assert.match(
      issues({ backends: [{ type: 'spacy' }] }).join(),
      /backends\.0\.type: unknown back-end type; use "presidio" or "local-model"/,
    );
    assert.match(issues({ backends: [{ type: 'presidio', url: 'ftp://h' }] }).join(), /backends\.0\.url: use an http/);
    assert.match(issues({ backends: [{ type: 'presidio', url: 'http://h', timeout: 5 }] }).join(), /Unrecognized key: "timeout"/);
    assert.match(issues({ backends: [{ type: 'presidio', url: 'http://h', entities: { person: 'person' } }] }).join(), /UPPER_SNAKE_CASE/);
    assert.match(issues({ backends: [{ type: 'local-model', model: 'm', onError: 'retry' }] }).join(), /backends\.0\.onError/);
  });

  it('lets actions name the types back-ends report', () => {
    assert.deepEqual(issues({ actions: { medical_license: 'block' } }).length, 1);
    const ok = {
      backends: [{ type: 'presidio', url: 'http://h', entities: { MEDICAL_LICENSE: 'medical_license' } }],
      actions: { medical_license: 'block' },
    };
    assert.deepEqual(issues(ok), []);
    assert.deepEqual(issues({ backends: [{ type: 'local-model', model: 'm' }], actions: { personal_data: 'local-only' } }), []);
  });
});

describe('splitIntoPieces', () => {
  it('cuts at whitespace, keeps offsets, and stops at maxChars across texts', () => {
    const a = 'alpha beta gamma delta';
    const pieces = splitIntoPieces([a, 'second text here'], 30, 12);
    for (const p of pieces) assert.equal(p.text, [a, 'second text here'][p.index]!.slice(p.offset, p.offset + p.text.length));
    assert.equal(pieces[0]!.text, 'alpha beta ');
    assert.equal(
      pieces.reduce((n, p) => n + p.text.length, 0),
      30,
    );
    assert.equal(pieces.at(-1)!.index, 1);
  });

  it('never splits a surrogate pair and skips blank pieces', () => {
    const pieces = splitIntoPieces(['😀😀😀😀', '   '], 100, 3);
    assert.deepEqual(
      pieces.map((p) => p.text),
      ['😀', '😀', '😀', '😀'],
    );
  });
});

describe('local-model answers', () => {
  it('parses the first JSON array leniently (fences, prose, wrapper object, junk entries)', () => {
    const answer = 'Sure!\n```json\n[{"type":"Full Name","text":" Quillon Marsh "},{"type":"x"},7,{"type":"email","value":"q@m.io"}]\n```';
    assert.deepEqual(parseListed(answer), [
      { type: 'person', text: 'Quillon Marsh' },
      { type: 'email', text: 'q@m.io' },
    ]);
    assert.deepEqual(parseListed('{"entities":[{"type":"blood type","text":"AB-"}]}'), [{ type: 'personal_data', text: 'AB-' }]);
    assert.deepEqual(parseListed('[]'), []);
    assert.throws(() => parseListed('I cannot help with that.'), /no JSON/);
    assert.throws(() => parseListed('[{"type": "person", "text": '), /not valid JSON/);
    assert.throws(() => parseListed('{"ok": true}'), /not a JSON array/);
  });

  it('maps labels onto our types', () => {
    assert.equal(normalizeType('PHONE_NUMBER'), 'phone');
    assert.equal(normalizeType('Social Security Number'), 'us_ssn');
    assert.equal(normalizeType('iban'), 'iban');
    assert.equal(normalizeType('favourite colour'), 'personal_data');
  });

  it('locates every whole-word occurrence, any case when the model changed it, and drops inventions', () => {
    const text = 'Quillon wrote to quillon; Quillonson is someone else.';
    const found = locateListed(
      [
        { type: 'person', text: 'QUILLON' },
        { type: 'person', text: 'Nobody Here' },
      ],
      text,
      0.7,
    );
    assert.deepEqual(
      found.map((f) => [f.start, f.value]),
      [
        [0, 'Quillon'],
        [17, 'quillon'],
      ],
    );
  });
});

describe('mergeFindings', () => {
  it('keeps disjoint findings, resolves overlaps by score then built-in first, filters like the scanner', () => {
    const config = parse({ minScore: 0.5, allowList: ['ACME'], disabledTypes: ['address'] });
    const builtin = [{ type: 'email', start: 10, end: 20, score: 0.9, value: 'x'.repeat(10) }];
    const extra = [
      [
        { type: 'person', start: 12, end: 25, score: 0.85, value: 'y' },
        { type: 'person', start: 30, end: 35, score: 0.6, value: 'Marsh' },
        { type: 'person', start: 40, end: 44, score: 0.9, value: 'acme' },
        { type: 'person', start: 50, end: 54, score: 0.4, value: 'low' },
        { type: 'address', start: 60, end: 70, score: 0.9, value: 'somewhere' },
      ],
      [{ type: 'phone', start: 30, end: 35, score: 0.6, value: 'Marsh' }],
    ];
    const merged = mergeFindings(builtin, extra, backendFilter(config));
    assert.deepEqual(
      merged.map((f) => [f.type, f.start]),
      [
        ['email', 10],
        ['person', 30],
      ],
    );
  });
});

describe('local-model back-end through createGuard', () => {
  const text = 'Please ask Quillon about the roadmap.';
  const cfg = (extra: Record<string, unknown> = {}) =>
    parse({ backends: [{ type: 'local-model', model: 'ollama/llama3', timeoutMs: 1000, ...extra }] });

  it('refuses to build without the gateway completion dependency', () => {
    assert.throws(
      () => createGuard(cfg()),
      (err: unknown) => err instanceof ConfigError && /guard\.backends\[0\]/.test(err.message),
    );
  });

  it('asks the configured model with a fixed instruction and merges what it lists', async () => {
    const plain = await createGuard(parse({})).inspect(chat(text));
    assert.equal(plain.counts.person, undefined, 'precondition: the built-in scan misses the name');
    const calls: GuardCompletionRequest[] = [];
    const guard = createGuard(cfg(), {
      complete: async (req) => {
        calls.push(req);
        return '[{"type":"person","text":"Quillon"}]';
      },
    });
    const inspection = await guard.inspect(chat(text, 'Quillon agreed.'));
    assert.equal(calls.length, 2, 'one call per piece');
    assert.equal(calls[0]!.model, 'ollama/llama3');
    assert.equal(calls[0]!.messages[0]!.role, 'system');
    assert.deepEqual(calls[0]!.messages[1], { role: 'user', content: text });
    assert.equal(inspection.counts.person, 2);
    assert.equal(inspection.action, 'pseudonymize');
    assert.deepEqual(inspection.findings[0]!.path, ['messages', 0, 'content']);
    assert.equal(inspection.findings[0]!.value, 'Quillon');
  });

  it('fails closed on an answer that is not JSON, and ignores it with onError: ignore', async () => {
    const complete = async () => 'I am sorry, I cannot list personal data.';
    const closed = await createGuard(cfg(), { complete }).inspect(chat(text));
    assert.deepEqual(closed.counts, { guard_error: 1 });
    assert.equal(closed.action, 'local-only');
    const ignored = await createGuard(cfg({ onError: 'ignore' }), { complete }).inspect(chat(text, 'mail a@b.io'));
    assert.deepEqual(ignored.counts, { email: 1 });
  });

  it('fails closed when the model does not answer within timeoutMs, and the call is aborted', async () => {
    let seen: AbortSignal | undefined;
    const complete = (req: GuardCompletionRequest) =>
      new Promise<string>((_, reject) => {
        seen = req.signal;
        req.signal.addEventListener('abort', () => reject(req.signal.reason));
      });
    const inspection = await createGuard(cfg({ timeoutMs: 20 }), { complete }).inspect(chat(text));
    assert.deepEqual(inspection.counts, { guard_error: 1 });
    assert.equal(seen?.aborted, true);
  });

  it("rejects with the request's abort reason when the client goes away", async () => {
    const controller = new AbortController();
    const complete = (req: GuardCompletionRequest) =>
      new Promise<string>((_, reject) => {
        req.signal.addEventListener('abort', () => reject(new Error('aborted upstream')));
        controller.abort(new Error('client closed'));
      });
    await assert.rejects(createGuard(cfg(), { complete }).inspect(chat(text), controller.signal), /client closed/);
  });

  it('does not ask back-ends again when the completion runs through a guarded pipeline', async () => {
    let calls = 0;
    let innerCounts: Record<string, number> | undefined;
    const guard = createGuard(cfg(), {
      complete: async (req) => {
        calls++;
        // What the gateway does with the local model's request: inspect it (built-in scan only).
        innerCounts = (await guard.inspect({ model: req.model, messages: req.messages })).counts;
        return '[{"type":"person","text":"Quillon"}]';
      },
    });
    const inspection = await guard.inspect(chat(text));
    assert.equal(calls, 1);
    assert.equal(innerCounts?.guard_error, undefined);
    assert.equal(inspection.counts.person, 1);
  });

  it('sends at most maxChars per request, in chunkChars pieces', async () => {
    const sent: string[] = [];
    const complete = async (req: GuardCompletionRequest) => {
      sent.push(String(req.messages[1]!.content));
      return '[]';
    };
    const guard = createGuard(cfg({ maxChars: 1000, chunkChars: 400 }), { complete });
    await guard.inspect(chat('word '.repeat(500)));
    assert.equal(
      sent.reduce((n, s) => n + s.length, 0),
      1000,
    );
    assert.ok(sent.every((s) => s.length <= 400));
    assert.equal(sent.length, 3);
  });
});
