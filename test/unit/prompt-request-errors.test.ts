/** Errors about a request's prompt field never quote the client's text unless it is a plain identifier. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/errors.js';
import { promptRequestOf } from '../../src/prompts/index.js';

const refusal = (body: unknown): InvalidRequestError => {
  try {
    promptRequestOf(body);
  } catch (err) {
    assert.ok(err instanceof InvalidRequestError);
    return err;
  }
  assert.fail('expected a 400');
};

describe('prompt field errors', () => {
  it('an unknown key is named only when it is an identifier', () => {
    assert.match(refusal({ prompt: { name: 'a', colour: 1 } }).message, /^prompt\.colour is not a prompt field/);
    const e = refusal({ prompt: { name: 'a', 'jane.doe@example.com': 1 } });
    assert.doesNotMatch(e.message, /jane/);
    assert.match(e.message, /^A field of prompt is not a prompt field/);
  });

  it('a bad variable value names the variable only when it is a variable name', () => {
    assert.equal(refusal({ prompt: { name: 'a', variables: { city: {} } } }).param, 'prompt.variables.city');
    const e = refusal({ prompt: { name: 'a', variables: { 'jane.doe@example.com': {} } } });
    assert.doesNotMatch(e.message, /jane/);
    assert.equal(e.param, 'prompt.variables');
  });
});
