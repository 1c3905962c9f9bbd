/**
 * Token counting for when an upstream reports no usage (some streams, some local engines) and for
 * pre-request estimates (budgets, routing by size).
 *
 * - OpenAI models: exact BPE counts with js-tiktoken — `o200k_base` for gpt-4o, gpt-4.1, gpt-4.5,
 *   gpt-5 and the o-series; `cl100k_base` for gpt-4, gpt-3.5 and text-embedding-3/ada-002.
 *   The rank tables ship inside the js-tiktoken package (no network). Building an encoder takes
 *   ~0.5 s, so each is built once, lazily, or at start with `warmTokenizers()`.
 * - Every other model (Claude, Gemini, Llama, Qwen…): the `o200k_base` count, flagged
 *   `estimated: true`. Their tokenizers are not public or not shipped; o200k is a modern
 *   multilingual vocabulary that lands within roughly ±20% of them on English and code, which is
 *   far better than chars/4 on non-English text.
 * - Very long texts (over `SAMPLE_ABOVE_CHARS`): the first `SAMPLE_CHARS` are encoded and the
 *   tokens/char ratio is extrapolated, flagged estimated — BPE is linear enough that this stays
 *   within a few percent, and the hot path never spends more than a few ms encoding.
 *
 * Chat overhead follows OpenAI's cookbook ("How to count tokens with tiktoken"): 3 tokens per
 * message, 1 more per `name`, 3 to prime the reply. Tools are counted as their JSON definition
 * plus a small per-tool overhead (an approximation of how OpenAI renders them into the prompt).
 * Each message part is encoded separately; a very large prompt is sampled per part, so the
 * cost stays linear in the sample size, not the prompt size.
 */
import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type { ChatMessage, ChatRequest, ContentPart } from '../api/types.js';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface TokenCount {
  tokens: number;
  /** Not an exact count for this model's tokenizer. */
  estimated: boolean;
}

export const SAMPLE_ABOVE_CHARS = 64_000;
const SAMPLE_CHARS = 16_000;
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;
const TOKENS_PER_TOOL = 12;
/** Image tokens when the size is unknown: OpenAI's high-detail 1024×1024 (85 + 4 tiles × 170). */
const IMAGE_TOKENS_HIGH = 765;
const IMAGE_TOKENS_LOW = 85;

const require = createRequire(import.meta.url);
const encoders = new Map<EncodingName, Tiktoken>();

function encoder(name: EncodingName): Tiktoken {
  let enc = encoders.get(name);
  if (!enc) {
    // The CommonJS build of the ranks loads synchronously; it is data inside the package.
    const mod = require(`js-tiktoken/ranks/${name}`) as TiktokenBPE | { default: TiktokenBPE };
    enc = new Tiktoken('default' in mod ? mod.default : mod);
    encoders.set(name, enc);
  }
  return enc;
}

/** Builds encoders now (≈0.5 s each), so the first request does not pay for it. */
export async function warmTokenizers(names: EncodingName[] = ['o200k_base', 'cl100k_base']): Promise<void> {
  for (const name of names) {
    encoder(name);
    await new Promise((r) => setImmediate(r)); // let other work run between the two
  }
}

/** The tokenizer an OpenAI model uses, or undefined for models whose tokenizer we do not have. */
export function encodingForModel(model: string): EncodingName | undefined {
  const m = model.toLowerCase().replace(/^.*\//, '');
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|gpt-oss|codex)/.test(m)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada)/.test(m)) return 'cl100k_base';
  return undefined;
}

/** Tokens in `text` for `model` (exact for OpenAI models, an o200k estimate otherwise). */
export function countTokens(text: string, model = ''): TokenCount {
  const exactEncoding = encodingForModel(model);
  const enc = encoder(exactEncoding ?? 'o200k_base');
  if (text.length <= SAMPLE_ABOVE_CHARS) return { tokens: enc.encode(text).length, estimated: exactEncoding === undefined };
  const head = text.slice(0, SAMPLE_CHARS);
  const ratio = enc.encode(head).length / head.length;
  return { tokens: Math.ceil(ratio * text.length), estimated: true };
}

function contentText(content: ChatMessage['content']): { text: string; images: ContentPart[] } {
  if (content == null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: ContentPart[] = [];
  for (const p of content) {
    if (p.type === 'text') texts.push(p.text);
    else images.push(p);
  }
  return { text: texts.join('\n'), images };
}

/**
 * Prompt tokens of a chat request: messages (with OpenAI's per-message overhead), tool calls in
 * history, images (by detail), and tool definitions.
 */
export function estimatePromptTokens(req: ChatRequest): TokenCount {
  const parts: string[] = [];
  let overhead = REPLY_PRIMING;
  let approximate = (req.tools?.length ?? 0) > 0; // tool rendering is not documented exactly
  for (const msg of req.messages) {
    overhead += TOKENS_PER_MESSAGE;
    parts.push(msg.role);
    if (msg.name) {
      overhead += TOKENS_PER_NAME;
      parts.push(msg.name);
    }
    const { text, images } = contentText(msg.content);
    if (text) parts.push(text);
    for (const img of images) {
      approximate = true; // image size is unknown here
      overhead += img.type === 'image_url' && img.image_url.detail === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_HIGH;
    }
    for (const call of msg.tool_calls ?? []) parts.push(call.function.name, call.function.arguments);
  }
  for (const tool of req.tools ?? []) {
    overhead += TOKENS_PER_TOOL;
    parts.push(JSON.stringify(tool.function));
  }
  // Each part is encoded on its own, as OpenAI's cookbook counts them (joining would add separators).
  let tokens = overhead;
  let estimated = approximate;
  for (const p of parts) {
    const c = countTokens(p, req.model);
    tokens += c.tokens;
    estimated ||= c.estimated;
  }
  return { tokens, estimated };
}

/** Completion tokens from the streamed text and tool-call argument texts (when usage is missing). */
export function countCompletionTokens(text: string, toolCallArgs: string[] = [], model = ''): TokenCount {
  const all = toolCallArgs.length ? [text, ...toolCallArgs].join('\n') : text;
  return countTokens(all, model);
}
