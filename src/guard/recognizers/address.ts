/**
 * Street addresses in several locales, by shape: house number + street name + street type
 * (English), street name with a Germanic/Nordic/Dutch/Finnish suffix + number, Romance street
 * word + name + number, PO boxes and US military addresses, unit designators, UK postcodes.
 */
import type { Finding, Recognizer } from '../types.js';

const CAP = "[\\p{Lu}\\d][\\p{L}\\d'’.\\-]*";
// Street types safe to match in any case, and ones that must be capitalised (common words).
const EN_TYPES_ANY = 'street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|terrace|parkway|pkwy|highway|hwy|crescent|cres|plaza|square|sq|alley|circle|cir|trail|trl|expressway|expy|freeway|fwy|turnpike|causeway'
  .split('|')
  .flatMap((w) => [w, w.charAt(0).toUpperCase() + w.slice(1), w.toUpperCase()])
  .join('|');
const EN_TYPES_CAP =
  'Way|Place|Pl|Close|Gardens|Grove|Row|Loop|Path|Pike|Ridge|Run|View|Walk|Mews|Heights|Hts|Park|Point|Pt|Crossing|Junction|Landing|Meadows?|Mills?|Pass|Port|Summit|Valley|Village|Vista|Wharf|Green|Hill|Parade|Quay|Esplanade|Rise|Wynd|Gate|Estates?|Manor|Commons?|Center|Centre|Springs?|Glen|Hollow|Knoll|Oval|Passage|Shores?|Station|Track|Bypass|Route';
const UNIT = "(?:,?\\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|No)\\.?\\s*#?\\s*[\\w\\-]{1,6}|\\s+#\\s?[\\w\\-]{1,6})?";
const CITY_STATE_ZIP = '(?:,?\\s+(?:[\\p{Lu}][\\p{L}.\\-]*\\s?){1,3},?\\s+[A-Z]{2}\\s+\\d{5}(?:-\\d{4})?)?';

const NUMBER_FIRST = new RegExp(
  `(?<![\\w.\\-])\\d{1,6}[A-Za-z]?(?:[\\-/]\\d{1,4})?,?\\s+(?:[NSEW]\\.?\\s+)?(?:${CAP}\\s+){1,4}(?:(?:${EN_TYPES_ANY})(?=[\\s.,;:)]|$)\\.?|(?:${EN_TYPES_CAP})\\b)(?:\\s+(?:N|S|E|W|NE|NW|SE|SW)\\b)?${UNIT}${CITY_STATE_ZIP}`,
  'gu',
);

const SUFFIX_TYPES =
  'straße|strasse|str\\.|gasse|weg|allee|platz|ring|damm|ufer|steig|pfad|chaussee|markt|gade|vej|vænget|vägen|gatan|väg|gata|gränd|veien|vegen|veg|gate|gata|tie|katu|kuja|polku|raitti|laan|straat|gracht|plein|kade|dreef|singel|steeg|utca|ulica|ulice|cesta|út|tér';
const SUFFIX_STREET = new RegExp(
  `(?<![\\p{L}])(?:\\p{Lu}[\\p{L}\\-]*(?:${SUFFIX_TYPES})|\\p{Lu}[\\p{L}\\-]+\\s+(?:Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Ring|Damm|Laan|Straat|Vej|Gade|Gatan|Vägen|Veien|Gate))\\s+\\d{1,5}(?:[a-zA-Z](?![\\p{L}]))?(?:\\s*[\\-/]\\s*\\d{1,4})?(?![\\d])${UNIT}`,
  'gu',
);

const ROMANCE_WORDS_BASE =
  "Rue|Avenue|Av\\.|Avda\\.?|Avenida|Boulevard|Bd\\.?|Chemin|Impasse|Allée|Quai|Place|Route|Cours|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Calle|Carrer|Paseo|Plaza|Camino|Carretera|Ronda|Travesía|Travesia|Rua|Travessa|Praça|Praca|Estrada|Rodovia|Alameda|Zona|Ulica|ul\\.|Strada|Calea|Bulevardul|Aleea|Odos|Leof\\.";
const ROMANCE_WORDS = ROMANCE_WORDS_BASE.split('|')
  .flatMap((w) => (/^\p{Lu}\p{Ll}{2,}$/u.test(w) ? [w, w.toLowerCase()] : [w]))
  .join('|');
const PARTICLE = "(?:de|del|de la|des|du|da|das|do|dos|della|delle|dei|degli|di|la|le|les|el|los|las|d'|l'|dello|della)";
const ROMANCE = new RegExp(
  `(?<![\\p{L}\\d])(\\d{1,5}[a-zA-Z]?\\s+)?(?:${ROMANCE_WORDS})\\s+(?:${PARTICLE}\\s*)*\\p{Lu}[\\p{L}'’.\\-]*(?:\\s+(?:${PARTICLE}\\s+)*\\p{Lu}[\\p{L}'’.\\-]*){0,3}(,?\\s*(?:n[º°o]\\.?\\s*)?\\d{1,5}[a-zA-Z]?(?![\\d]))?`,
  'gu',
);

const PO_BOX = /(?<![\w])(?:P\.?\s?O\.?\s?Box|Post Office Box|Postfach|Apartado(?: de correos)?|Caixa Postal|Boîte postale|BP)\s+\d{1,6}/gi;
const MILITARY =
  /(?<![\w])(?:(?:Unit|PSC|CMR)\s+\d{3,5},?\s+Box\s+\d{1,5}|(?:USNS|USNV|USS|USCGC)\s+\p{Lu}[\p{L}]*(?:\s+\p{Lu}[\p{L}]*)?)\s*,?\s*\n?\s*(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}/gu;
const UNIT_ALONE = /(?<![\w])(?:Apt|Apartment|Suite|Ste)\.?\s+#?\d{1,5}[A-Za-z]?(?![\w])/g;
const UK_POSTCODE = /(?<![\w])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)\s\d[ABD-HJLNP-UW-Z]{2}(?![\w])/g;

interface AddressPattern {
  re: RegExp;
  /** A cheap test that must pass before the (costlier, unicode) pattern runs. */
  pre?: RegExp;
  score: (m: RegExpExecArray) => number;
}

// Number-first addresses need a street type word; test for one (plain, non-unicode) first.
const ADDRESS_TYPE_HINT = new RegExp(`\\b(?:${EN_TYPES_ANY}|${EN_TYPES_CAP})\\b`);

const PATTERNS: AddressPattern[] = [
  { re: NUMBER_FIRST, pre: ADDRESS_TYPE_HINT, score: () => 0.85 },
  { re: SUFFIX_STREET, pre: new RegExp(`(?:${SUFFIX_TYPES}|Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Ring|Damm|Laan|Straat|Vej|Gade|Gatan|Vägen|Veien|Gate) \\d`), score: () => 0.8 },
  { re: ROMANCE, pre: new RegExp(`\\b(?:${ROMANCE_WORDS}) `), score: (m) => (m[1] !== undefined || m[2] !== undefined ? 0.8 : 0) },
  { re: PO_BOX, pre: /box|postfach|apartado|caixa|boîte|BP /i, score: () => 0.8 },
  { re: MILITARY, pre: /[ADF]PO /, score: () => 0.9 },
  { re: UNIT_ALONE, pre: /Apt|Apartment|Suite|Ste/, score: () => 0.6 },
  { re: UK_POSTCODE, score: () => 0.6 },
];

export const addressRecognizer: Recognizer = {
  type: 'address',
  scan(text: string, out: Finding[]): void {
    if (!/\d/.test(text)) return;
    for (const { re, pre, score } of PATTERNS) {
      if (pre && !pre.test(text)) continue;
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const s = score(m);
        if (s === 0) continue;
        const value = m[0].replace(/[\s,]+$/, '');
        out.push({ type: 'address', start: m.index, end: m.index + value.length, score: s, value });
      }
    }
  },
};
