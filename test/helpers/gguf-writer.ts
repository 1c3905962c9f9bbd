/**
 * Writes GGUF v3 files at test time: a tiny llama-architecture model with random F32 weights from
 * a fixed seed, a byte-level SentencePiece vocabulary and a simple chat template, so the embedded
 * engine's tests run a real model without downloading one. Also writes the bad files (not GGUF,
 * truncated, absurd counts) the engine must refuse.
 *
 * Layout follows the GGUF spec (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md):
 * header (magic "GGUF", u32 version 3, u64 tensor_count, u64 metadata_kv_count), metadata KVs
 * (gguf_string key, u32 value type, value), tensor infos (name, u32 n_dims, u64 dims[], u32
 * ggml_type, u64 offset relative to the data section), zero padding to `general.alignment`, data.
 * Tensor names and metadata keys are llama.cpp's for the `llama` architecture.
 */
import { writeFileSync } from 'node:fs';

/** GGUF metadata value types (spec: `gguf_metadata_value_type`). */
const T = { u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9 } as const;
const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

type Value =
  | { t: 'u32'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'arr-str'; v: string[] }
  | { t: 'arr-f32'; v: number[] }
  | { t: 'arr-i32'; v: number[] };

class Out {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }
  i32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.push(b);
  }
  u64(n: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  f32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(): void {
    const rem = this.length % ALIGNMENT;
    if (rem) this.push(Buffer.alloc(ALIGNMENT - rem));
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(out: Out, value: Value): void {
  switch (value.t) {
    case 'u32':
      out.u32(T.u32);
      out.u32(value.v);
      break;
    case 'f32':
      out.u32(T.f32);
      out.f32(value.v);
      break;
    case 'bool':
      out.u32(T.bool);
      out.push(Buffer.from([value.v ? 1 : 0]));
      break;
    case 'str':
      out.u32(T.str);
      out.str(value.v);
      break;
    case 'arr-str':
      out.u32(T.arr);
      out.u32(T.str);
      out.u64(value.v.length);
      for (const s of value.v) out.str(s);
      break;
    case 'arr-f32':
      out.u32(T.arr);
      out.u32(T.f32);
      out.u64(value.v.length);
      for (const n of value.v) out.f32(n);
      break;
    case 'arr-i32':
      out.u32(T.arr);
      out.u32(T.i32);
      out.u64(value.v.length);
      for (const n of value.v) out.i32(n);
      break;
  }
}

/** mulberry32: a small seeded PRNG, so the same seed writes the same weights. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

export interface TinyModelOptions {
  seed?: number;
  embd?: number;
  layers?: number;
  heads?: number;
  ff?: number;
  contextLength?: number;
  chatTemplate?: string;
  /** Leave this tensor out: the header stays valid but llama.cpp cannot build the model. */
  omitTensor?: string;
}

/** Tokens: <unk>, <s>, </s>, the 256 byte tokens, then "▁" and the lowercase letters. */
function vocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  // llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte.
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  for (const piece of ['▁', ...'abcdefghijklmnopqrstuvwxyz']) {
    tokens.push(piece);
    types.push(1);
  }
  return { tokens, scores: tokens.map((_, i) => -i), types };
}

/** A GGUF v3 llama model with random weights; returns the file's bytes. */
export function tinyLlamaGguf(opts: TinyModelOptions = {}): Buffer {
  const embd = opts.embd ?? 64;
  const layers = opts.layers ?? 2;
  const heads = opts.heads ?? 4;
  const ff = opts.ff ?? 128;
  const rand = prng(opts.seed ?? 42);
  const vocab = vocabulary();
  const nVocab = vocab.tokens.length;

  const kv: Array<[string, Value]> = [
    ['general.architecture', { t: 'str', v: 'llama' }],
    ['general.name', { t: 'str', v: 'meridian-tiny-test' }],
    ['general.alignment', { t: 'u32', v: ALIGNMENT }],
    ['general.file_type', { t: 'u32', v: 0 }],
    ['llama.context_length', { t: 'u32', v: opts.contextLength ?? 512 }],
    ['llama.embedding_length', { t: 'u32', v: embd }],
    ['llama.block_count', { t: 'u32', v: layers }],
    ['llama.feed_forward_length', { t: 'u32', v: ff }],
    ['llama.attention.head_count', { t: 'u32', v: heads }],
    ['llama.attention.head_count_kv', { t: 'u32', v: heads }],
    ['llama.attention.layer_norm_rms_epsilon', { t: 'f32', v: 1e-5 }],
    ['llama.rope.dimension_count', { t: 'u32', v: embd / heads }],
    ['llama.vocab_size', { t: 'u32', v: nVocab }],
    ['tokenizer.ggml.model', { t: 'str', v: 'llama' }],
    ['tokenizer.ggml.tokens', { t: 'arr-str', v: vocab.tokens }],
    ['tokenizer.ggml.scores', { t: 'arr-f32', v: vocab.scores }],
    ['tokenizer.ggml.token_type', { t: 'arr-i32', v: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { t: 'u32', v: 0 }],
    ['tokenizer.ggml.bos_token_id', { t: 'u32', v: 1 }],
    ['tokenizer.ggml.eos_token_id', { t: 'u32', v: 2 }],
    ['tokenizer.ggml.add_bos_token', { t: 'bool', v: true }],
    ['tokenizer.chat_template', { t: 'str', v: opts.chatTemplate ?? TINY_CHAT_TEMPLATE }],
  ];

  // ne[0] is the innermost dimension (ggml order).
  const tensors: Array<{ name: string; dims: number[]; fill: 'rand' | 'one' }> = [
    { name: 'token_embd.weight', dims: [embd, nVocab], fill: 'rand' },
    { name: 'output_norm.weight', dims: [embd], fill: 'one' },
    { name: 'output.weight', dims: [embd, nVocab], fill: 'rand' },
  ];
  for (let i = 0; i < layers; i++) {
    tensors.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [embd], fill: 'one' },
      { name: `blk.${i}.attn_q.weight`, dims: [embd, embd], fill: 'rand' },
      { name: `blk.${i}.attn_k.weight`, dims: [embd, embd], fill: 'rand' },
      { name: `blk.${i}.attn_v.weight`, dims: [embd, embd], fill: 'rand' },
      { name: `blk.${i}.attn_output.weight`, dims: [embd, embd], fill: 'rand' },
      { name: `blk.${i}.ffn_norm.weight`, dims: [embd], fill: 'one' },
      { name: `blk.${i}.ffn_gate.weight`, dims: [embd, ff], fill: 'rand' },
      { name: `blk.${i}.ffn_down.weight`, dims: [ff, embd], fill: 'rand' },
      { name: `blk.${i}.ffn_up.weight`, dims: [embd, ff], fill: 'rand' },
    );
  }

  if (opts.omitTensor)
    tensors.splice(
      tensors.findIndex((t) => t.name === opts.omitTensor),
      1,
    );

  const out = new Out();
  out.push(Buffer.from('GGUF', 'ascii'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(kv.length);
  for (const [key, value] of kv) {
    out.str(key);
    writeValue(out, value);
  }
  const datas: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(n * 4);
    // Scaled so activations stay small through the layers (no NaN/inf from a random model).
    for (let j = 0; j < n; j++) data.writeFloatLE(t.fill === 'one' ? 1 : (rand() * 2 - 1) * 0.2, j * 4);
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(GGML_TYPE_F32);
    out.u64(offset);
    const padded = Math.ceil(data.length / ALIGNMENT) * ALIGNMENT;
    datas.push(Buffer.concat([data, Buffer.alloc(padded - data.length)]));
    offset += padded;
  }
  out.pad();
  for (const d of datas) out.push(d);
  return out.buffer();
}

export function writeTinyLlamaGguf(path: string, opts: TinyModelOptions = {}): string {
  writeFileSync(path, tinyLlamaGguf(opts));
  return path;
}

/** A valid header claiming `tensors` tensors and `kvs` metadata pairs, with nothing after it. */
export function ggufHeaderOnly(tensors: bigint, kvs: bigint, version = 3): Buffer {
  const out = new Out();
  out.push(Buffer.from('GGUF', 'ascii'));
  out.u32(version);
  out.u64(tensors);
  out.u64(kvs);
  return out.buffer();
}
