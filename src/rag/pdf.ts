/**
 * PDF → text with unpdf (PDF.js), page by page. Headings cannot be recovered from a PDF's text
 * layer, so a page's lines become paragraphs and pages are separated by a blank line. unpdf is
 * loaded on the first PDF only: PDF.js is several megabytes the gateway otherwise never needs.
 */
import { InvalidRequestError } from '../errors.js';
import { escapeLineStarts } from './text-lines.js';

export interface PdfLimits {
  maxPages: number;
  /** Extraction stops with an error past this many characters of text. */
  maxChars: number;
}

/** A 400 that names what is wrong with the file; PDF.js's own messages are not passed on. */
function unreadable(problem: string): InvalidRequestError {
  return new InvalidRequestError(`The PDF cannot be ingested: ${problem}`, 'data', 'unreadable_document');
}

function explain(err: unknown): InvalidRequestError {
  if (err instanceof InvalidRequestError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return unreadable('it is encrypted (password-protected); decrypt it first.');
  if (name === 'InvalidPDFException') return unreadable('it is damaged or not a PDF (invalid structure).');
  return unreadable('its content is damaged (the text of a page could not be read).');
}

export async function pdfText(bytes: Uint8Array, limits: PdfLimits, signal?: AbortSignal): Promise<{ text: string; pages: number }> {
  if (bytes.length === 0) throw unreadable('the file is empty.');
  const { getDocumentProxy } = await import('unpdf');
  // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
  const data = new Uint8Array(bytes);
  let doc: Awaited<ReturnType<typeof getDocumentProxy>> | undefined;
  try {
    // verbosity 0: PDF.js logs warnings about damaged files to the console (the 400 says what matters).
    // Errors inside a page are not fatal: the text PDF.js can still read is worth more than none.
    doc = await getDocumentProxy(data, { verbosity: 0 });
    if (doc.numPages === 0) throw unreadable('it has no pages.');
    if (doc.numPages > limits.maxPages) {
      throw new InvalidRequestError(`The PDF has ${doc.numPages} pages; the limit is ${limits.maxPages}.`, 'data', 'document_too_large');
    }
    const pages: string[] = [];
    let chars = 0;
    for (let n = 1; n <= doc.numPages; n++) {
      signal?.throwIfAborted();
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const text = content.items
        .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
        .join('')
        .replace(/[^\S\n]+/g, ' ')
        .replace(/ ?\n ?/g, '\n')
        .trim();
      page.cleanup();
      chars += text.length;
      if (chars > limits.maxChars) {
        throw new InvalidRequestError(`The PDF's text exceeds ${limits.maxChars} characters.`, 'data', 'document_too_large');
      }
      if (text) pages.push(escapeLineStarts(text));
      // Each page is parsed synchronously: yield between pages so a long PDF never holds the event loop.
      await new Promise((r) => setImmediate(r));
    }
    if (pages.length === 0) throw unreadable('it has no text layer (a scanned document needs OCR first).');
    return { text: pages.join('\n\n'), pages: doc.numPages };
  } catch (err) {
    if (signal?.aborted) throw err;
    throw explain(err);
  } finally {
    await doc?.loadingTask.destroy().catch(() => undefined);
  }
}
