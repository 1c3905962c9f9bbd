/** `meridian serve`'s V8 tuning: the old-generation growth step (default, override, off, node's own flag wins, bad values refused) and the start-up hold on the young generation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_HEAP_GROWING_PERCENT,
  heapGrowingFlag,
  holdYoungGeneration,
  releaseYoungGeneration,
  semiSpaceGrowthGiven,
} from '../../src/cli/heap-tuning.js';
import { ConfigError } from '../../src/errors.js';

test('serve sets the default growth step unless told otherwise', () => {
  assert.equal(heapGrowingFlag({}, []), `--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`);
  assert.equal(heapGrowingFlag({ MERIDIAN_HEAP_GROWING_PERCENT: '50' }, []), '--heap-growing-percent=50');
  assert.equal(heapGrowingFlag({ MERIDIAN_HEAP_GROWING_PERCENT: '' }, []), `--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`);
});

test('0 keeps V8 default; a flag given to node (argv or NODE_OPTIONS) wins', () => {
  assert.equal(heapGrowingFlag({ MERIDIAN_HEAP_GROWING_PERCENT: '0' }, []), undefined);
  assert.equal(heapGrowingFlag({}, ['--heap-growing-percent=75']), undefined);
  assert.equal(heapGrowingFlag({ NODE_OPTIONS: '--enable-source-maps --heap_growing_percent=75' }, []), undefined);
  assert.equal(heapGrowingFlag({ NODE_OPTIONS: '--max-old-space-size=512' }, []), `--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`);
});

test('a value that is not a whole number from 0 to 400 is a config error that does not quote it', () => {
  for (const bad of ['-5', '401', '2.5', 'lots', '20;--expose-gc', '99999']) {
    assert.throws(
      () => heapGrowingFlag({ MERIDIAN_HEAP_GROWING_PERCENT: bad }, []),
      (err: unknown) => err instanceof ConfigError && !err.message.includes(bad),
    );
  }
});

test('the start-up hold on the young generation: once, undone by release, skipped when node was given its own growth factor', () => {
  assert.equal(semiSpaceGrowthGiven({}, []), false);
  assert.equal(semiSpaceGrowthGiven({}, ['--max-semi-space-size=8']), false, 'a size cap goes with the hold');
  assert.equal(semiSpaceGrowthGiven({ NODE_OPTIONS: '--enable-source-maps --semi_space_growth_factor=3' }, []), true);
  assert.equal(semiSpaceGrowthGiven({ NODE_OPTIONS: '--max-old-space-size=512' }, []), false);
  assert.equal(holdYoungGeneration({}, ['--semi-space-growth-factor=4']), false);
  try {
    assert.equal(holdYoungGeneration({}, []), true);
    assert.equal(holdYoungGeneration({}, []), false, 'already held');
  } finally {
    releaseYoungGeneration();
  }
  releaseYoungGeneration(); // a second release is a no-op
  assert.equal(holdYoungGeneration({}, []), true, 'a released hold can be taken again');
  releaseYoungGeneration();
});
