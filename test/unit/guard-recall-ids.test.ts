/**
 * National ids and driving licences: published sample numbers (issuers' and Wikipedia examples)
 * are found; the same shapes with a wrong check digit, or bare digit runs without the document's
 * name, are not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const guard = createGuard(guardConfigSchema.parse(undefined));
const valuesOf = (text: string, type: string): string[] =>
  guard
    .scanText(text)
    .filter((f) => f.type === type)
    .map((f) => f.value);

describe('national_id', () => {
  const valid: Array<[string, string]> = [
    ['UK NINO', 'My NI number is AB 12 34 56 C.'],
    ['UK NHS', 'NHS number 943 476 5919'],
    ['DE Steuer-ID', 'Steuer-ID: 86095742719'],
    ['DE Personalausweis', 'Ausweisnummer T220001293'],
    ['FR NIR', 'numéro de sécurité sociale 2 55 08 14 168 025 38'],
    ['ES DNI', 'DNI 12345678Z'],
    ['ES NIE', 'NIE X1234567L'],
    ['IT codice fiscale', 'codice fiscale RSSMRA85T10A562S'],
    ['NL BSN', 'mijn BSN is 111222333'],
    ['IN Aadhaar', 'Aadhaar 4918 2736 4507'],
    ['IN PAN', 'PAN: ABCPE1234F'],
  ];
  for (const [name, text] of valid) {
    it(`finds a ${name}`, () => assert.equal(valuesOf(text, 'national_id').length, 1, text));
  }
  it('wrong check digits and uncued digit runs are not ids', () => {
    for (const text of [
      'DNI 12345678A',
      'codice fiscale RSSMRA85T10A562T',
      'order 111222333 shipped',
      'mijn BSN is 111222334',
      'NHS number 943 476 5918',
      'ref 86095742719',
      'numéro 2 55 08 14 168 025 39',
      'Aadhaar 4918 2736 4508',
    ]) {
      assert.deepEqual(valuesOf(text, 'national_id'), [], text);
    }
  });
});

describe('drivers_license', () => {
  it('UK DVLA and Indian formats without a cue; other countries after the licence word', () => {
    assert.deepEqual(valuesOf('licence MORGA657054SM9IJ', 'drivers_license'), ['MORGA657054SM9IJ']);
    assert.deepEqual(valuesOf('my DL is MH12 20110012345 ok', 'drivers_license'), ['MH12 20110012345']);
    assert.deepEqual(valuesOf("Driver's license number: D1234567", 'drivers_license'), ['D1234567']);
    assert.deepEqual(valuesOf('Führerscheinnummer B072RRE2I55', 'drivers_license'), ['B072RRE2I55']);
    assert.deepEqual(valuesOf('numéro de permis de conduire 123456789012'.replace('numéro de ', ''), 'drivers_license'), ['123456789012']);
    assert.deepEqual(valuesOf('rijbewijsnummer 5123456789', 'drivers_license'), ['5123456789']);
  });
  it('a licence word followed by prose is not a number', () => {
    assert.deepEqual(valuesOf('Your driver license expires soon, renew it online.', 'drivers_license'), []);
    assert.deepEqual(valuesOf('The MIT license applies to version 2.', 'drivers_license'), []);
  });
});
