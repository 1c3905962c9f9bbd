import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const guard = createGuard(guardConfigSchema.parse(undefined));
const types = (text: string): string[] => guard.scanText(text).map((f) => f.type);
const valuesOf = (text: string, type: string): string[] =>
  guard
    .scanText(text)
    .filter((f) => f.type === type)
    .map((f) => f.value);

describe('guard recognizers', () => {
  it('email: finds addresses, not handles or versions', () => {
    assert.deepEqual(valuesOf('mail jane.doe+x@mail.example.co.uk now', 'email'), ['jane.doe+x@mail.example.co.uk']);
    assert.deepEqual(valuesOf('ping @jane on slack, pkg@1.2.3', 'email'), []);
  });

  it('phone: international and national formats in several regions', () => {
    for (const p of ['+44 20 7946 0958', '(415) 555-2671', '+49 30 901820', '+33 1 42 68 53 00', '+91 98765 43210', '0044 20 7946 0958']) {
      assert.deepEqual(valuesOf(`call me on ${p} today`, 'phone'), [p], p);
    }
  });
  it('phone: hard negatives (dates, bare ids, amounts)', () => {
    assert.deepEqual(types('Order 20230412 shipped on 2023-04-12; total 1,234,567.00'), []);
  });

  it('credit card: Luhn-valid with issuer prefix; Luhn-failing order numbers rejected', () => {
    assert.deepEqual(valuesOf('card 4111 1111 1111 1111 ok', 'credit_card'), ['4111 1111 1111 1111']);
    assert.deepEqual(valuesOf('amex 3782-822463-10005', 'credit_card'), ['3782-822463-10005']);
    assert.deepEqual(types('order 4111 1111 1111 1112 and 1234567812345678'), []);
  });

  it('IBAN: mod-97 and country length, spaced or compact, any case', () => {
    assert.deepEqual(valuesOf('IBAN DE89 3704 0044 0532 0130 00 and more', 'iban'), ['DE89 3704 0044 0532 0130 00']);
    assert.deepEqual(valuesOf('to gb82west12345698765432.', 'iban'), ['gb82west12345698765432']);
    assert.deepEqual(types('DE89 3704 0044 0532 0130 01'), []); // bad check digits
  });

  it('US SSN: structure rules', () => {
    assert.deepEqual(valuesOf('SSN 536-22-1234', 'us_ssn'), ['536-22-1234']);
    for (const bad of ['000-12-3456', '666-12-3456', '912-12-3456', '536-00-1234', '536-22-0000']) {
      assert.deepEqual(valuesOf(`SSN ${bad}`, 'us_ssn'), [], bad);
    }
  });

  it('IP: v4 and v6; version strings rejected', () => {
    assert.deepEqual(valuesOf('from 192.168.1.20 and 2001:db8::ff00:42:8329.', 'ip_address'), ['192.168.1.20', '2001:db8::ff00:42:8329']);
    assert.deepEqual(types('bump 1.2.3, parse 10.0.0.1.2, version 1.2.3.4, v2.10.0.1, at 12:30:45'), []);
  });

  it('secrets: known prefixes, PEM, JWT, URL passwords, keyword + entropy', () => {
    const cases = [
      'sk-proj-abcdefghijklmnop1234567890ABCD',
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345',
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_1234567890abcdefghijklmnopqrstuvwxyZ',
      'xoxb-123456789012-abcdefghijkl',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----',
    ];
    for (const s of cases) assert.deepEqual(valuesOf(`key: ${s} end`, 'secret'), [s], s);
    assert.deepEqual(valuesOf('db postgres://admin:S3cr3tPass@db.local/app', 'secret'), ['admin:S3cr3tPass']);
    assert.deepEqual(valuesOf('api_key = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"', 'secret'), ['9f8e7d6c5b4a39281706f5e4d3c2b1a0']);
    // Not secrets: a git sha with no key word, a word after "token".
    assert.deepEqual(types('commit 9f8e7d6c5b4a39281706f5e4d3c2b1a0aa11bb2 merged; the token budget is large'), []);
  });

  it('person: titles, introductions, known first names; capitalised non-names ignored', () => {
    assert.deepEqual(valuesOf('Dr. Featherstone will call.', 'person'), ['Dr. Featherstone']);
    assert.deepEqual(valuesOf('Hello, my name is Zanzibar Quell.', 'person'), ['Zanzibar Quell']);
    assert.deepEqual(valuesOf('I met Maria Lopez yesterday', 'person'), ['Maria Lopez']);
    assert.deepEqual(types('The Quarterly Report from the Finance Department is due on Monday.'), []);
    assert.deepEqual(types('New York and Paris offices will close early.'), []);
  });

  it('address: several locales', () => {
    for (const a of [
      '1600 Pennsylvania Avenue NW',
      'Hauptstraße 5',
      '12 rue de la Paix',
      'Calle Mayor 10',
      'Via Roma 12',
      'Keizersgracht 123',
      'P.O. Box 1234',
    ]) {
      assert.deepEqual(valuesOf(`Ship to ${a} please`, 'address'), [a], a);
    }
    assert.deepEqual(types('I have 3 large dogs in the yard.'), []);
  });
});
