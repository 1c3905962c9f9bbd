/**
 * Person names in scripts without capital letters, where the capitalised-word pass sees nothing:
 * Chinese (surname character + given name, no space), Japanese (a name before an honorific like
 * さん/様/先生, or a listed surname + given name), Korean (surname syllable + listed given name, or a
 * word before 씨/님), Arabic, Hebrew and Persian (a listed given name and the words after it).
 * Evidence is the name lists (src/guard/data) and honorifics/cues, never the script alone.
 */
import { GIVEN, HE_GIVEN_NAMES, HE_SURNAME_SET, SURNAME } from '../data/name-sets.js';
import type { Finding } from '../types.js';
import { INTRO_STRONG, INTRO_WEAK, SPEECH_AFTER, TITLES, followedBy, preceded } from './person-cues.js';

const HAN = '\\p{Script=Han}';
/** Chinese/Japanese words around a name: a cue before it or a title/verb of speech after it. */
const ZH_BEFORE =
  /(?:同事|叫|名叫|名字是|和|跟|给|找|问|请|朋友|老板|经理|老师|医生|同学|丈夫|妻子|先生|女士|联系|我是|他是|她是|通知|告诉)$/;
const ZH_AFTER = /^(?:先生|女士|小姐|老师|医生|教授|经理|同学|总|博士|说|告诉|打电话|来|去|是|的|和|在|已经|今天|明天|昨天)/;
const KO_AFTER = /^(?:씨|님|선생님|교수님|박사|과장|부장|대표|사장|에게|한테|께)/;
const KO_PARTICLE = /^(?:은|는|이|가|을|를|의|와|과|도|에게|한테|께서|씨|님)?(?![\p{L}])/u;

const HAN_RUN = new RegExp(`${HAN}{2,4}`, 'gu');
const KANA_HAN_RUN = /[\p{Script=Han}\p{Script=Katakana}ー]{1,6}(?=[ \t]?(?:さん|様|さま|くん|君|ちゃん|先生|氏|殿))/gu;
const HANGUL_WORD = /(?<![\p{Script=Hangul}])\p{Script=Hangul}{2,4}/gu;
const RTL_PREFIX = /^[وبلفובלהמשכ]/u;
const RTL_WORD =
  /[\p{Script=Arabic}\p{Script=Hebrew}][\p{Script=Arabic}\p{Script=Hebrew}\p{M}׳״'"]*[\p{Script=Arabic}\p{Script=Hebrew}׳]/gu;
/** Hebrew and Arabic titles and introductions written right before a name (ד״ר = Dr., اسمي = my name is). */
// prettier-ignore
const RTL_CUES = new Set([
  'מר', 'גברת', 'גב׳', "גב'", 'הגב׳', 'ד״ר', 'ד"ר', 'דר׳', 'פרופ׳', "פרופ'", 'עו״ד', 'עו"ד', 'רו״ח', 'שמי', 'בשם', 'הרב', 'השופט', 'הנשיא',
  'السيد', 'السيدة', 'الدكتور', 'الدكتورة', 'الأستاذ', 'الأستاذة', 'اسمي', 'المهندس', 'الشيخ', 'آقای', 'خانم', 'دکتر', 'اسم',
]);
/**
 * Longer introductions and form labels before a name, matched on the text just before a word:
 * "קוראים לי" / "השם שלי" (my name is), Arabic "يدعى" (is called), and labels that need a colon
 * because the word alone means something else ("שם:" = Name:, "שם" alone also "there"; "לקוח:" =
 * Customer:, "איש קשר:" = Contact:, "מאת:" / "אל:" = From:/To:, "נמען:", "שולח:"; Arabic "الاسم:",
 * "اسم العميل:", "العميل:", "من:" / "إلى:"). Generic Hebrew and Arabic form vocabulary, not any one
 * corpus's. ("בשם" and "לכבוד" are left out: "on behalf of" and "to" take companies as often.)
 */
const RTL_CUE_BEFORE = new RegExp(
  '(?:^|[^\\p{L}\\p{M}])(?:' +
    ['קוראים לי', 'השם שלי(?: הוא| היא)?', 'اسمي', 'يدعى', 'تدعى', 'اسمه', 'اسمها'].join('|') +
    ')[ \\t]+$|(?:^|[^\\p{L}\\p{M}])(?:' +
    [
      'שם',
      'שם מלא',
      'שם פרטי',
      'שם משפחה',
      'שם הלקוח',
      'שם הלקוחה',
      'שם המטופל',
      'שם המטופלת',
      'לקוח',
      'לקוחה',
      'מטופל',
      'מטופלת',
      'איש קשר',
      'אשת קשר',
      'נמען',
      'נמענת',
      'שולח',
      'שולחת',
      'מאת',
      'אל',
      'חתום',
      'חתימה',
      'الاسم',
      'الاسم الكامل',
      'اسم العميل',
      'العميل',
      'المريض',
      'المريضة',
      'جهة الاتصال',
      'المرسل',
      'المرسل إليه',
      'من',
      'إلى',
    ].join('|') +
    ')[ \\t]*[:：][ \\t]*$',
  'u',
);

/** Words that follow a name in these languages and are never part of it (of, with, said, is, and…). */
// prettier-ignore
const RTL_COMMON = new Set([
  'של', 'את', 'עם', 'אמר', 'אמרה', 'הוא', 'היא', 'כתב', 'כתבה', 'שלח', 'שלחה', 'הגיע', 'הגיעה', 'היה', 'הייתה', 'גם', 'לא', 'כי', 'אבל', 'אתמול', 'היום', 'מחר',
  'في', 'من', 'على', 'إلى', 'الى', 'مع', 'قال', 'قالت', 'هو', 'هي', 'كان', 'كانت', 'أمس', 'اليوم', 'غدا', 'و', 'که', 'از', 'با', 'در', 'گفت', 'است',
]);

function push(out: Finding[], text: string, start: number, end: number, score: number): void {
  out.push({ type: 'person', start, end, score, value: text.slice(start, end) });
}

function han(text: string, out: Finding[]): void {
  HAN_RUN.lastIndex = 0;
  for (let m = HAN_RUN.exec(text); m; m = HAN_RUN.exec(text)) {
    const run = m[0];
    let best = 0;
    let score = 0;
    // Listed surname (1–2 characters) + listed given name (1–2 characters): a full name on its own.
    for (const sl of [2, 1]) {
      const surname = run.slice(0, sl);
      if (!SURNAME.has(surname)) continue;
      for (const gl of [2, 1]) {
        if (sl + gl > run.length) continue;
        if (GIVEN.has(run.slice(sl, sl + gl))) {
          best = sl + gl;
          score = gl === 2 ? 0.8 : 0.6;
          break;
        }
      }
      if (best > 0) break;
      // An unlisted given name needs a cue: "同事王伟…", "…张三先生".
      const cueBefore = ZH_BEFORE.test(text.slice(Math.max(0, m.index - 3), m.index));
      for (const len of [3, 2]) {
        if (len > run.length) continue;
        const cueAfter = ZH_AFTER.test(text.slice(m.index + len, m.index + len + 3));
        if (cueBefore || cueAfter) {
          best = len;
          score = 0.7;
          break;
        }
      }
      if (best > 0) break;
    }
    if (best === 0) {
      HAN_RUN.lastIndex = m.index + 1;
      continue;
    }
    push(out, text, m.index, m.index + best, score);
    HAN_RUN.lastIndex = m.index + best;
  }
}

function japanese(text: string, out: Finding[]): void {
  KANA_HAN_RUN.lastIndex = 0;
  for (let m = KANA_HAN_RUN.exec(text); m; m = KANA_HAN_RUN.exec(text)) {
    // Matches come in text order and only this loop has added findings yet: the last one is the only possible overlap.
    const last = out[out.length - 1];
    if (last && last.start < m.index + m[0].length && m.index < last.end) continue;
    push(out, text, m.index, m.index + m[0].length, 0.75);
  }
  // "佐藤 健" / "山田 太郎": listed surname, a space, a listed given name.
  const spaced = /([\p{Script=Han}]{1,3})[ \u3000]([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]{1,3})(?![\p{Script=Han}])/gu;
  for (let m = spaced.exec(text); m; m = spaced.exec(text)) {
    if (SURNAME.has(m[1] as string) && GIVEN.has(m[2] as string)) push(out, text, m.index, m.index + m[0].length, 0.8);
  }
}

function korean(text: string, out: Finding[]): void {
  HANGUL_WORD.lastIndex = 0;
  for (let m = HANGUL_WORD.exec(text); m; m = HANGUL_WORD.exec(text)) {
    const word = m[0];
    const end = m.index + word.length;
    const rest = text.slice(end, end + 4).replace(/^[ \t]/, '');
    // Surname syllable + listed given name, with at most a particle after it.
    let len = 0;
    for (const n of [3, 2]) {
      if (word.length < n) continue;
      const s = word.charAt(0);
      const given = word.slice(1, n);
      if (SURNAME.has(s) && GIVEN.has(given) && KO_PARTICLE.test(word.slice(n) + text.slice(end, end + 1))) {
        len = n;
        break;
      }
    }
    if (len === 0 && word.length <= 4 && SURNAME.has(word.charAt(0)) && KO_AFTER.test(rest)) len = Math.min(word.length, 3);
    if (len > 0) push(out, text, m.index, m.index + len, 0.75);
  }
}

const rtlGiven = (w: string): boolean => GIVEN.has(w) || HE_GIVEN_NAMES.has(w);

function rightToLeft(text: string, out: Finding[]): void {
  RTL_WORD.lastIndex = 0;
  const words: Array<{ start: number; end: number; w: string }> = [];
  for (let m = RTL_WORD.exec(text); m; m = RTL_WORD.exec(text)) words.push({ start: m.index, end: m.index + m[0].length, w: m[0] });
  for (let i = 0; i < words.length; i++) {
    let first = words[i]!;
    const titled = i > 0 && RTL_CUES.has(words[i - 1]!.w) && /^[ \t]$/.test(text.slice(words[i - 1]!.end, first.start));
    if (titled || RTL_CUE_BEFORE.test(text.slice(Math.max(0, first.start - 32), first.start))) {
      // A title or "my name is" before an unlisted name: the word after it, and one more unless that is a common word.
      const next = words[i + 1];
      const two = next && /^[ \t\-־]$/u.test(text.slice(first.end, next.start)) && !RTL_COMMON.has(next.w);
      push(out, text, first.start, two ? next.end : first.end, 0.7);
      if (two) i++;
      continue;
    }
    if (!rtlGiven(first.w)) {
      // One-letter prefixes written onto the next word: Arabic و/ب/ل/ف ("and/with/to"), Hebrew ו/ב/ל/ה/מ/ש/כ.
      const bare = first.w.slice(1);
      if (bare.length < 3 || !RTL_PREFIX.test(first.w) || !rtlGiven(bare)) continue;
      first = { start: first.start + 1, end: first.end, w: bare };
      words[i] = first;
    }
    let j = i;
    // Following words that are names, "al-…" family names, or "bin/ibn …".
    while (j + 1 < words.length && j - i < 3) {
      const next = words[j + 1]!;
      if (!/^[ \t]$/.test(text.slice(words[j]!.end, next.start))) break;
      if (rtlGiven(next.w) || SURNAME.has(next.w) || HE_SURNAME_SET.has(next.w) || /^(?:ال|بن|ابن|بنت)/.test(next.w)) j++;
      else break;
    }
    // A lone given name counts only when the general lists know it: the Hebrew inventory holds everyday words too.
    if (j === i && (first.w.length < 3 || !GIVEN.has(first.w))) continue;
    push(out, text, first.start, words[j]!.end, j > i ? 0.8 : 0.55);
    i = j;
  }
}

const TITLE_WORDS = [...TITLES];
const LATIN_LETTER = /[A-Za-z\u00c0-\u024f]/g;
const RTL_LETTER = /[\p{Script=Arabic}\p{Script=Hebrew}]/u;
const CONTEXT = 40;

/**
 * A run of one to three Hebrew- or Arabic-script words inside Latin-script text: people write
 * their colleagues' and customers' names in the names' own script far more often than other
 * words (a sentence or a quote is longer; a place or company name rarely goes untransliterated).
 * Two or three words are a full name; a single word needs a cue before it or a verb after it.
 * The neighbourhood must be Latin (≥ 3 Latin letters, no other right-to-left letter within 40
 * characters), so Hebrew or Arabic prose is left to the list-based rule above.
 */
function embeddedRightToLeft(text: string, out: Finding[]): void {
  RTL_WORD.lastIndex = 0;
  const words: Array<{ start: number; end: number }> = [];
  for (let m = RTL_WORD.exec(text); m; m = RTL_WORD.exec(text)) words.push({ start: m.index, end: m.index + m[0].length });
  // Findings so far, by start: runs come in text order, so one moving index finds overlaps (linear).
  const taken = [...out].sort((a, b) => a.start - b.start);
  let t = 0;
  for (let i = 0; i < words.length;) {
    let j = i;
    while (j + 1 < words.length && /^[ \t\-־]$/u.test(text.slice(words[j]!.end, words[j + 1]!.start))) j++;
    const start = words[i]!.start;
    const end = words[j]!.end;
    const count = j - i + 1;
    i = j + 1;
    while (t < taken.length && taken[t]!.end <= start) t++;
    if (count > 3 || (t < taken.length && taken[t]!.start < end)) continue;
    const before = text.slice(Math.max(0, start - CONTEXT), start);
    const after = text.slice(end, end + CONTEXT);
    if (RTL_LETTER.test(before) || RTL_LETTER.test(after)) continue;
    if (((before + after).match(LATIN_LETTER)?.length ?? 0) < 3) continue;
    const cued =
      preceded(text, start, INTRO_STRONG) ||
      preceded(text, start, INTRO_WEAK) ||
      preceded(text, start, TITLE_WORDS) ||
      followedBy(text, end, SPEECH_AFTER);
    if (count === 1 && !cued) continue;
    push(out, text, start, end, cued ? 0.7 : 0.6);
  }
}

const HAS_HAN = /\p{Script=Han}/u;
const HAS_KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HAS_HANGUL = /\p{Script=Hangul}/u;
const HAS_RTL = /[\p{Script=Arabic}\p{Script=Hebrew}]/u;
/** Cheap gate: any character outside Latin-1/Latin Extended/Greek/Cyrillic. */
const NON_CASED = /[\u0590-\u08ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

/** Appends names found in uncased scripts. Cheap (one test) for text without such characters. */
export function uncasedScriptNames(text: string, out: Finding[]): void {
  if (!NON_CASED.test(text)) return;
  const found: Finding[] = [];
  if (HAS_KANA.test(text)) japanese(text, found);
  if (HAS_HAN.test(text)) han(text, found);
  if (HAS_HANGUL.test(text)) korean(text, found);
  if (HAS_RTL.test(text)) {
    rightToLeft(text, found);
    embeddedRightToLeft(text, found);
  }
  for (const f of found) out.push(f);
}
