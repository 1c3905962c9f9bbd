/**
 * A unicode global regex run only in short windows before the words its matches must contain.
 * "20789 Allika Suite 501" needs a unit word: a literal alternation finds those words several times
 * faster than a class-based candidate regex walks the whole prompt, and a match can only start a
 * few blank-separated tokens before one. (Not for the street types: that alternation is as slow
 * as the candidate regex, and the unicode pattern then runs at more positions.)
 *
 * Same matches as the plain regex when every match of it (1) contains a match of `anchor` that
 * starts at p, (2) has at most `gaps` runs of `isGap` characters between its start and p and no
 * `isStop` character there, and (3) starts at a position where `startOk` holds.
 * test/unit/guard-gated-regex.test.ts checks that on every vendored sample.
 */
import { GATED_REGEXES, type GlobalMatcher } from './gated-regex.js';

export interface AnchorShape {
  /** Global, non-unicode: each match marks a word at `index + offset`. */
  anchor: RegExp;
  offset: number;
  gaps: number;
  isGap: (code: number) => boolean;
  isStop: (code: number) => boolean;
  startOk: (text: string, i: number) => boolean;
}

export function anchoredRegex(plain: RegExp, shape: AnchorShape): GlobalMatcher {
  if (!plain.global || !shape.anchor.global) throw new Error('anchoredRegex needs two global regexes');
  const sticky = new RegExp(plain.source, plain.flags.replace('g', '') + 'y');
  const { anchor, offset, gaps, isGap, isStop, startOk } = shape;
  // Anchor positions of the last text seen (the caller walks one text from lastIndex 0 to the end).
  let seen: string | undefined;
  let anchors: number[] = [];
  /** The first anchor after the previous match. */
  let k = 0;
  let previous = 0;

  const collect = (text: string): void => {
    anchors = [];
    k = 0;
    anchor.lastIndex = 0;
    for (let a = anchor.exec(text); a; a = anchor.exec(text)) {
      anchors.push(a.index + offset);
      // Every position, not only non-overlapping ones.
      anchor.lastIndex = a.index + 1;
    }
    seen = text;
  };

  /** The earliest position a match ending its gaps at `p` can start; not below `floor`. */
  const windowStart = (text: string, p: number, floor: number): number => {
    let j = p;
    for (let run = 0; run < gaps && j > floor; run++) {
      while (j > floor && isGap(text.charCodeAt(j - 1))) j--;
      while (j > floor) {
        const c = text.charCodeAt(j - 1);
        if (isGap(c)) break;
        if (isStop(c)) return j;
        j--;
      }
    }
    return j;
  };

  const matcher: GlobalMatcher = {
    plain,
    candidate: anchor,
    lastIndex: 0,
    exec(text: string): RegExpExecArray | null {
      if (this.lastIndex === 0 || text !== seen || this.lastIndex < previous) collect(text);
      previous = this.lastIndex;
      let tried = this.lastIndex;
      while (k < anchors.length && (anchors[k] as number) <= tried) k++;
      for (; k < anchors.length; k++) {
        const p = anchors[k] as number;
        for (let i = Math.max(tried, windowStart(text, p, tried)); i < p; i++) {
          if (!startOk(text, i)) continue;
          sticky.lastIndex = i;
          const m = sticky.exec(text);
          if (m) {
            this.lastIndex = sticky.lastIndex;
            return m;
          }
        }
        tried = p;
      }
      this.lastIndex = 0;
      // Done with this text: hold no reference to it.
      seen = undefined;
      anchors = [];
      return null;
    },
  };
  GATED_REGEXES.push(matcher);
  return matcher;
}

/** `(?<![\w.\-])\d`: a number that does not continue a word, a number or a dotted/dashed token. */
export function numberStart(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 48 || c > 57) return false;
  if (i === 0) return true;
  const b = text.charCodeAt(i - 1);
  return !((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 95 || b === 46 || b === 45);
}

/** `[ \t]` */
export const isBlank = (c: number): boolean => c === 32 || c === 9;

/** JavaScript's `\s`. */
export function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
