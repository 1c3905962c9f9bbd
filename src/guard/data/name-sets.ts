/**
 * The name lists (data/names/*.txt, lower case, one per line), read once at import into one
 * compact table (./word-table.ts: ~48,000 distinct names in 0.7 MB outside the JS heap, built in
 * 20-40 ms). They are read from files rather than compiled in as TypeScript strings: V8 keeps a
 * module's source text for as long as the module lives, so string constants in source cost their
 * text twice (docs/performance.md, "Memory"). data/ ships in the npm package; the path is the same
 * from src/ and from dist/.
 */
import { readFileSync } from 'node:fs';
import { WordSet, WordTable } from './word-table.js';

const BIT_CURATED = 1;
const BIT_GIVEN = 2;
const BIT_SURNAME = 4;
const BIT_HE_GIVEN = 8;
const BIT_HE_SURNAME = 16;

const DIR = new URL('../../../data/names/', import.meta.url);
const read = (file: string): Uint8Array => readFileSync(new URL(file, DIR));

const TABLE = new WordTable([
  { text: read('given.txt'), bits: BIT_CURATED | BIT_GIVEN },
  { text: read('surnames.txt'), bits: BIT_CURATED | BIT_SURNAME },
  { text: read('faker-given.txt'), bits: BIT_GIVEN },
  { text: read('faker-surnames.txt'), bits: BIT_SURNAME },
  { text: read('he-given.txt'), bits: BIT_HE_GIVEN },
  { text: read('he-surnames.txt'), bits: BIT_HE_SURNAME },
]);
TABLE.warmUp();

/** The hand-curated lists alone: trusted for words in capitals ("JOHN SMITH", not "IBAN"). */
export const CURATED: WordSet = new WordSet(TABLE, BIT_CURATED);
/** Curated and faker given names (data/names/given.txt, faker-given.txt). */
export const GIVEN: WordSet = new WordSet(TABLE, BIT_GIVEN);
/** Curated and faker surnames (data/names/surnames.txt, faker-surnames.txt). */
export const SURNAME: WordSet = new WordSet(TABLE, BIT_SURNAME);
/**
 * Hebrew-script names from an independent inventory (data/names/he-*.txt). Kept apart because several
 * are everyday Hebrew words too (אור "light", טל "dew"): alone they are not evidence of a name.
 */
export const HE_GIVEN_NAMES: WordSet = new WordSet(TABLE, BIT_HE_GIVEN);
export const HE_SURNAME_SET: WordSet = new WordSet(TABLE, BIT_HE_SURNAME);
