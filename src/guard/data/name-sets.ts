/** The name lists as sets, built once at import (~40k entries, a few ms). Lower case. */
import { FAKER_GIVEN, FAKER_SURNAMES } from './names-faker.js';
import { HE_GIVEN, HE_SURNAMES } from './names-he.js';
import { GIVEN_NAMES, SURNAMES } from './names.js';

/** The hand-curated lists alone: trusted for words in capitals ("JOHN SMITH", not "IBAN"). */
export const CURATED = new Set([...GIVEN_NAMES.split(' '), ...SURNAMES.split(' ')]);
export const GIVEN = new Set([...GIVEN_NAMES.split(' '), ...FAKER_GIVEN.split(' ')]);
export const SURNAME = new Set([...SURNAMES.split(' '), ...FAKER_SURNAMES.split(' ')]);
/**
 * Hebrew-script names from an independent inventory (names-he.ts). Kept apart because several are
 * everyday Hebrew words too (אור "light", טל "dew"): alone they are not evidence of a name.
 */
export const HE_GIVEN_NAMES = new Set(HE_GIVEN.split(' '));
export const HE_SURNAME_SET = new Set(HE_SURNAMES.split(' '));
