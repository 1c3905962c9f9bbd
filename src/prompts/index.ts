/** The prompt registry (versions, labels, resolution) and how a chat request uses it. */
import { InvalidRequestError } from '../errors.js';
import type { Store } from '../store/types.js';
import { promptRegistryOf } from './registry.js';
import { applyPrompt, promptRequestOf, type AppliedPrompt, type PromptShape } from './request.js';

export { PromptRegistry, promptRegistryOf, DEFAULT_CACHE_TTL_MS, type Actor, type PromptRef, type ResolvedPrompt } from './registry.js';
export {
  applyPrompt,
  openaiPromptShape,
  promptRequestOf,
  PROMPT_MODEL_PREFIX,
  type AppliedPrompt,
  type PromptParams,
  type PromptShape,
} from './request.js';
export type { Message } from './render.js';
export { parsePromptBody, contentHash, type PromptBody } from './definition.js';
export { variablesOf } from './render.js';

/** A chat body with its prompt applied, or undefined when it names none; a 400 when there is no store to hold prompts. */
export async function resolvePromptedBody(
  store: Store | undefined,
  body: unknown,
  shape?: PromptShape,
): Promise<AppliedPrompt | undefined> {
  if (!store) {
    if (promptRequestOf(body))
      throw new InvalidRequestError('Prompts need the store: this gateway runs without one.', 'prompt', 'prompts_unavailable');
    return undefined;
  }
  return applyPrompt(promptRegistryOf(store), body, shape);
}
