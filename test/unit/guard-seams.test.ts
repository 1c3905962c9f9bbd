/**
 * Issue #11's "a value split over two messages": each half alone matches nothing, so without the
 * seam scan both halves reach the upstream intact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const guard = createGuard(
  guardConfigSchema.parse({ actions: { credit_card: 'pseudonymize', email: 'pseudonymize', iban: 'pseudonymize' } }),
);
const chat = (...contents: string[]): ChatRequest => ({
  model: 'm',
  messages: contents.map((content) => ({ role: 'user' as const, content })),
});

/** The request as it would go upstream, and the inspection's findings as [message, type, value]. */
async function sent(request: ChatRequest) {
  const inspection = await guard.inspect(request);
  const { request: safe } = guard.pseudonymize(request, inspection);
  return { upstream: JSON.stringify(safe), found: inspection.findings.map((f) => [f.path[1], f.type, f.value]) };
}

describe('guard: values split over two messages', () => {
  it('a card number split with a space between the halves', async () => {
    const { upstream, found } = await sent(chat('my card number is 4539 2018', '5573 4626 thanks'));
    assert.deepEqual(found, [
      [0, 'credit_card', '4539 2018'],
      [1, 'credit_card', '5573 4626'],
    ]);
    assert.ok(!upstream.includes('4539 2018') && !upstream.includes('5573 4626'), upstream);
  });
  it('an e-mail address split right at the @, and an IBAN split mid-group, with whitespace at the edges', async () => {
    const mail = await sent(chat('write to jane.doe@', '  example.org please'));
    assert.deepEqual(mail.found, [
      [0, 'email', 'jane.doe@'],
      [1, 'email', 'example.org'],
    ]);
    const iban = await sent(chat('IBAN: DE89 3704 0044 05\n', '32 0130 00'));
    assert.deepEqual(
      iban.found.map(([m, type]) => [m, type]),
      [
        [0, 'iban'],
        [1, 'iban'],
      ],
    );
    assert.ok(!iban.upstream.includes('0044 05') && !iban.upstream.includes('32 0130'), iban.upstream);
  });
  it('a value whole in one message is not doubled, and prose seams find nothing', async () => {
    const whole = await sent(chat('card 4539 2018 5573 4626', '12 more items'));
    assert.deepEqual(whole.found, [[0, 'credit_card', '4539 2018 5573 4626']]);
    const prose = await sent(chat('Order 1234 was shipped on', 'Monday 5 May in two boxes.'));
    assert.deepEqual(prose.found, []);
  });
  it("only message contents are joined: the request's user field after a content is not", async () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'write to jane.doe@' }], user: 'example.org' };
    assert.deepEqual((await sent(request)).found, []);
  });
});
