/** `serve --workers` / `server.workers`: how many processes, and clear errors for bad values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workerCount } from '../../src/cli/workers.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const cpus = () => 6;

describe('worker count', () => {
  it('defaults to the config, which defaults to one process', () => {
    assert.equal(workerCount(undefined, parseConfig({}, {}).server.workers, cpus), 1);
    assert.equal(workerCount(undefined, 3, cpus), 3);
  });

  it('the flag wins over the config; auto is one per CPU', () => {
    assert.equal(workerCount('2', 5, cpus), 2);
    assert.equal(workerCount('auto', 1, cpus), 6);
    assert.equal(workerCount(' AUTO ', 1, cpus), 6);
    assert.equal(workerCount(undefined, 'auto', cpus), 6);
    assert.equal(
      workerCount('auto', 1, () => 0),
      1,
      'never fewer than one',
    );
  });

  for (const bad of ['0', '-1', '1.5', 'two', '', '257', '1e3', '99999999999']) {
    it(`refuses --workers '${bad}' with a message that says what is accepted`, () => {
      assert.throws(
        () => workerCount(bad, 1, cpus),
        (err: unknown) =>
          err instanceof ConfigError &&
          /--workers must be a whole number from 1 to 256, or "auto" \(one per CPU: 6 here\)/.test(err.message),
      );
    });
  }

  it('server.workers in the config is validated too', () => {
    assert.equal(parseConfig({ server: { workers: 'auto' } }, {}).server.workers, 'auto');
    assert.equal(parseConfig({ server: { workers: 4 } }, {}).server.workers, 4);
    for (const bad of [0, 2.5, 'all', 1000]) {
      assert.throws(() => parseConfig({ server: { workers: bad } }, {}), /server\.workers must be a whole number from 1 to 256, or "auto"/);
    }
  });
});
