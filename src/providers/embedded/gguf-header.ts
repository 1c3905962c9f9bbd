/**
 * Reads and checks a GGUF file's header, metadata and tensor table before llama.cpp sees it, so a
 * file that is not GGUF, is truncated, or claims absurd sizes fails with a message naming the
 * problem instead of crashing or stalling the loader. Only the metadata and tensor infos are read
 * (never the weights); every length is checked against the bytes that remain.
 *
 * Layout: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md — header (magic "GGUF", u32
 * version, u64 tensor_count, u64 metadata_kv_count), metadata KVs (gguf_string key, u32 type,
 * value), tensor infos (gguf_string name, u32 n_dims, u64 dims[n_dims], u32 ggml_type, u64 offset),
 * padding to `general.alignment` (default 32), tensor data. Little-endian.
 */
import { open } from 'node:fs/promises';

/** A problem with the model file itself: reported to the operator as is. */
export class GgufError extends Error {
  override name = 'GgufError';
}

export interface GgufInfo {
  version: number;
  tensorCount: number;
  architecture: string;
  name?: string;
  /** `<arch>.context_length`: the context the model was trained with. */
  contextLength?: number;
  embeddingLength?: number;
  hasChatTemplate: boolean;
  fileBytes: number;
}

// Far above any released model (the largest have a few thousand tensors and a few dozen KVs plus
// tokenizer arrays), far below what would make a reader allocate or loop without end.
const MAX_TENSORS = 100_000;
const MAX_KVS = 100_000;
const MAX_KEY_BYTES = 65_535;
const MAX_ARRAY_DEPTH = 4;
const MAX_DIMS = 4; // GGML_MAX_DIMS
/** Metadata + tensor table larger than this is refused (real ones are a few MB to ~30 MB). */
const MAX_HEADER_BYTES = 512 * 1024 * 1024;

/** Fixed value sizes by gguf_metadata_value_type; 8 (string) and 9 (array) are variable. */
const VALUE_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/**
 * [elements per block, bytes per block] for the ggml types whose sizes are fixed in ggml.c
 * (`type_traits`); tensors of other types are still accepted, just not size-checked.
 */
const TYPE_SIZES: Record<number, [number, number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  9: [32, 36], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  30: [1, 2], // BF16
};
const GGML_TYPE_COUNT = 40;

/** Thrown inside the parser when the buffer ends: the caller reads more or reports truncation. */
class NeedMore extends Error {}

class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new NeedMore();
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

interface Parsed {
  info: Omit<GgufInfo, 'fileBytes'>;
  /** Where each tensor's data ends, relative to the data section, when its type has a known size. */
  tensorEnds: Array<{ name: string; end: bigint }>;
  /** Byte offset of the data section. */
  dataStart: number;
}

function parse(buf: Buffer, fileBytes: number): Parsed {
  const c = new Cursor(buf);
  if (fileBytes < 4 || buf.subarray(0, 4).toString('latin1') !== 'GGUF') {
    const head = buf.subarray(0, 4).toString('hex');
    throw new GgufError(`not a GGUF file: it does not start with the bytes "GGUF" (found 0x${head || 'nothing'})`);
  }
  c.skip(4);
  const version = c.u32();
  if (version !== 2 && version !== 3) {
    throw new GgufError(`unsupported GGUF version ${version} (llama.cpp reads versions 2 and 3)`);
  }
  const tensorCount = c.u64();
  const kvCount = c.u64();
  if (tensorCount > BigInt(MAX_TENSORS)) throw new GgufError(`absurd tensor count ${tensorCount} (at most ${MAX_TENSORS} accepted)`);
  if (kvCount > BigInt(MAX_KVS)) throw new GgufError(`absurd metadata count ${kvCount} (at most ${MAX_KVS} accepted)`);
  // Each KV takes at least 8 (key length) + 4 (type) + 1 bytes, each tensor info at least 8 + 4 + 8 + 4 + 8.
  const minimum = 24 + Number(kvCount) * 13 + Number(tensorCount) * 32;
  if (minimum > fileBytes) {
    throw new GgufError(
      `truncated or corrupt: the header claims ${tensorCount} tensors and ${kvCount} metadata entries, more than ${fileBytes} bytes can hold`,
    );
  }

  const remaining = (): number => fileBytes - c.pos;
  const str = (what: string, max = MAX_HEADER_BYTES): string => {
    const len = c.u64();
    if (len > BigInt(Math.min(max, remaining())))
      throw new GgufError(`corrupt ${what}: string length ${len} exceeds the file or the limit`);
    return c.bytes(Number(len)).toString('utf8');
  };
  const meta = new Map<string, unknown>();
  const value = (type: number, key: string, depth: number): unknown => {
    const fixed = VALUE_SIZES[type];
    if (fixed !== undefined) {
      c.need(fixed);
      const at = c.pos;
      c.skip(fixed);
      if (type === 4) return buf.readUInt32LE(at);
      if (type === 5) return buf.readInt32LE(at);
      if (type === 10) return Number(buf.readBigUInt64LE(at));
      if (type === 7) return buf.readUInt8(at) !== 0;
      return undefined;
    }
    if (type === 8) return str(`value of '${key}'`);
    if (type === 9) {
      if (depth >= MAX_ARRAY_DEPTH) throw new GgufError(`corrupt metadata '${key}': arrays nested deeper than ${MAX_ARRAY_DEPTH}`);
      const itemType = c.u32();
      const len = c.u64();
      const minItem = VALUE_SIZES[itemType] ?? (itemType === 8 || itemType === 9 ? 8 : undefined);
      if (minItem === undefined) throw new GgufError(`corrupt metadata '${key}': unknown array item type ${itemType}`);
      if (len * BigInt(minItem) > BigInt(remaining()))
        throw new GgufError(`truncated or corrupt metadata '${key}': array of ${len} items exceeds the file`);
      const n = Number(len);
      if (VALUE_SIZES[itemType] !== undefined) c.skip(n * minItem);
      else for (let i = 0; i < n; i++) value(itemType, key, depth + 1);
      return undefined;
    }
    throw new GgufError(`corrupt metadata '${key}': unknown value type ${type}`);
  };
  for (let i = 0; i < Number(kvCount); i++) {
    const key = str(`metadata key #${i}`, MAX_KEY_BYTES);
    const v = value(c.u32(), key, 0);
    if (v !== undefined) meta.set(key, v);
  }
  const alignment = meta.get('general.alignment') ?? 32;
  if (typeof alignment !== 'number' || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufError(`corrupt metadata: general.alignment ${String(alignment)} is not a power of two`);
  }

  const tensorEnds: Parsed['tensorEnds'] = [];
  for (let i = 0; i < Number(tensorCount); i++) {
    const name = str(`tensor name #${i}`, 64 * 1024);
    const nDims = c.u32();
    if (nDims < 1 || nDims > MAX_DIMS) throw new GgufError(`corrupt tensor '${name}': ${nDims} dimensions (1 to ${MAX_DIMS} allowed)`);
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.u64());
    const type = c.u32();
    const offset = c.u64();
    if (type >= GGML_TYPE_COUNT) throw new GgufError(`corrupt tensor '${name}': unknown ggml type ${type}`);
    if (offset % BigInt(alignment) !== 0n)
      throw new GgufError(`corrupt tensor '${name}': data offset ${offset} is not aligned to ${alignment}`);
    const elements = dims.reduce((a, b) => a * b, 1n);
    if (elements === 0n || elements > 1n << 48n) throw new GgufError(`corrupt tensor '${name}': absurd shape [${dims.join(', ')}]`);
    const size = TYPE_SIZES[type];
    if (size) {
      const [block, bytes] = size;
      if ((dims[0] ?? 0n) % BigInt(block) !== 0n)
        throw new GgufError(`corrupt tensor '${name}': row of ${dims[0]} is not a multiple of ${block}`);
      tensorEnds.push({ name, end: offset + (elements / BigInt(block)) * BigInt(bytes) });
    }
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;

  const architecture = meta.get('general.architecture');
  if (typeof architecture !== 'string' || !architecture) throw new GgufError('corrupt metadata: general.architecture is missing');
  const num = (k: string): number | undefined => (typeof meta.get(k) === 'number' ? (meta.get(k) as number) : undefined);
  const name = meta.get('general.name');
  return {
    info: {
      version,
      tensorCount: Number(tensorCount),
      architecture,
      ...(typeof name === 'string' ? { name } : {}),
      ...(num(`${architecture}.context_length`) !== undefined ? { contextLength: num(`${architecture}.context_length`) } : {}),
      ...(num(`${architecture}.embedding_length`) !== undefined ? { embeddingLength: num(`${architecture}.embedding_length`) } : {}),
      hasChatTemplate: meta.has('tokenizer.chat_template'),
    },
    tensorEnds,
    dataStart,
  };
}

/** Checks a GGUF file (header, metadata, tensor table, that tensor data fits in the file); throws GgufError. */
export async function readGgufInfo(path: string): Promise<GgufInfo> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new GgufError(code === 'ENOENT' ? `file not found: ${path}` : `cannot open ${path} (${code ?? 'error'})`);
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw new GgufError(`${path} is not a regular file`);
    const fileBytes = stat.size;
    // Read as much as the parser needs: start small, double until metadata and tensor table fit.
    let want = Math.min(fileBytes, 1024 * 1024);
    for (;;) {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, 0);
      try {
        const parsed = parse(buf.subarray(0, bytesRead), fileBytes);
        for (const t of parsed.tensorEnds) {
          const end = BigInt(parsed.dataStart) + t.end;
          if (end > BigInt(fileBytes)) {
            throw new GgufError(`truncated: tensor '${t.name}' ends at byte ${end} but the file has ${fileBytes} bytes`);
          }
        }
        return { ...parsed.info, fileBytes };
      } catch (err) {
        if (!(err instanceof NeedMore)) throw err;
        if (bytesRead >= fileBytes)
          throw new GgufError(`truncated: the file ends (${fileBytes} bytes) inside its metadata or tensor table`);
        if (want >= MAX_HEADER_BYTES) throw new GgufError(`metadata and tensor table are larger than ${MAX_HEADER_BYTES} bytes`);
        want = Math.min(fileBytes, want * 4, MAX_HEADER_BYTES);
      }
    }
  } finally {
    await fh.close();
  }
}
