import { randomBytes } from 'node:crypto';

/** `chatcmpl-…` style ids for responses that an upstream did not give one. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('base64url')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
