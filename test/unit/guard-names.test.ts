/** Person, address and phone cues added for recall on unseen text (examples written here, not from any eval set). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const guard = createGuard(guardConfigSchema.parse(undefined));
const valuesOf = (text: string, type: string): string[] =>
  guard
    .scanText(text)
    .filter((f) => f.type === type)
    .map((f) => f.value);

describe('guard person cues', () => {
  it('honorifics are part of the mention, in any case', () => {
    assert.deepEqual(valuesOf('Ms. Okonkwo signed the lease.', 'person'), ['Ms. Okonkwo']);
    assert.deepEqual(valuesOf('please ask mr. halvorsen about it', 'person'), ['mr. halvorsen']);
  });
  it('unknown single names next to speech verbs and introductions', () => {
    assert.deepEqual(valuesOf('"We are done," says Quillan.', 'person'), ['Quillan']);
    assert.deepEqual(valuesOf('Everyone calls me Zorvath', 'person'), ['Zorvath']);
    assert.deepEqual(valuesOf('Hi Brannoc, the report is attached.', 'person'), ['Brannoc']);
  });
  it('words listed with names are names; places and months are not', () => {
    assert.deepEqual(valuesOf('The founders were Ilsabet, Margaret, Thomas and Quennell.', 'person'), [
      'Ilsabet',
      'Margaret',
      'Thomas',
      'Quennell',
    ]);
    assert.deepEqual(valuesOf('Offices in Paris, London and Berlin open in May, June and July.', 'person'), []);
  });
  it('lower-case chat text: given name + surname, given name alone', () => {
    assert.deepEqual(valuesOf('can you follow up with priya raghunathan tomorrow', 'person'), ['priya raghunathan']);
    assert.deepEqual(valuesOf('why is rebecca always late', 'person'), ['rebecca']);
    // Capitalised prose: lower-case words are never names; everyday words never are.
    assert.deepEqual(valuesOf('The team will grant access. We hope joy returns.', 'person'), []);
  });
  it('no names inside identifiers, shouting or software names', () => {
    assert.deepEqual(valuesOf('export API_KEY=abc and MAX_RETRIES=3', 'person'), []);
    assert.deepEqual(valuesOf('WHY IS THIS SO SLOW', 'person'), []);
    assert.deepEqual(valuesOf('Train it with Adam and run it on Jenkins.', 'person'), []);
  });
});

describe('guard address blocks', () => {
  it('extends a street over unit, city, region, postcode and country lines', () => {
    const text = 'Ship to:\n48 Linden Avenue\nSuite 210\nRiverton, WY 82501\nUnited States\n\nThanks';
    assert.deepEqual(valuesOf(text, 'address'), ['48 Linden Avenue\nSuite 210\nRiverton, WY 82501\nUnited States']);
    assert.deepEqual(valuesOf('Our office: Mühlenweg 14, 28195 Bremen, Germany.', 'address'), ['Mühlenweg 14, 28195 Bremen, Germany']);
  });
  it('street name + number without a street word only with a house number or a following block', () => {
    assert.deepEqual(valuesOf('She lives at 7 Nad Rybníkem 112, Zlín', 'address'), ['7 Nad Rybníkem 112, Zlín']);
    assert.deepEqual(valuesOf('Read Chapter 5, Appendix B and Figure 3.', 'address'), []);
  });
  it('postcodes named as such', () => {
    assert.deepEqual(valuesOf('my zip code is 30309', 'address'), ['30309']);
  });
});

describe('guard phone labels', () => {
  it('a bare digit run labelled after it', () => {
    assert.deepEqual(valuesOf('4155550132 mobile', 'phone'), ['4155550132']);
    assert.deepEqual(valuesOf('order 4155550132 shipped', 'phone'), []);
  });
});
