/**
 * Probes from issue #11: values that reached the upstream intact. A probe passes when some finding
 * of the expected type overlaps the value (for addresses: covers every character of it), and the
 * hard negatives find nothing of that type.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';
import type { Finding } from '../../src/guard/types.js';

const guard = createGuard(guardConfigSchema.parse(undefined));

function locate(text: string, value: string): { start: number; end: number } {
  const start = text.indexOf(value);
  assert.ok(start >= 0, `probe value not in text: ${value}`);
  return { start, end: start + value.length };
}
const overlapping = (fs: Finding[], s: { start: number; end: number }, type: string) =>
  fs.filter((f) => f.type === type && f.start < s.end && s.start < f.end);

/** Some finding of `type` (one of `a|b` types) overlaps `value` in `text`. */
function caught(text: string, value: string, type: string): void {
  const span = locate(text, value);
  const found = guard.scanText(text);
  assert.ok(
    type.split('|').some((t) => overlapping(found, span, t).length > 0),
    `${type} "${value}" not caught in: ${text}\n found: ${JSON.stringify(found.map((f) => [f.type, f.value]))}`,
  );
}
/** Every character of `value` is inside a finding of `type` (no part sent). */
function covered(text: string, value: string, type: string): void {
  const span = locate(text, value);
  const fs = overlapping(guard.scanText(text), span, type);
  for (let k = span.start; k < span.end; k++) {
    if (/\s|,/.test(text.charAt(k))) continue;
    assert.ok(
      fs.some((f) => f.start <= k && k < f.end),
      `${type} "${value}" partly sent ("${text.charAt(k)}" at ${k}) in: ${text}\n found: ${JSON.stringify(fs.map((f) => f.value))}`,
    );
  }
}
function notFound(text: string, type: string): void {
  const fs = guard.scanText(text).filter((f) => f.type === type);
  assert.deepEqual(
    fs.map((f) => f.value),
    [],
    `unexpected ${type} in: ${text}`,
  );
}

describe('issue #11 probes: person names', () => {
  it('an unknown name after a phrase that marks a name but is not a cue', () => {
    caught("She read verses from Emmie Ström's first book.", 'Emmie Ström', 'person');
    caught('He worked as an assistant to Asya Godina for two years.', 'Asya Godina', 'person');
    caught("Maybe it's under Mathias Ruud, check the bookings.", 'Mathias Ruud', 'person');
  });
  it('record, list and dialogue lines', () => {
    caught('Participants:\n- Kalinda Wurrawilya\n- Teodor Marinescu\n', 'Kalinda Wurrawilya', 'person');
    caught('Guest list: Oyelaran Adebisi; Teodor Marinescu; Ilse Vandekerckhove', 'Ilse Vandekerckhove', 'person');
  });
  it('a sentence-initial name before an ordinary verb', () => {
    caught('Oyelaran Adebisi booked the room for Tuesday.', 'Oyelaran Adebisi', 'person');
  });
  it('a later mention of a name found earlier in the same text', () => {
    caught('Dr. Ksenia Volkonskaya joined in May. Later Volkonskaya moved to the lab in Basel.', 'Volkonskaya moved', 'person');
  });
  it('names with diacritics and lower-case names inside capitalised text', () => {
    caught('The invoice was approved by Zoë Ødegård yesterday.', 'Zoë Ødegård', 'person');
    caught('Please forward this to jürgen wiśniewski before Friday.', 'jürgen wiśniewski', 'person');
  });
  it('names in non-Latin scripts without a cue', () => {
    caught('Вчера Иван Петров приехал в Москву.', 'Иван Петров', 'person');
    caught('Ο Γιώργος Παπαδόπουλος μένει στην Αθήνα.', 'Γιώργος Παπαδόπουλος', 'person');
    caught('我的同事王伟明天来北京开会。', '王伟', 'person');
    caught('佐藤健さんに連絡してください。', '佐藤健', 'person');
    caught('김민준 씨에게 내일 전화하세요.', '김민준', 'person');
    caught('التقيت محمد العلي أمس في المكتب', 'محمد العلي', 'person');
    caught('أرسلت الملف لمحمد العلي أمس', 'محمد العلي', 'person');
  });
  it('unlisted right-to-left names inside Latin text, or after a Hebrew/Arabic title', () => {
    caught('I was the assistant to סהרון קלמנוביץ for a year.', 'סהרון קלמנוביץ', 'person');
    caught('Please ask ורדינה for the keys.', 'ורדינה', 'person');
    caught('פגשתי את ד״ר אורנה שטיינברג אתמול', 'אורנה שטיינברג', 'person');
    caught('مرحبا، اسمي ليان الزعبي وأعمل مهندسة', 'ليان الزعبي', 'person');
    // One word without a cue, and a quoted sentence, are words, not names.
    notFound('The Hebrew word שלום means peace.', 'person');
    notFound('The sign read: אין כניסה לרכבים בשעות הלילה today.', 'person');
  });
  it('Hebrew full names from the Hebrew name inventory, also behind a one-letter prefix, with no cue', () => {
    caught('שלחתי את הקובץ ליוסי מזרחי אתמול', 'יוסי מזרחי', 'person');
    caught('העברתי את המסמכים למיכל אברהם בבוקר', 'מיכל אברהם', 'person');
    caught('הפגישה עם מוחמד אגבאריה נדחתה', 'מוחמד אגבאריה', 'person');
    // Given names that are everyday words (light, dew, dawn) are not names on their own.
    notFound('האור בחדר כבה והשחר עלה', 'person');
    notFound('טל ירד בלילה על השדות', 'person');
  });
  it('unlisted Hebrew/Arabic names after a form label with a colon or an introduction', () => {
    caught('שם: אביטל גרינברג\nטלפון: 050-1234567', 'אביטל גרינברג', 'person');
    caught('קוראים לי נוגה ברקוביץ ואני גרה בחיפה', 'נוגה ברקוביץ', 'person');
    caught('מאת: רונית שפירא', 'רונית שפירא', 'person');
    caught('الاسم: ليان الزعبي', 'ليان الزعبي', 'person');
    // The same words without the colon are ordinary words ("there", "don't").
    notFound('הספר נמצא שם על השולחן', 'person');
    notFound('אל תשכח את המפתחות', 'person');
  });
  it('everyday words used as names right after a naming phrase, and listed names as dialogue speakers', () => {
    caught('Sometimes people call me Mark.', 'Mark', 'person');
    caught('She named him Mark, Regards,\nKenji', 'Mark', 'person');
    caught('Emma: "Who are you?"\nAmber: "I\'m her daughter."', 'Amber', 'person');
    notFound('Call me Monday about the invoice.', 'person');
    const signed = guard.scanText('She named him Mark, Regards,\nKenji').filter((f) => f.type === 'person');
    assert.deepEqual(
      signed.map((f) => f.value),
      ['Mark', 'Kenji'],
    );
  });
  it('unlisted names with life dates, as encyclopedias write them', () => {
    caught('Ealdric Thorvaldsen (1815–1852) was a poet.', 'Ealdric Thorvaldsen', 'person');
    caught('Oskaro Quibble (born 1947) is a chef.', 'Oskaro Quibble', 'person');
    notFound('The Treaty of Paris (1783) ended the war. Windows Server (2019) is old.', 'person');
  });
  it('hard negatives: organisations, places and year ranges are not people', () => {
    notFound('The Deutsche Bundesbank raised rates in Frankfurt am Main.', 'person');
    notFound('Вчера в Москве прошёл дождь.', 'person');
    // Function words that are also surnames somewhere ("Das", "Como") open sentences in other languages.
    notFound('Das Haus steht am Markt. Como Antes, nada.', 'person');
  });
});

describe('issue #11 probes: cards, phones, e-mail', () => {
  it('15-digit JCB numbers starting 1800/2131 and 12-digit Maestro after a card word', () => {
    caught('My JCB card is 180052391845271.', '180052391845271', 'credit_card');
    caught('card number 213148620937151 expires 09/27', '213148620937151', 'credit_card');
    caught('cc: 675931082647', '675931082647', 'credit_card');
  });
  it('card numbers with mixed separators or dots', () => {
    caught('Pay with 4539-2018 5573 4626 please', '4539-2018 5573 4626', 'credit_card');
    caught('Pay with 4539.2018.5573.4626 please', '4539.2018.5573.4626', 'credit_card');
  });
  it('year ranges are not phone numbers', () => {
    notFound('Leonardo Bruni (1433-1499) wrote a history of Florence.', 'phone');
    notFound('The abbey was rebuilt 1433–1499 and again 1701-1745.', 'phone');
  });
  it('obfuscated e-mail addresses', () => {
    caught('write to jane dot doe at example dot org', 'jane dot doe at example dot org', 'email');
    caught('mail: jane[at]example.org', 'jane[at]example.org', 'email');
    caught('mail: jane.doe (at) example (dot) com', 'jane.doe (at) example (dot) com', 'email');
    caught('reach me at jane @ example.org tonight', 'jane @ example.org', 'email');
    notFound('meet me at home at five, look at example', 'email');
  });
});

describe('issue #11 probes: addresses and postcodes', () => {
  it('a unit after the street does not block the street and house number', () => {
    covered('Ship it to 20789 Allika Suite 501, Tartu.', '20789 Allika Suite 501', 'address');
  });
  it('streets without a street-type word or in other languages', () => {
    covered('Bydlím v ulici Pod Floriánem 1677, Praha.', 'Pod Floriánem 1677', 'address');
    covered('Elle habite au 26 rue des Lilas à Lyon.', '26 rue des Lilas', 'address');
  });
  it('Cyrillic streets and a cued house number with an unknown street', () => {
    covered('Адреса: вул. Вічева, 34, Шостка', 'вул. Вічева, 34', 'address');
    covered('Доставка: Базарная аллея, 248, Москва', 'Базарная аллея, 248', 'address');
    covered('I live at 9725 Guazfe, Vaokaiv.', '9725 Guazfe', 'address');
    covered('Ship to 63 Ommerweg 159 Suite 287 Hellendoorn Saudi Arabia', '63 Ommerweg 159 Suite 287 Hellendoorn', 'address');
  });
  it('the corner of X and Y', () => {
    covered('Meet me at the corner of Halsey Street and Ralph Avenue.', 'Halsey Street and Ralph Avenue', 'address');
  });
  it('a postcode after a city with no cue, or after a cue with a space', () => {
    caught('He moved to a flat in ARENDAL 4844 last spring.', '4844', 'postcode');
    caught('ZIP: 394 13', '394 13', 'postcode|address');
    caught('Her office moved to Tartu 50090 in March.', '50090', 'postcode');
    notFound('ISO 9001 and RFC 2616 apply; we met in Paris 2024 and in Windows 2000.', 'postcode');
  });
});

describe('issue #11 probes: identity documents', () => {
  it('US driver licence after a licence word', () => {
    caught("My driver's license number is D1234567.", 'D1234567', 'drivers_license');
    caught('DL# F255-921-50-094-0', 'F255-921-50-094-0', 'drivers_license');
  });
});
