/**
 * Values split over two consecutive message texts ("my card is 4539 2018" / "5573 4626 …",
 * "jane.doe@" / "example.org"): each text alone holds part of the value, which no recognizer
 * matches, so each part would reach the upstream intact. The seam between two consecutive
 * message contents is scanned joined (directly, and with one space between), and a finding that
 * crosses it is masked in both texts, each part by itself.
 *
 * Only seams where an edge word holds a digit or an `@` are scanned: the identifiers people paste
 * in pieces (cards, phones, IBANs, ids, e-mail addresses) all have one, and prose seams are skipped
 * at the cost of two short regex tests.
 */
import type { Scanner } from './scan.js';
import type { Finding, RequestPath } from './types.js';

/** Characters taken from each side of a seam: longer than any structured value we recognise. */
const EDGE_CHARS = 64;
const LAST_WORD = /\S+$/;
const FIRST_WORD = /^\S+/;
const SEAM_HINT = /[\d@]/;

const isMessageContent = (path: RequestPath): boolean => path[0] === 'messages' && path[2] === 'content';

/**
 * `list` with `part` in place of the findings it overlaps, when they all lie inside it and are less
 * sure ("2018 5573" seen alone as a phone number is the half of a card); undefined when a finding
 * it overlaps is surer or reaches beyond it (that finding stands, and the seam finding is dropped).
 */
function replacing(list: readonly Finding[], part: Finding): Finding[] | undefined {
  const kept: Finding[] = [];
  for (const f of list) {
    if (f.end <= part.start || part.end <= f.start) kept.push(f);
    else if (f.start < part.start || f.end > part.end || f.score >= part.score) return undefined;
  }
  kept.push(part);
  return kept.sort((x, y) => x.start - y.start);
}

/**
 * `perText` with the parts of seam-crossing findings added (new arrays where something is added).
 * `perText[i]` belongs to `texts[i]`.
 */
export function addSeamFindings(
  texts: ReadonlyArray<{ text: string; path: RequestPath }>,
  perText: readonly Finding[][],
  scanner: Scanner,
): Finding[][] {
  const out = perText.slice();
  for (let i = 0; i + 1 < texts.length; i++) {
    const a = texts[i]!;
    const b = texts[i + 1]!;
    if (!isMessageContent(a.path) || !isMessageContent(b.path)) continue;
    const aText = a.text.trimEnd();
    const lead = b.text.length - b.text.trimStart().length;
    const tail = aText.slice(-EDGE_CHARS);
    const head = b.text.slice(lead, lead + EDGE_CHARS).trimEnd();
    if (tail === '' || head === '') continue;
    const tailWord = LAST_WORD.exec(tail)?.[0] ?? '';
    const headWord = FIRST_WORD.exec(head)?.[0] ?? '';
    if (!SEAM_HINT.test(tailWord) && !SEAM_HINT.test(headWord)) continue;
    const tailStart = aText.length - tail.length;
    // Both ways of joining: "4539 2018" + "5573 4626" needs the space, "jane.doe@" + "example.org"
    // and an IBAN cut mid-group need none. Where both find something, the surer finding wins.
    const crossing: Array<{ type: string; score: number; aStart: number; bEnd: number }> = [];
    for (const joiner of ['', ' ']) {
      const headStart = tail.length + joiner.length;
      for (const f of scanner.scan(tail + joiner + head)) {
        if (f.start < tail.length && f.end > headStart) {
          crossing.push({ type: f.type, score: f.score, aStart: tailStart + f.start, bEnd: lead + (f.end - headStart) });
        }
      }
    }
    crossing.sort((x, y) => y.score - x.score || y.bEnd - y.aStart - (x.bEnd - x.aStart));
    for (const { type, score, aStart, bEnd } of crossing) {
      const aPart: Finding = { type, start: aStart, end: aText.length, score, value: aText.slice(aStart) };
      const bPart: Finding = { type, start: lead, end: bEnd, score, value: b.text.slice(lead, bEnd) };
      const aList = replacing(out[i]!, aPart);
      const bList = aList && replacing(out[i + 1]!, bPart);
      if (!aList || !bList) continue;
      out[i] = aList;
      out[i + 1] = bList;
    }
  }
  return out;
}
