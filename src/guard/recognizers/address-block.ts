/**
 * The rest of an address after its street line: unit ("Apt. 5"), city, state/province code,
 * postcode and country, on the same line after commas or on the following lines
 * ("12 Main St\nSuite 4\nSpringfield, IL 62704\nUSA"), and a house number written before the
 * street ("42\nKeizersgracht 12"). Only whole segments are taken: a segment must end at a comma,
 * a line end, sentence punctuation or the end of the text.
 */

const SEP = /(?:[ \t>?]*[,\n])+[ \t>?]*/y;
const UNIT = /(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|Box)\b\.?[ \t]*#?[ \t]*[\w\-]{1,6}(?![\w\-])/iy;
const PARTICLE = "(?:de|del|la|le|les|di|da|do|dos|das|du|am|an|im|and|the|of|upon|on|near|sur|en|y|i|l'|d')";
const POSTCODE = '(?:\\d{4,6}(?:-\\d{3,4})?|[A-Z]\\d[A-Z] ?\\d[A-Z]\\d|[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2})';
const END = '(?=[ \\t]*(?:[,\\n?!;)]|\\.(?:\\s|$)|$))';
/** A place: capitalised words (particles allowed), optional region code, optional postcode. */
const PLACE_CAP = new RegExp(
  `(?:\\p{Lu}[\\p{L}'’.\\-]*(?:[ \\t]+(?:${PARTICLE}[ \\t]+)*\\p{Lu}[\\p{L}'’.\\-]*){0,4}|\\p{Lu}{2,3})(?:,?[ \\t]+\\p{Lu}{1,3})?(?:,?[ \\t]+${POSTCODE}(?![\\p{L}\\d])|${END})`,
  'uy',
);
/** The span so far ends with a unit ("… Ommerweg 159 Suite 287"). */
const UNIT_BEFORE = /(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building)\.?[ \t]*#?[ \t]*[\w\-]{1,6}$/i;
/** Right after a unit ("Suite 498 Curitiba Paraná 80010"): capitalised words need no separator. */
const PLACE_AFTER_UNIT = new RegExp(
  `\\p{Lu}[\\p{L}'’.\\-]*(?:[ \\t]+(?:${PARTICLE}[ \\t]+)*\\p{Lu}[\\p{L}'’.\\-]*){0,3}(?:,?[ \\t]+${POSTCODE})?`,
  'uy',
);
/** On its own line any case is accepted ("urjala", "maldives 58673"). */
const PLACE_LINE = new RegExp(
  `[\\p{L}][\\p{L}'’.\\-]*(?:[ \\t]+[\\p{L}][\\p{L}'’.\\-]*){0,4}(?:,?[ \\t]+${POSTCODE})?(?=[ \\t]*(?:\\n|$))`,
  'uy',
);
/** Postcode before the city, as in most of Europe: "28195 Bremen", "D-80331 München". */
const POSTCODE_CITY = new RegExp(
  `(?:[A-Z]{1,2}-)?\\d{4,5}[ \\t]+\\p{Lu}[\\p{L}'’.\\-]*(?:[ \\t]+(?:${PARTICLE}[ \\t]+)*\\p{Lu}[\\p{L}'’.\\-]*){0,3}${END}`,
  'uy',
);
const POSTCODE_ONLY = new RegExp(`(?:\\p{Lu}{2}[ \\t]+)?${POSTCODE}${END}`, 'uy');
/** Lines that are something else: a phone/e-mail label, a greeting. */
const NOT_PLACE =
  /^(?:phone|tel|mobile|cell|fax|email|e-mail|office|home|work|regards|thanks|best|cheers|sincerely|hi|hello|dear|attn|from|to|subject|date|name|address)\b/i;

function matchAt(re: RegExp, text: string, pos: number): number {
  re.lastIndex = pos;
  const m = re.exec(text);
  return m ? pos + m[0].length : -1;
}

/** The end of the address block starting with a street that ends at `end`. */
export function extendAddressEnd(text: string, end: number, maxSegments = 5): number {
  let pos = end;
  let afterUnit = UNIT_BEFORE.test(text.slice(Math.max(0, end - 24), end));
  for (let n = 0; n < maxSegments; n++) {
    // A unit right after a space: "12 Main St Apt 5".
    // The blanks after pos, counted by char code (a regex here ran ~20 times per address).
    let word = pos;
    for (let c = text.charCodeAt(word); c === 32 || c === 9; c = text.charCodeAt(word)) word++;
    if (word > pos) {
      const u = matchAt(UNIT, text, word);
      if (u > 0) {
        pos = u;
        afterUnit = true;
        continue;
      }
      // "Suite 498 Curitiba Paraná": after a unit, a place may follow with only a space.
      if (afterUnit) {
        afterUnit = false;
        const p = matchAt(PLACE_AFTER_UNIT, text, word);
        if (p > 0) {
          pos = p;
          continue;
        }
      }
      const z = matchAt(POSTCODE_ONLY, text, word);
      if (z > 0) {
        pos = z;
        continue;
      }
    }
    SEP.lastIndex = pos;
    const sep = SEP.exec(text);
    if (!sep) break;
    const at = pos + sep[0].length;
    const newline = sep[0].includes('\n');
    if (newline && text.slice(pos, at).split('\n').length > 3) break; // a blank line ends the block
    if (NOT_PLACE.test(text.slice(at, at + 12))) break;
    let next = matchAt(UNIT, text, at);
    if (next < 0) next = matchAt(POSTCODE_CITY, text, at);
    if (next < 0) next = matchAt(POSTCODE_ONLY, text, at);
    if (next < 0) next = matchAt(PLACE_CAP, text, at);
    if (next < 0 && newline) next = matchAt(PLACE_LINE, text, at);
    if (next < 0) break;
    pos = next;
  }
  // A sentence's full stop is not part of the place ("… Bremen, Germany."), an abbreviation's is ("St.").
  if (pos > end && text.charAt(pos - 1) === '.' && /\p{Ll}{3}\.$/u.test(text.slice(pos - 5, pos))) pos--;
  return pos;
}

/** A house number alone before the street, on the same or the previous line: "42\nKeizersgracht 12". */
export function extendAddressStart(text: string, start: number): number {
  const m = /(?:^|[\s>?])(\d{1,5}[ \t]*\n?[ \t>?]*)$/.exec(text.slice(Math.max(0, start - 12), start));
  return m ? start - (m[1] as string).length : start;
}
