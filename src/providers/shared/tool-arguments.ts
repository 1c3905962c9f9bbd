/** Tool-call arguments for APIs that take them as a JSON object (Anthropic, Bedrock), not as JSON text. */
import { InvalidRequestError } from '../../errors.js';

/** `args` parsed as a JSON object (empty text = `{}`); anything else is a 400 naming `param` and the API. */
export function toolArgumentsObject(args: string, param: string, api: string): Record<string, unknown> {
  if (!args.trim()) return {};
  try {
    const v = JSON.parse(args) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // not JSON: the same answer as JSON that is not an object
  }
  throw new InvalidRequestError(`Tool call arguments must be a JSON object to be sent to ${api}.`, param);
}
