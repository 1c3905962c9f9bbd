/**
 * Thought signatures across an OpenAI-shaped conversation.
 * Reference: https://ai.google.dev/gemini-api/docs/thought-signatures
 *
 * Thinking models attach an opaque `thoughtSignature` to the first functionCall part of a turn
 * and Gemini 3 answers 400 INVALID_ARGUMENT ("Function call is missing a thought_signature")
 * when that part is replayed without it. OpenAI clients keep nothing but the tool call's `id`
 * and echo it back verbatim, so the signature travels inside the id:
 *   `call-<16 random chars>-gts-<signature as base64url>`
 * base64url keeps the id within `[A-Za-z0-9_-]` (valid for other providers' id rules too).
 * History without a signature (written by another model, or by a client) gets Google's
 * documented sentinel `skip_thought_signature_validator` on the first functionCall of each
 * assistant turn, which tells Gemini to skip the check.
 */
import { newId } from '../shared/ids.js';

export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

const MARKER = '-gts-';
/** `call-` + base64url of 12 random bytes (see shared/ids.ts) — fixed length, so parsing is exact. */
const SIGNED_ID = /^call-[A-Za-z0-9_-]{16}-gts-([A-Za-z0-9_-]+)$/;

export function toolCallId(signature: string | undefined): string {
  const id = newId('call');
  // Textual base64 → base64url (not a byte round trip, which would drop non-canonical trailing
  // bits): exact for any base64 string. Anything else is not carried; the sentinel covers it.
  if (!signature || signature.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return id;
  return `${id}${MARKER}${signature.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`;
}

/** The signature carried by an id made by `toolCallId`, as the standard base64 Google sent. */
export function signatureFromToolCallId(id: string): string | undefined {
  const m = SIGNED_ID.exec(id);
  if (!m) return undefined;
  const b64 = m[1]!.replace(/-/g, '+').replace(/_/g, '/');
  return b64 + '='.repeat((4 - (b64.length % 4)) % 4);
}
