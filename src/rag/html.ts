/**
 * HTML → the Markdown-like text the chunker understands (./chunk.ts): h1–h6 become `#` headings,
 * <pre> becomes a fenced code block, list items and table rows become lines, other blocks
 * paragraphs. Scripts, styles, navigation and the <head> (except its <title>, used as the top
 * heading when the page has no <h1>) are dropped; entities are decoded by the parser.
 */
import { Parser } from 'htmlparser2';
import { escapeLineStarts } from './text-lines.js';

/** Their text is never document content. */
const DROPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'nav',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
  'select',
  'button',
]);
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'blockquote',
  'figure',
  'figcaption',
  'form',
  'fieldset',
  'address',
  'details',
  'summary',
  'dl',
  'dt',
  'dd',
  'hr',
  'table',
  'caption',
  'thead',
  'tbody',
  'tfoot',
  'body',
  'html',
  'center',
]);
/** Parsed in slices, with a turn of the event loop between them: a large page never blocks it long. */
const SLICE_CHARS = 64 * 1024;

interface Block {
  text: string;
  /** List items and table rows: joined to their neighbours by one line break, not a blank line. */
  tight: boolean;
}

class HtmlToText {
  readonly blocks: Block[] = [];
  title = '';
  hasH1 = false;
  private inline = '';
  private dropped = 0;
  private inTitle = false;
  private heading = 0;
  private pre: { depth: number; lang: string; text: string } | undefined;
  private readonly lists: Array<{ ordered: boolean; n: number }> = [];
  private itemPrefix: string | undefined;
  private cell = 0;

  open(name: string, attrs: Record<string, string>): void {
    if (name === 'title') this.inTitle = true;
    if (DROPPED.has(name)) this.dropped++;
    if (this.dropped) return;
    if (this.pre) {
      if (name === 'pre') this.pre.depth++;
      if (name === 'br') this.pre.text += '\n';
      if (name === 'code' && !this.pre.lang) this.pre.lang = languageOf(attrs.class);
      return;
    }
    const h = /^h([1-6])$/.exec(name);
    if (h) {
      this.flush();
      this.heading = Number(h[1]);
      if (this.heading === 1) this.hasH1 = true;
    } else if (name === 'pre') {
      this.flush();
      this.pre = { depth: 1, lang: languageOf(attrs.class), text: '' };
    } else if (name === 'code') this.inline += '`';
    else if (name === 'br') this.inline += '\n';
    else if (name === 'ul' || name === 'ol') {
      this.flush();
      this.lists.push({ ordered: name === 'ol', n: 0 });
    } else if (name === 'li') {
      this.flush();
      const list = this.lists[this.lists.length - 1];
      const indent = '  '.repeat(Math.max(0, this.lists.length - 1));
      this.itemPrefix = `${indent}${list?.ordered ? `${++list.n}.` : '-'} `;
    } else if (name === 'tr') {
      this.flush();
      this.cell = 0;
    } else if (name === 'td' || name === 'th') {
      if (this.cell++ > 0) this.inline += ' | ';
    } else if (name === 'img' && attrs.alt) this.inline += ` ${attrs.alt} `;
    else if (BLOCKS.has(name)) this.flush();
  }

  close(name: string): void {
    if (name === 'title') this.inTitle = false;
    if (DROPPED.has(name)) {
      this.dropped = Math.max(0, this.dropped - 1);
      return;
    }
    if (this.dropped) return;
    if (this.pre) {
      if (name === 'pre' && --this.pre.depth === 0) {
        const code = this.pre.text.replace(/^\n/, '').replace(/\s+$/, '');
        // A fence longer than any backtick run inside, so the code cannot close it.
        const longest = Math.max(2, ...Array.from(code.matchAll(/`+/g), (m) => m[0].length));
        const fence = '`'.repeat(longest + 1);
        if (code) this.blocks.push({ text: `${fence}${this.pre.lang}\n${code}\n${fence}`, tight: false });
        this.pre = undefined;
      }
      return;
    }
    if (/^h[1-6]$/.test(name) && this.heading) {
      const text = this.inline.replace(/\s+/g, ' ').trim();
      this.inline = '';
      if (text) this.blocks.push({ text: `${'#'.repeat(this.heading)} ${text}`, tight: false });
      this.heading = 0;
    } else if (name === 'code') this.inline += '`';
    else if (name === 'ul' || name === 'ol') {
      this.flush();
      this.lists.pop();
    } else if (name === 'tr') {
      this.flush();
      this.cell = 0;
    } else if (name === 'li' || BLOCKS.has(name)) this.flush();
  }

  text(t: string): void {
    if (this.inTitle) this.title += t;
    if (this.dropped || this.inTitle) return;
    if (this.pre) this.pre.text += t;
    else this.inline += t;
  }

  /** Ends the current paragraph, list item or row. */
  flush(): void {
    const lines = this.inline
      .split('\n')
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    this.inline = '';
    if (lines.length === 0) return;
    const text = escapeLineStarts(lines.join('\n'));
    const tight = this.itemPrefix !== undefined || this.cell > 0;
    this.blocks.push({ text: this.itemPrefix !== undefined ? `${this.itemPrefix}${text}` : text, tight });
    this.itemPrefix = undefined;
  }
}

function languageOf(cls: string | undefined): string {
  return /(?:^|\s)(?:language|lang)-([A-Za-z0-9_+-]{1,32})/.exec(cls ?? '')?.[1] ?? '';
}

export async function htmlToText(html: string): Promise<string> {
  const out = new HtmlToText();
  const parser = new Parser(
    {
      onopentag: (name, attrs) => out.open(name, attrs),
      onclosetag: (name) => out.close(name),
      ontext: (t) => out.text(t),
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  for (let i = 0; i < html.length; i += SLICE_CHARS) {
    parser.write(html.slice(i, i + SLICE_CHARS));
    if (i + SLICE_CHARS < html.length) await new Promise((r) => setImmediate(r));
  }
  parser.end();
  out.flush();
  const title = out.title.replace(/\s+/g, ' ').trim();
  const blocks = !out.hasH1 && title ? [{ text: `# ${title}`, tight: false }, ...out.blocks] : out.blocks;
  return blocks.map((b, i) => (i === 0 ? '' : b.tight && blocks[i - 1]!.tight ? '\n' : '\n\n') + b.text).join('');
}
