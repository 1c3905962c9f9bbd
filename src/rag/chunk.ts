/**
 * Splits a document into retrieval chunks. Markdown headings start a new section (the heading path
 * travels with each chunk, so "Refunds" is findable under "## Refunds"), fenced code blocks are
 * never cut in the middle unless one alone exceeds the bound, and chunks of one section overlap by
 * their last paragraph so a sentence that straddles two chunks is found in both.
 */

export interface Chunk {
  /** Heading path, "Guide > Install" (empty before the first heading). */
  heading: string;
  text: string;
}

export interface ChunkOptions {
  /** Upper bound of a chunk's text in characters. */
  maxChars: number;
  /** Carried over from the previous chunk of the same section, at most this many characters. */
  overlapChars: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { maxChars: 1_200, overlapChars: 200 };

interface Block {
  text: string;
  code: boolean;
}

interface Section {
  heading: string;
  blocks: Block[];
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** Headings, paragraphs and fenced code blocks, in order. Plain text is one section of paragraphs. */
function sections(text: string): Section[] {
  const out: Section[] = [];
  const path: string[] = [];
  let current: Section = { heading: '', blocks: [] };
  let para: string[] = [];
  let fence: { marker: string; lines: string[] } | undefined;
  const flush = (): void => {
    if (para.length) current.blocks.push({ text: para.join('\n'), code: false });
    para = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence) {
      fence.lines.push(line);
      const close = FENCE.exec(line);
      if (close && close[1]![0] === fence.marker[0] && close[1]!.length >= fence.marker.length && line.trim() === close[1]) {
        current.blocks.push({ text: fence.lines.join('\n'), code: true });
        fence = undefined;
      }
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      flush();
      fence = { marker: open[1]!, lines: [line] };
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      flush();
      if (current.blocks.length) out.push(current);
      const level = h[1]!.length;
      path.length = Math.min(path.length, level - 1);
      while (path.length < level - 1) path.push('');
      path.push(h[2]!);
      current = { heading: path.filter(Boolean).join(' > '), blocks: [] };
      continue;
    }
    if (line.trim() === '') flush();
    else para.push(line);
  }
  // An unclosed fence runs to the end of the document, as in CommonMark.
  if (fence) current.blocks.push({ text: fence.lines.join('\n'), code: true });
  flush();
  if (current.blocks.length) out.push(current);
  return out;
}

/** A block longer than the bound: code by lines, prose at word boundaries (hard cut as a last resort). */
function splitBlock(b: Block, max: number): Block[] {
  const out: Block[] = [];
  const sep = b.code ? '\n' : ' ';
  let rest = b.text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(sep, max);
    if (cut < max / 2) cut = max;
    out.push({ text: rest.slice(0, cut), code: b.code });
    rest = rest.slice(cut).replace(/^[ \n]/, '');
  }
  if (rest) out.push({ text: rest, code: b.code });
  return out;
}

export function chunkText(text: string, opts: ChunkOptions = DEFAULT_CHUNKING): Chunk[] {
  const chunks: Chunk[] = [];
  for (const s of sections(text)) {
    let parts: string[] = [];
    let size = 0;
    let fresh = false; // the chunk holds something not already in the previous one
    const emit = (): void => {
      if (fresh) chunks.push({ heading: s.heading, text: parts.join('\n\n') });
      const last = parts[parts.length - 1];
      // Overlap: the last paragraph, when short enough; never code (a fence is kept whole or not at all).
      const keep = last !== undefined && last.length <= opts.overlapChars && !/^\s{0,3}(```|~~~)/.test(last);
      parts = keep ? [last] : [];
      size = keep ? last.length : 0;
      fresh = false;
    };
    for (const whole of s.blocks) {
      for (const b of splitBlock(whole, opts.maxChars)) {
        if (size + b.text.length + 2 > opts.maxChars && parts.length) emit();
        if (size + b.text.length + 2 > opts.maxChars) {
          parts = [];
          size = 0;
        }
        parts.push(b.text);
        size += b.text.length + 2;
        fresh = true;
      }
    }
    emit();
  }
  return chunks;
}
