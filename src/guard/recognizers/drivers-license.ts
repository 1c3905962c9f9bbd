/**
 * Driving licence numbers. UK (DVLA: 16 characters from surname, birth date and initials) and
 * India (state code, RTO, year, serial) have strict shapes; elsewhere (US states, DE, FR, ES, IT,
 * NL) the number is taken only right after a word naming the licence. Reported as `drivers_license`.
 */
import type { Finding, Recognizer } from '../types.js';
import { idWindows } from './national-id.js';

// DVLA: 5 surname chars (9-padded), decade, month (+5 for women), day, year, 2 initials, digit, 2 check letters.
const UK = /(?<![\w])[A-Z9]{5}\d[0156]\d[0-3]\d\d[A-Z9]{2}\d[A-Z]{2}(?:\s?\d{2})?(?![\w])/g;
// India: SS RR YYYY NNNNNNN ("MH12 20110012345", "DL-0420110149646").
const IN = /(?<![\w])[A-Z]{2}[ \-]?\d{2}[ \-]?(?:19|20)\d{2}[ \-]?\d{7}(?![\w])/g;
/**
 * A licence word, then up to a few filler words ("number is", "no.", "#"), then the number: 5–20
 * characters of letters, digits and dashes with at least one digit.
 */
const CUED = new RegExp(
  String.raw`(?:driver'?s?'? licen[cs]e|driving licen[cs]e|driver licen[cs]e|licen[cs]e (?:no|number|#)|\bDL|\bD\.L\.|führerschein(?:nummer)?|permis de conduire|n° de permis|permiso de conducir|carnet de conducir|licencia de conducir|patente(?: di guida)?|rijbewijs(?:nummer)?|carta de condução|carteira de motorista|cnh|prawo jazdy)` +
    String.raw`(?:[ \t]*(?:number|num|no\.?|nr\.?|n[º°o]\.?|#|id|is|was|:|nummer|numéro|número|numero)){0,3}[ \t]*[:#]?[ \t]*` +
    String.raw`((?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{3,18}[A-Z0-9])(?![\w\-])`,
  'gi',
);
const SHAPE_HINT = /[A-Z9]{2}[ \-]?\d/;
const HINT = /licen[cs]e|\bDL|D\.L\.|führerschein|permis|permiso|carnet|licencia|patente|rijbewijs|condução|motorista|cnh|jazdy/i;

export const driversLicenseRecognizer: Recognizer = {
  type: 'drivers_license',
  scan(text: string, out: Finding[]): void {
    // Both shapes need two capitals next to digits: skip the windows when there are none.
    for (const w of SHAPE_HINT.test(text) ? idWindows(text) : []) {
      // UK: 16 capitals/digits in a row; India: seven digits in a row and two capitals.
      const uk = w.capsRun >= 16;
      const india = w.digitRun >= 7 && w.upper >= 2;
      if (!uk && !india) continue;
      const slice = text.slice(w.start, w.end);
      for (const re of uk && india ? [UK, IN] : uk ? [UK] : [IN]) {
        re.lastIndex = 0;
        for (let m = re.exec(slice); m; m = re.exec(slice)) {
          const start = w.start + m.index;
          out.push({ type: 'drivers_license', start, end: start + m[0].length, score: 0.8, value: m[0] });
        }
      }
    }
    if (!HINT.test(text)) return;
    CUED.lastIndex = 0;
    for (let m = CUED.exec(text); m; m = CUED.exec(text)) {
      const value = m[1] as string;
      const start = m.index + m[0].length - value.length;
      out.push({ type: 'drivers_license', start, end: start + value.length, score: 0.97, value });
    }
  },
};
