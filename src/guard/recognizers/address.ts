/**
 * Street addresses in several locales, by shape: house number + street name + street type
 * (English), street name with a Germanic/Nordic/Dutch/Finnish suffix + number, Romance street
 * word + name + number, PO boxes and US military addresses, unit designators, UK postcodes.
 */
import type { Finding, Recognizer } from '../types.js';
import { COMMON } from '../data/common-words.js';
import { extendAddressEnd, extendAddressStart } from './address-block.js';
import { looksLowerCase } from './person-lower.js';
import { gatedRegex, type GlobalMatcher } from './gated-regex.js';

const STREET_PARTICLE = new Set(['de', 'del', 'la', 'le', 'da', 'do', 'dos', 'das', 'di', 'du', 'van', 'von', 'der', 'den', 'el', 'al']);

const CAP = "[\\p{Lu}\\d][\\p{L}\\d'’.\\-]*";
// Street types safe to match in any case, and ones that must be capitalised (common words).
const EN_TYPES_ANY =
  'street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|terrace|parkway|pkwy|highway|hwy|crescent|cres|plaza|square|sq|alley|circle|cir|trail|trl|expressway|expy|freeway|fwy|turnpike|causeway'
    .split('|')
    .flatMap((w) => [w, w.charAt(0).toUpperCase() + w.slice(1), w.toUpperCase()])
    .join('|');
const EN_TYPES_CAP =
  'Way|Place|Pl|Close|Gardens|Grove|Row|Loop|Path|Pike|Ridge|Run|View|Walk|Mews|Heights|Hts|Park|Point|Pt|Crossing|Junction|Landing|Meadows?|Mills?|Pass|Port|Summit|Valley|Village|Vista|Wharf|Green|Hill|Parade|Quay|Esplanade|Rise|Wynd|Gate|Estates?|Manor|Commons?|Center|Centre|Springs?|Glen|Hollow|Knoll|Oval|Passage|Shores?|Station|Track|Bypass|Route';
const UNIT =
  '(?:,?\\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|No)\\.?\\s*#?\\s*[\\w\\-]{1,6}|\\s+#\\s?[\\w\\-]{1,6})?';
const CITY_STATE_ZIP = '(?:,?\\s+(?:[\\p{Lu}][\\p{L}.\\-]*\\s?){1,3},?\\s+[A-Z]{2}\\s+\\d{5}(?:-\\d{4})?)?';

const NUMBER_FIRST = gatedRegex(
  new RegExp(
    `(?<![\\w.\\-])\\d{1,6}[A-Za-z]?(?:[\\-/]\\d{1,4})?,?\\s+(?:[NSEW]\\.?\\s+)?(?:${CAP}\\s+){1,4}(?:(?:${EN_TYPES_ANY})(?=[\\s.,;:)]|$)\\.?|(?:${EN_TYPES_CAP})\\b)(?:\\s+(?:N|S|E|W|NE|NW|SE|SW)\\b)?${UNIT}${CITY_STATE_ZIP}`,
    'gu',
  ),
  // House number, up to four words over plain ranges, a street type word.
  new RegExp(
    `(?<![\\w.\\-])\\d{1,6}[A-Za-z]?(?:[\\-/]\\d{1,4})?,?\\s+(?:[NSEW]\\.?\\s+)?(?:[A-Z\\d\\x80-\\uffff][A-Za-z\\d\\x80-\\uffff'.\\-]*\\s+){1,4}(?:${EN_TYPES_ANY}|${EN_TYPES_CAP})`,
    'g',
  ),
);

const SUFFIX_TYPES =
  'straße|strasse|str\\.|gasse|weg|allee|platz|ring|damm|ufer|steig|pfad|chaussee|markt|gade|vej|vænget|vägen|gatan|väg|gata|gränd|veien|vegen|veg|gate|gata|tie|katu|kuja|polku|raitti|laan|straat|gracht|plein|kade|dreef|singel|steeg|utca|ulica|ulice|cesta|út|tér';
/**
 * One word ending in a street suffix, or a word then a street word; then a house number. The word
 * is taken whole (an atomic group: lookahead + backreference) and its ending checked once, instead
 * of trying every suffix at every letter: the same matches, far fewer steps.
 */
const SUFFIX_WORD = `\\p{Lu}(?=([\\p{L}\\-]*))\\1(?:(?<=(?:${SUFFIX_TYPES.replace('str\\.|', '')}))|(?<=str)\\.)`;
const SUFFIX_STREET = gatedRegex(
  new RegExp(
    `(?<![\\p{L}])(?:${SUFFIX_WORD}|\\p{Lu}[\\p{L}\\-]+\\s+(?:Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Ring|Damm|Laan|Straat|Vej|Gade|Gatan|Vägen|Veien|Gate))\\s+\\d{1,5}(?:[a-zA-Z](?![\\p{L}]))?(?:\\s*[\\-/]\\s*\\d{1,4})?(?![\\d])${UNIT}`,
    'gu',
  ),
  // A capital not after a letter, word characters, maybe a second word, whitespace, a digit. The
  // capital comes first and the letter check after it: V8 then skips to capitals quickly instead of
  // testing a lookbehind at every character (half the time on prose).
  /[A-Z\x80-\uffff](?<![A-Za-z][A-Z\x80-\uffff])[A-Za-z\x80-\uffff\-]*(?:\s+[A-Za-z\x80-\uffff]+)?\.?\s+\d/g,
);

const ROMANCE_WORDS_BASE =
  'Rue|Avenue|Av\\.|Avda\\.?|Avenida|Boulevard|Bd\\.?|Chemin|Impasse|Allée|Quai|Place|Route|Cours|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Calle|Carrer|Paseo|Plaza|Camino|Carretera|Ronda|Travesía|Travesia|Rua|Travessa|Praça|Praca|Estrada|Rodovia|Alameda|Zona|Ulica|ul\\.|Strada|Calea|Bulevardul|Aleea|Odos|Leof\\.';
const ROMANCE_WORDS = ROMANCE_WORDS_BASE.split('|')
  .flatMap((w) => (/^\p{Lu}\p{Ll}{2,}$/u.test(w) ? [w, w.toLowerCase()] : [w]))
  .join('|');
const PARTICLE = "(?:de|del|de la|des|du|da|das|do|dos|della|delle|dei|degli|di|la|le|les|el|los|las|d'|l'|dello|della)";
const ROMANCE = gatedRegex(
  new RegExp(
    `(?<![\\p{L}\\d])(\\d{1,5}[a-zA-Z]?\\s+)?(?:${ROMANCE_WORDS})\\s+(?:${PARTICLE}\\s*)*\\p{Lu}[\\p{L}'’.\\-]*(?:\\s+(?:${PARTICLE}\\s+)*\\p{Lu}[\\p{L}'’.\\-]*){0,3}(,?\\s*(?:n[º°o]\\.?\\s*)?\\d{1,5}[a-zA-Z]?(?![\\d]))?`,
    'gu',
  ),
  // The street word (with its house number before it, if any), then a space.
  new RegExp(`(?<![A-Za-z\\d])(?:\\d{1,5}[a-zA-Z]?\\s+)?(?:${ROMANCE_WORDS})\\s`, 'g'),
);

/** East Slavic street words (Ukrainian, Russian, Belarusian usage), before or after the name. */
const CYR_TYPES =
  'вул\\.|вулиця|Вулиця|ул\\.|Ул\\.|улица|Улица|пр\\.|просп\\.|проспект|Проспект|пров\\.|провулок|пер\\.|переулок|пл\\.|площа|Площа|площадь|Площадь|бульв\\.|бульвар|Бульвар|наб\\.|набережна|набережная|шосе|шоссе|алея|аллея|ал\\.|майдан|Майдан|тупик|проезд|проїзд';
const CYR_NAME = "\\p{Lu}[\\p{L}'’\\-]*(?:[ \\t]+\\p{Lu}[\\p{L}'’\\-]*){0,2}";
const CYR_NUMBER = '(,?[ \\t]*(?:буд\\.|д\\.|дом|будинок)?[ \\t]*\\d{1,4}(?:[\\-/]?\\p{Ll})?(?![\\p{L}\\d]))?';
const CYRILLIC_STREET = new RegExp(
  `(?<![\\p{L}])(?:(?:${CYR_TYPES})[ \\t]*${CYR_NAME}|${CYR_NAME}[ \\t]+(?:${CYR_TYPES}))${CYR_NUMBER}`,
  'gu',
);
/** After "I live at", "ship to", "Adresse:": a house number and capitalised words need no street type. */
const CUED_NUMBER_NAME = /\d{1,5}[A-Za-z]?[ \t]+\p{Lu}[\p{L}'’\-]*(?:[ \t]+\p{Lu}[\p{L}'’\-]*){0,2}/uy;

const PO_BOX = /(?<![\w])(?:P\.?\s?O\.?\s?Box|Post Office Box|Postfach|Apartado(?: de correos)?|Caixa Postal|Boîte postale|BP)\s+\d{1,6}/gi;
const MILITARY =
  /(?<![\w])(?:(?:Unit|PSC|CMR)\s+\d{3,5},?\s+Box\s+\d{1,5}|(?:USNS|USNV|USS|USCGC)\s+\p{Lu}[\p{L}]*(?:\s+\p{Lu}[\p{L}]*)?)\s*,?\s*\n?\s*(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}/giu;
/**
 * House number, street name without a type word, then a unit: "20789 Allika Suite 501". The unit
 * is the evidence; matching it here keeps UNIT_ALONE from claiming the house number alone.
 */
const NUMBER_NAME_UNIT = gatedRegex(
  /(?<![\w.\-])\d{1,6}[A-Za-z]?[ \t]+(?:\p{Lu}[\p{L}'’.\-]*[ \t]+){1,3}(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?[ \t]*#?[ \t]*\d{1,5}[A-Za-z]?(?![\w])/gu,
  // A house number (not inside a word or number) and a capital after it.
  /\d(?<![\w.\-]\d)\d{0,5}[A-Za-z]?[ \t]+[A-Z\x80-\uffff]/g,
);
/** "the corner of Halsey Street and Ralph Avenue", "corner of 5th & Main". */
const CORNER =
  /(?<![\w])(?:corner of|junction of|intersection of|crossing of)[ \t]+((?:[\p{Lu}\d][\p{L}\d'’.\-]*[ \t]+){0,5}[\p{Lu}\d][\p{L}\d'’.\-]*[ \t]+(?:and|&)[ \t]+(?:[\p{Lu}\d][\p{L}\d'’.\-]*[ \t]*){1,4})/giu;
const UNIT_ALONE = /(?<![\w])(?:Apt|Apartment|Suite|Ste)\.?\s+#?\d{1,5}[A-Za-z]?(?![\w])/g;
/**
 * Street name + house number with no street-type word ("Trg revolucije 12", "Grote Baan 477"):
 * taken only with a house number before it ("85 Trg revolucije 12") or when a unit/postcode/place
 * block follows (checked in scan), since "Chapter 5" has the same shape.
 */
const NAME_NUMBER_SOURCE =
  "(?<![\\p{L}\\d.\\-])(\\d{1,5}[ \\t]+)?(FIRST[\\p{L}'’.\\-]+(?:[ \\t]+(?:\\p{L}[\\p{L}'’.\\-]*)){0,3})[ \\t]+(\\d{1,5}[a-zA-Z]?)(?![\\p{L}\\d:\\/\\-]|[.,]\\d)";
const NAME_NUMBER = gatedRegex(
  new RegExp(NAME_NUMBER_SOURCE.replace('FIRST', '\\p{Lu}'), 'gu'),
  // The same shape over plain ranges (any non-ASCII character may be a letter), without the lookaheads;
  // each branch matches its first character before looking behind it (as in SUFFIX_STREET).
  /(?:\d(?<![A-Za-z\d.\-]\d)\d{0,4}[ \t]+[A-Z\x80-\uffff]|[A-Z\x80-\uffff](?<![A-Za-z\d.\-][A-Z\x80-\uffff]))[A-Za-z\x80-\uffff'.\-]+(?:[ \t]+[A-Za-z\x80-\uffff][A-Za-z\x80-\uffff'.\-]*){0,3}[ \t]+\d/g,
);
/** The same in lower-case chat text ("17 rijksweg 145"). */
const NAME_NUMBER_LOWER = new RegExp(NAME_NUMBER_SOURCE.replace('FIRST', '\\p{L}'), 'gu');
/** Cheap pre-test for NAME_NUMBER's two accepted shapes: a number then words then a number, or a number ending a line/clause. */
const NAME_NUMBER_HINT =
  /(?:^|[\s>?])\d{1,5}[ \t]+[^\s\d,.;:]+(?:[ \t]+[^\s\d,.;:]+){0,3}[ \t]+\d|[^\d,\s]\s\d{1,5}[a-zA-Z]?\.?[ \t]*(?:,[ \t]*[^\s\d]|\n|$|[ \t]+(?:apt|suite|unit|flat)\b)/i;
/** "My zip code is 70637", "postcode: SW1A 1AA". */
const POSTCODE_CUE =
  /(?:zip|zip code|zipcode|postal code|postcode|post code|plz|code postal|código postal|cap)(?: is|:)?[ \t]*((?:\d{5}(?:-\d{4})?|\d{3} \d{2}|\d{4}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}))(?![\w])/gi;
/** Words right before a street name that say an address follows ("lives at", "ulici", "Adresse:"). */
const ADDRESS_CUE =
  /(?:address|adresse|adres|dirección|direccion|endereço|indirizzo|adresa|osoite|live[sd]? (?:at|on|in)|living (?:at|on)|located at|moved to|ship(?:ped)? to|deliver(?:ed)? to|send (?:it )?to|ulici|ulicy|ulica|ul\.|wohne in der|wohnt in der|habite au|habite|vivo en|vive en|abito in|moro na|woon aan|bor på|bor i|asun|mieszkam przy|bydlím v)[ \t]*:?[ \t]*$/i;
/** ADDRESS_CUE anywhere in the text (not anchored), up to the first character after it. */
const ADDRESS_CUE_ANY = new RegExp(ADDRESS_CUE.source.replace(/\$$/, ''), 'gi');
const CUE_HINT =
  /live|living|located|moved|ship|deliver|send|address|adres|direcc|endere|indirizzo|habite|wohn|vivo|abito|woon|bor |asun|mieszkam|bydlím|ulic/i;
/** Words that take a number but are not streets. */
const NOT_STREET =
  /^(?:chapter|section|page|pages|level|version|v|room|figure|fig|table|step|part|season|episode|vol|volume|item|line|lines|row|rows|col|column|grade|class|year|day|days|week|weeks|month|months|hour|hours|minute|minutes|top|over|under|about|around|only|windows|iphone|android|python|java|node|ios|gpt|model|type|size|phase|stage|round|group|team|area|zone|gate|terminal|platform|flight|bus|train|route|highway|interstate|number|no|order|invoice|ticket|case|box|unit|apt|suite|floor|building|block|lot|plan|tier|rank|score|total|and|or|the|at|in|on|of|to|for|by|from|with|is|are|was|were|be|been|has|have|had|it|its|i|we|you|he|she|they|my|our|your|his|her|their)$/i;

const UK_POSTCODE = /(?<![\w])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)\s\d[ABD-HJLNP-UW-Z]{2}(?![\w])/g;

interface AddressPattern {
  re: RegExp | GlobalMatcher;
  /** A cheap test that must pass before the (costlier, unicode) pattern runs. */
  pre?: RegExp;
  score: (m: RegExpExecArray) => number;
}

// Number-first addresses need a street type word; test for one (plain, non-unicode) first.
const ADDRESS_TYPE_HINT = new RegExp(`\\b(?:${EN_TYPES_ANY}|${EN_TYPES_CAP})\\b`);

const PATTERNS: AddressPattern[] = [
  { re: NUMBER_FIRST, pre: ADDRESS_TYPE_HINT, score: () => 0.85 },
  {
    re: SUFFIX_STREET,
    pre: new RegExp(
      `(?:${SUFFIX_TYPES}|Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Ring|Damm|Laan|Straat|Vej|Gade|Gatan|Vägen|Veien|Gate) \\d`,
    ),
    score: () => 0.8,
  },
  { re: ROMANCE, pre: new RegExp(`\\b(?:${ROMANCE_WORDS}) `), score: (m) => (m[1] !== undefined || m[2] !== undefined ? 0.8 : 0) },
  { re: CYRILLIC_STREET, pre: /[вулпбнштам][а-яіїє]*\.?[ \t]/i, score: (m) => (m[1] !== undefined ? 0.8 : 0.6) },
  { re: PO_BOX, pre: /box|postfach|apartado|caixa|boîte|BP /i, score: () => 0.8 },
  { re: MILITARY, pre: /[adf]po /i, score: () => 0.9 },
  // The unit word right after a word and blanks, as the pattern has it: "Street, Apt 4" (the usual
  // way to write a unit) cannot match, and the candidate scan over every number is skipped.
  { re: NUMBER_NAME_UNIT, pre: /[A-Za-z\x80-\uffff'.\-][ \t]+(?:Apt|Apartment|Suite|Ste|Unit|Flat)/, score: () => 0.75 },
  { re: UNIT_ALONE, pre: /Apt|Apartment|Suite|Ste/, score: () => 0.6 },
  { re: UK_POSTCODE, score: () => 0.6 },
];

function push(text: string, out: Finding[], start: number, end: number, score: number): void {
  const s = extendAddressStart(text, start);
  const e = extendAddressEnd(text, end);
  out.push({ type: 'address', start: s, end: e, score, value: text.slice(s, e) });
}

export const addressRecognizer: Recognizer = {
  type: 'address',
  scan(text: string, out: Finding[]): void {
    const first = out.length;
    if (/corner|junction|intersection|crossing/i.test(text)) cornerOf(text, out);
    if (!/\d/.test(text)) return;
    for (const { re, pre, score } of PATTERNS) {
      if (pre && !pre.test(text)) continue;
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const s = score(m);
        if (s === 0) continue;
        const value = m[0].replace(/[\s,]+$/, '');
        push(text, out, m.index, m.index + value.length, s);
      }
    }
    const covered = (a: number, b: number): boolean => {
      for (let k = first; k < out.length; k++) if ((out[k] as Finding).start < b && a < (out[k] as Finding).end) return true;
      return false;
    };
    /** Wholly inside an earlier match: nothing to add. A partial overlap is merged below. */
    const inside = (a: number, b: number): boolean => {
      for (let k = first; k < out.length; k++) if ((out[k] as Finding).start <= a && b <= (out[k] as Finding).end) return true;
      return false;
    };
    const nameNumber = looksLowerCase(text) ? NAME_NUMBER_LOWER : NAME_NUMBER;
    nameNumber.lastIndex = NAME_NUMBER_HINT.test(text) ? 0 : text.length;
    for (let m = nameNumber.exec(text); m; m = nameNumber.exec(text)) {
      const name = m[2] as string;
      const words = name.split(/[ \t]+/);
      const firstWord = words[0] as string;
      // Street words are names, not prose: "lives at 18" is not a street called "lives at".
      const prose = words.some(
        // In capitalised text a capitalised everyday word is part of a name ("Republica de Chile 8305").
        (w, k) =>
          (k > 0 || nameNumber === NAME_NUMBER_LOWER) &&
          (nameNumber === NAME_NUMBER_LOWER || w.charAt(0) === w.charAt(0).toLowerCase()) &&
          COMMON.has(w.toLowerCase()) &&
          !STREET_PARTICLE.has(w.toLowerCase()),
      );
      if (NOT_STREET.test(firstWord) || prose || inside(m.index, m.index + m[0].length)) {
        nameNumber.lastIndex = m.index + (m[1]?.length ?? 0) + firstWord.length;
        continue;
      }
      const end = m.index + m[0].length;
      const blockEnd = extendAddressEnd(text, end);
      const block = text.slice(end, blockEnd);
      // A house number before it, or a following unit / postcode / second place line.
      const strong =
        m[1] !== undefined ||
        /\d{4}|(?:apt|suite|unit|flat)\b/i.test(block) ||
        (block.match(/[,\n]/g)?.length ?? 0) >= 2 ||
        ADDRESS_CUE.test(text.slice(Math.max(0, m.index - 32), m.index));
      if (!strong) continue;
      push(text, out, m.index, end, 0.7);
    }
    mergeOverlapping(text, out, first);
    if (CUE_HINT.test(text)) {
      // Find the cues first, then look for a house number + words right after each.
      ADDRESS_CUE_ANY.lastIndex = 0;
      for (let c = ADDRESS_CUE_ANY.exec(text); c; c = ADDRESS_CUE_ANY.exec(text)) {
        CUED_NUMBER_NAME.lastIndex = c.index + c[0].length;
        const m = CUED_NUMBER_NAME.exec(text);
        if (!m || inside(m.index, m.index + m[0].length)) continue;
        push(text, out, m.index, m.index + m[0].length, 0.7);
      }
      mergeOverlapping(text, out, first);
    }
    if (/zip|post|plz|code|cap/i.test(text)) {
      POSTCODE_CUE.lastIndex = 0;
      for (let m = POSTCODE_CUE.exec(text); m; m = POSTCODE_CUE.exec(text)) {
        const code = m[1] as string;
        const start = m.index + m[0].length - code.length;
        if (!covered(start, start + code.length)) out.push({ type: 'address', start, end: start + code.length, score: 0.7, value: code });
      }
    }
  },
};

function cornerOf(text: string, out: Finding[]): void {
  CORNER.lastIndex = 0;
  for (let m = CORNER.exec(text); m; m = CORNER.exec(text)) {
    const streets = (m[1] as string).replace(/[ \t]+$/, '');
    const start = m.index + m[0].indexOf(streets);
    out.push({ type: 'address', start, end: start + streets.length, score: 0.75, value: streets });
  }
}

/**
 * "78 Camiño Ancho 91⏎ Suite 286": the unit's block (extended back over "91") and the street +
 * number overlap. Each alone would leave part of the address in the clear; their union is the address.
 */
function mergeOverlapping(text: string, out: Finding[], first: number): void {
  if (out.length - first < 2) return;
  const mine = out.splice(first).sort((a, b) => a.start - b.start);
  const merged: Finding[] = [];
  for (const f of mine) {
    const prev = merged[merged.length - 1];
    if (prev && f.start < prev.end) {
      if (f.end > prev.end) {
        prev.end = f.end;
        prev.value = text.slice(prev.start, prev.end);
      }
      prev.score = Math.max(prev.score, f.score);
    } else merged.push({ ...f });
  }
  for (const f of merged) out.push(f);
}
