import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import { createGuard, formatPiiHeader, guardConfigSchema, SCRUB_MAX_CHARS } from '../../src/guard/index.js';

const req = (text: string): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: text }] });

describe('guard config, actions and header', async () => {
  it('an absent section is valid and has defaults', async () => {
    const c = guardConfigSchema.parse(undefined);
    assert.equal(c.enabled, true);
    assert.equal(c.defaultAction, 'pseudonymize');
    assert.throws(() => guardConfigSchema.parse({ customRecognizers: [{ type: 'x', pattern: '(' }] }));
    assert.throws(() => guardConfigSchema.parse({ actions: { email: 'drop' } }));
  });

  it('rejects unknown keys and types, naming the valid ones', () => {
    const message = (input: unknown): string => {
      const r = guardConfigSchema.safeParse(input);
      assert.equal(r.success, false, JSON.stringify(input));
      return r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? '';
    };
    assert.match(message({ actions: { emails: 'block' } }), /actions\.emails: unknown entity type 'emails'; valid: email, phone/);
    assert.match(message({ disabledTypes: ['persons'] }), /disabledTypes\.0: unknown built-in type 'persons'; valid: .*person/);
    assert.match(message({ minscore: 0.3 }), /minscore/);
    assert.match(message({ customRecognizers: [{ type: 'x', pattern: 'a', scroe: 1 }] }), /scroe/);
    assert.match(message({ denyList: [{ value: 'v', typ: 'x' }] }), /typ/);
    // Types that custom recognizers and deny-list entries report may have actions.
    const ok = guardConfigSchema.parse({
      customRecognizers: [{ type: 'employee_id', pattern: 'E\\d+' }],
      denyList: [{ value: 'Falcon', type: 'codename' }],
      actions: { employee_id: 'block', codename: 'local-only', denied: 'block', email: 'allow' },
    });
    assert.equal(ok.actions.employee_id, 'block');
  });

  it('scrub replaces every finding with its type and bounds the text', () => {
    const guard = createGuard(guardConfigSchema.parse({}));
    assert.equal(
      guard.scrub('upstream 400: invalid user jane.doe@example.com (card 4111 1111 1111 1111)'),
      'upstream 400: invalid user [EMAIL] (card [CREDIT_CARD])',
    );
    assert.equal(guard.scrub('nothing to hide'), 'nothing to hide');
    const long = guard.scrub(`${'x '.repeat(10_000)}jane.doe@example.com`);
    assert.ok(long.length <= SCRUB_MAX_CHARS + 1 && long.endsWith('…'), 'cut before scanning');
    const straddling = guard.scrub(`${'y '.repeat(2040)}jane.doe@example.com and more`);
    assert.ok(straddling.endsWith('[EMAIL]…') && !straddling.includes('jane'), 'a value across the cut is scrubbed whole');
    // Logs are scrubbed even when the guard is off for requests.
    assert.equal(createGuard(guardConfigSchema.parse({ enabled: false })).scrub('mail a.b@example.com'), 'mail [EMAIL]');
  });

  it('formats the header with counts only, sorted', async () => {
    assert.equal(formatPiiHeader({ phone: 2, email: 1, iban: 0 }), 'email=1,phone=2');
    assert.equal(formatPiiHeader({}), '');
  });

  it('picks the strictest action among found types', async () => {
    const guard = createGuard(
      guardConfigSchema.parse({ actions: { email: 'allow', secret: 'block', phone: 'local-only' }, defaultAction: 'pseudonymize' }),
    );
    assert.equal((await guard.inspect(req('mail a.b@example.com'))).action, 'allow');
    assert.equal((await guard.inspect(req('mail a.b@example.com, call +44 20 7946 0958'))).action, 'local-only');
    assert.equal((await guard.inspect(req('call +44 20 7946 0958, key AKIAIOSFODNN7EXAMPLE'))).action, 'block');
    assert.equal((await guard.inspect(req('card 4111111111111111'))).action, 'pseudonymize');
    assert.equal((await guard.inspect(req('nothing to see'))).action, 'allow');
  });

  it('custom recognizers with validators', async () => {
    const guard = createGuard(
      guardConfigSchema.parse({
        customRecognizers: [
          { type: 'employee_id', pattern: 'EMP-\\d{6}', score: 0.9 },
          { type: 'loyalty_card', pattern: '\\bLC\\d{12}\\b', validator: 'luhn' },
        ],
      }),
    );
    const i = await guard.inspect(req('EMP-123456 and EMP-12 and LC000000000018 and LC000000000019'));
    assert.deepEqual(i.counts, { employee_id: 1 });
    const j = guard.scanText('card LC4111111111111111 here');
    assert.ok(!j.some((f) => f.type === 'loyalty_card'), 'pattern needs exactly 12 digits');
    const k = createGuard(guardConfigSchema.parse({ customRecognizers: [{ type: 'acct', pattern: '\\d{16}', validator: 'luhn' }] }));
    assert.deepEqual(
      k.scanText('x 1234567812345670 y 1234567812345678').map((f) => f.type),
      ['acct'],
    );
    const { request } = k.pseudonymize(req('acct 1234567812345670'), await k.inspect(req('acct 1234567812345670')));
    assert.equal(request.messages[0]?.content, 'acct ⟦ACCT_1⟧');
  });

  it('allow-list values are never reported; deny-list values always are', async () => {
    const guard = createGuard(
      guardConfigSchema.parse({ allowList: ['support@example.com'], denyList: ['Project Falcon', { value: 'ACME-7', type: 'codename' }] }),
    );
    const i = await guard.inspect(req('Write to SUPPORT@example.com or bob@example.com about project falcon and ACME-7.'));
    assert.deepEqual(i.counts, { email: 1, denied: 1, codename: 1 });
    assert.equal(i.findings.find((f) => f.type === 'email')?.value, 'bob@example.com');
  });

  it('disabled guard and disabled types', async () => {
    assert.equal((await createGuard(guardConfigSchema.parse({ enabled: false })).inspect(req('a.b@example.com'))).action, 'allow');
    const g = createGuard(guardConfigSchema.parse({ disabledTypes: ['email'] }));
    assert.deepEqual((await g.inspect(req('a.b@example.com'))).counts, {});
  });

  it('fails closed: a scanning error gives local-only with a guard_error count', async () => {
    const guard = createGuard(guardConfigSchema.parse({}));
    const broken = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: null }] }] } as unknown as ChatRequest;
    const i = await guard.inspect(broken);
    assert.equal(i.action, 'local-only');
    assert.deepEqual(i.counts, { guard_error: 1 });
  });

  it('pseudonymize fails closed on a stale inspection', async () => {
    const guard = createGuard(guardConfigSchema.parse({}));
    const inspection = await guard.inspect(req('mail a.b@example.com'));
    assert.throws(() => guard.pseudonymize(req('mail x.y@example.com'), inspection), { code: 'guard_error' });
  });
});
