/** The admin API's master key, wherever it comes from, must be long enough not to be guessed. */
import { ConfigError } from '../errors.js';

export const MASTER_KEY_MIN_LENGTH = 16;

/**
 * Returns `key` when it is long enough; throws a start-up error naming `source` (never the key)
 * otherwise. `undefined` (no key: admin API off) passes through.
 */
export function checkMasterKey(key: string | undefined, source: string): string | undefined {
  if (key === undefined) return undefined;
  if (key.length < MASTER_KEY_MIN_LENGTH) {
    throw new ConfigError(
      `${source}: the master key has ${key.length} characters; use at least ${MASTER_KEY_MIN_LENGTH} ` +
        `(for example: openssl rand -hex 24).`,
    );
  }
  return key;
}
