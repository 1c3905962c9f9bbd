/**
 * `meridian serve` registers only its own verb (src/cli/program.ts), so the verb must be read from
 * the command line before commander parses it: past options and the config option's value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invokedVerb, workersOption } from '../../src/cli/verb.js';

test('the verb is the first word that is not an option or the value of --config', () => {
  assert.equal(invokedVerb(['serve']), 'serve');
  assert.equal(invokedVerb(['serve', '--port', '4001']), 'serve');
  assert.equal(invokedVerb(['-c', 'meridian.yaml', 'serve']), 'serve');
  assert.equal(invokedVerb(['--config', 'serve', 'doctor']), 'doctor');
  assert.equal(invokedVerb(['--config=serve.yaml', 'serve']), 'serve');
  assert.equal(invokedVerb(['-cserve.yaml', 'keys', 'list']), 'keys');
  assert.equal(invokedVerb(['help', 'serve']), 'help');
  assert.equal(invokedVerb(['--help']), undefined);
  assert.equal(invokedVerb([]), undefined);
  assert.equal(invokedVerb(['--', 'serve']), 'serve');
});

test('--workers is read from the command line in both spellings', () => {
  assert.equal(workersOption(['serve', '--workers', '2']), '2');
  assert.equal(workersOption(['serve', '--workers=auto']), 'auto');
  assert.equal(workersOption(['serve', '--port', '4000']), undefined);
  assert.equal(workersOption(['serve', '--', '--workers', '2']), undefined);
});
