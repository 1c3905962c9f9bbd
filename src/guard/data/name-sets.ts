/** The name lists as sets, built once at import (~40k entries, a few ms). Lower case. */
import { FAKER_GIVEN, FAKER_SURNAMES } from './names-faker.js';
import { GIVEN_NAMES, SURNAMES } from './names.js';

/** The hand-curated lists alone: trusted for words in capitals ("JOHN SMITH", not "IBAN"). */
export const CURATED = new Set([...GIVEN_NAMES.split(' '), ...SURNAMES.split(' ')]);
export const GIVEN = new Set([...GIVEN_NAMES.split(' '), ...FAKER_GIVEN.split(' ')]);
export const SURNAME = new Set([...SURNAMES.split(' '), ...FAKER_SURNAMES.split(' ')]);
