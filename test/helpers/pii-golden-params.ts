/** The seeded corpus test/fixtures/pii/findings-golden.json was recorded on (bench/pii-golden.ts). */
export const GOLDEN_SEED = 1107;
export const GOLDEN_COUNT = 400;
