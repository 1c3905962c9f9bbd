/**
 * The phone pre-filter may skip a region only where libphonenumber-js would not call the number
 * valid: checked on seeded random numbers of many national shapes against the real parse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { mayBeValidIn } from '../../src/guard/recognizers/phone-regions.js';
import { REGIONS } from '../../src/guard/recognizers/phone.js';

const SHAPES = [
  'dd ddd ddd ddd',
  'ddd ddd dddd',
  '0dd dddd dddd',
  'ddd-ddd-dddd',
  'ddd-dddd',
  '0ddd dddddd',
  '1 ddd ddd dddd',
  '0d dd dd dd dd',
  '00dd ddd ddd',
  '9dddd ddddd',
  '(0dd) ddd ddd',
  'dddddddd',
  '44 dddd dddddd',
  '55 dd ddddd dddd',
  '0900 ddd ddd',
  '06-dd dd dd dd',
];

test('the pre-filter never rules out a region where the number is valid, and rules out most', () => {
  let state = 20261202;
  const digit = (): string => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return String((state >>> 16) % 10);
  };
  let checked = 0;
  let skipped = 0;
  let valid = 0;
  for (const shape of SHAPES) {
    for (let i = 0; i < 120; i++) {
      const candidate = shape.replace(/d/g, digit);
      const digits = candidate.replace(/\D/g, '');
      for (const region of REGIONS) {
        checked++;
        const isValid = parsePhoneNumberFromString(candidate, region)?.isValid() === true;
        if (isValid) valid++;
        if (!mayBeValidIn(digits, region)) {
          skipped++;
          assert.equal(isValid, false, `${candidate} is valid in ${region} but was ruled out`);
        }
      }
    }
  }
  // Not vacuous: some numbers are valid, and the filter does skip most parses.
  assert.ok(valid > checked * 0.05, `${valid} valid of ${checked}`);
  assert.ok(skipped > checked * 0.5, `${skipped} skipped of ${checked}`);
});

test('known numbers stay possible in their own region', () => {
  for (const [candidate, region] of [
    ['020 7946 0958', 'GB'],
    ['415 555 0132', 'US'],
    ['030 1234567', 'DE'],
    ['06 12 34 56 78', 'FR'],
    ['1 415 555 0132', 'US'],
    ['(11) 91234-5678', 'BR'],
  ] as const) {
    assert.equal(parsePhoneNumberFromString(candidate, region)?.isValid(), true, candidate);
    assert.equal(mayBeValidIn(candidate.replace(/\D/g, ''), region), true, candidate);
  }
});
