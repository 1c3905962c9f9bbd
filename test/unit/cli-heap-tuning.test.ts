/** `meridian serve`'s V8 tuning: the old-generation growth step (default, override, off, node's own flag wins, bad values refused), the start-up hold on the young generation and its cap. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_HEAP_GROWING_PERCENT,
  DEFAULT_MAX_SEMI_SPACE_MB,
  heapGrowingFlag,
  holdYoungGeneration,
  maxSemiSpaceMb,
  releaseYoungGeneration,
  semiSpaceGrowthFactor,
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

test('the young generation cap: default, override, off, node’s own size or growth flag wins, bad values refused', () => {
  assert.equal(maxSemiSpaceMb({}, []), DEFAULT_MAX_SEMI_SPACE_MB);
  assert.equal(maxSemiSpaceMb({ MERIDIAN_MAX_SEMI_SPACE_MB: '4' }, []), 4);
  assert.equal(maxSemiSpaceMb({ MERIDIAN_MAX_SEMI_SPACE_MB: '0' }, []), undefined);
  assert.equal(maxSemiSpaceMb({}, ['--max-semi-space-size=16']), undefined);
  assert.equal(maxSemiSpaceMb({ NODE_OPTIONS: '--max_semi_space_size=2' }, []), undefined);
  assert.equal(maxSemiSpaceMb({ NODE_OPTIONS: '--semi-space-growth-factor=3' }, []), undefined);
  for (const bad of ['-1', '65', '2.5', 'big', '4;--expose-gc']) {
    assert.throws(
      () => maxSemiSpaceMb({ MERIDIAN_MAX_SEMI_SPACE_MB: bad }, []),
      (err: unknown) => err instanceof ConfigError && !err.message.includes(bad),
    );
  }
});

test('the growth factor takes the semi-spaces to the cap in one step and stops there', () => {
  const MB = 1048576;
  // new_space's size is both semi-spaces: a 4 MB cap is 8 MB of new space.
  assert.equal(semiSpaceGrowthFactor(1 * MB, 4), 8);
  assert.equal(semiSpaceGrowthFactor(2 * MB, 4), 4);
  assert.equal(semiSpaceGrowthFactor(4 * MB, 4), 2);
  assert.equal(semiSpaceGrowthFactor(8 * MB, 4), 1);
  assert.equal(semiSpaceGrowthFactor(32 * MB, 4), 1, 'above the cap (node grew it before): no growth');
  assert.equal(semiSpaceGrowthFactor(2 * MB, 3), 2, 'a cap between powers of two is not passed');
  assert.equal(semiSpaceGrowthFactor(0, 4) >= 1, true);
});

test('capped, the young generation stays within the cap under allocation, across a worker start', async () => {
  const script = `
    import v8 from 'node:v8';
    const { holdYoungGeneration, releaseYoungGeneration, capYoungGeneration } = await import(${JSON.stringify(new URL('../../src/cli/heap-tuning.ts', import.meta.url).href)});
    const { startWorker } = await import(${JSON.stringify(new URL('../../src/util/worker.ts', import.meta.url).href)});
    holdYoungGeneration({}, []);
    releaseYoungGeneration();
    const cap = capYoungGeneration({}, []);
    const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    let max = 0;
    let keep = [];
    // Survivors on every collection (as requests in flight are), with turns of the event loop between.
    const churn = async () => {
      for (let i = 0; i < 400000; i++) {
        keep.push({ i, s: 'x' + i });
        if (keep.length > 60000) keep = keep.slice(30000);
        if (i % 500 === 0) { await new Promise((r) => setImmediate(r)); max = Math.max(max, newSpace()); }
      }
    };
    await churn();
    const worker = startWorker(new URL('data:text/javascript,'));
    await new Promise((r) => worker.once('exit', r));
    await churn();
    console.log(JSON.stringify({ cap, maxMb: max / 1048576 }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  const { cap, maxMb } = JSON.parse(out) as { cap: number; maxMb: number };
  assert.equal(cap, DEFAULT_MAX_SEMI_SPACE_MB);
  assert.ok(maxMb <= 2 * cap, `new space grew to ${maxMb} MB, over two ${cap} MB semi-spaces`);
});
