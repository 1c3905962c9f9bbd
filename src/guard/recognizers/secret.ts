/**
 * Secrets and credentials: API keys by documented prefixes, private-key PEM blocks, JWTs,
 * passwords in URLs, and high-entropy tokens right after key-ish words.
 */
import type { Finding, Recognizer } from '../types.js';
import { shannonEntropy } from '../validators.js';

interface KeyPattern {
  re: RegExp;
  score: number;
}

// Prefixes: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), AWS access key ids (AKIA/ASIA), GitHub
// (ghp_/gho_/ghu_/ghs_/ghr_, github_pat_), Slack (xoxa/b/p/r-), Google (AIza), Stripe, GitLab.
const KEY_PATTERNS: KeyPattern[] = [
  { re: /(?<![\w\-])sk-(?:proj-|ant-(?:api\d\d-|admin\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}/g, score: 1 },
  { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}(?![A-Za-z0-9])/g, score: 1 },
  { re: /(?<![\w])gh[pousr]_[A-Za-z0-9]{30,255}/g, score: 1 },
  { re: /(?<![\w])github_pat_[A-Za-z0-9_]{22,255}/g, score: 1 },
  { re: /(?<![\w])xox[abprse]-[A-Za-z0-9\-]{10,250}/g, score: 1 },
  { re: /(?<![\w])AIza[0-9A-Za-z_\-]{35}/g, score: 1 },
  { re: /(?<![\w])(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g, score: 1 },
  { re: /(?<![\w])glpat-[A-Za-z0-9_\-]{20,}/g, score: 1 },
  { re: /(?<![\w])hf_[A-Za-z0-9]{30,}/g, score: 0.95 },
  { re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g, score: 1 },
  { re: /(?<![\w\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}/g, score: 0.95 },
];

const PREFILTER = /sk-|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|gh[pousr]_|github_pat_|xox[abprse]-|AIza|_live_|_test_|glpat-|hf_|PRIVATE KEY|eyJ/;

// scheme://user:password@host — the `user:password` part is reported.
const URL_CREDENTIALS = /\b[a-zA-Z][a-zA-Z0-9+.\-]{1,15}:\/\/([^\s:@\/"'<>]{1,128}):([^\s@\/"'<>]{1,256})@[A-Za-z0-9.\-\[\]]+/g;

// key-ish word, up to a few joining words or ":=" then a token.
const KEYWORD_TOKEN =
  /(api[_\- ]?key|apikey|\bkey|secret|token|passw(?:or)?d|passwd|pwd|auth|bearer|credential|access[_\- ]?key(?:[_\-]?id)?|private[_\- ]?key|client[_\- ]?secret|signing[_\- ]?key)s?["']?\s*(?:[:=]>?|is|was|:\s*is)?\s*["'`]?(?:is\s+|=\s*)?["'`]?([A-Za-z0-9_\-+\/=.~!@#$%^&*]{8,256})/gi;

function looksRandom(token: string, isPassword: boolean): boolean {
  if (/^[a-z]+$/.test(token) && !isPassword) return false; // a plain word
  const classes = Number(/[a-z]/.test(token)) + Number(/[A-Z]/.test(token)) + Number(/\d/.test(token)) + Number(/[^A-Za-z0-9]/.test(token));
  if (isPassword) return token.length >= 8 && classes >= 2 && !/^[A-Za-z][a-z]+$/.test(token);
  return token.length >= 16 && classes >= 2 && shannonEntropy(token) >= 3.3;
}

export const secretRecognizer: Recognizer = {
  type: 'secret',
  scan(text: string, out: Finding[]): void {
    if (PREFILTER.test(text)) {
      for (const { re, score } of KEY_PATTERNS) {
        re.lastIndex = 0;
        for (let m = re.exec(text); m; m = re.exec(text)) {
          out.push({ type: 'secret', start: m.index, end: m.index + m[0].length, score, value: m[0] });
        }
      }
    }
    if (text.indexOf('://') >= 0) {
      URL_CREDENTIALS.lastIndex = 0;
      for (let m = URL_CREDENTIALS.exec(text); m; m = URL_CREDENTIALS.exec(text)) {
        const start = m.index + m[0].indexOf('//') + 2;
        const end = start + (m[1]?.length ?? 0) + 1 + (m[2]?.length ?? 0);
        out.push({ type: 'secret', start, end, score: 0.95, value: text.slice(start, end) });
      }
    }
    KEYWORD_TOKEN.lastIndex = 0;
    for (let m = KEYWORD_TOKEN.exec(text); m; m = KEYWORD_TOKEN.exec(text)) {
      const token = (m[2] ?? '').replace(/[.,;:!]+$/, '');
      const isPassword = /pass|pwd/i.test(m[1] ?? '');
      if (!looksRandom(token, isPassword)) continue;
      const start = m.index + m[0].length - (m[2]?.length ?? 0);
      out.push({ type: 'secret', start, end: start + token.length, score: isPassword ? 0.8 : 0.85, value: token });
    }
  },
};
