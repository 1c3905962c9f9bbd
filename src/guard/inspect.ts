/**
 * Inspects a ChatRequest: scans every string sent upstream, without holding the event loop, and
 * asks the configured back-ends (guard.backends) about the same strings; a back-end that fails
 * closed makes the whole inspection a `guard_error`.
 */
import type { ChatRequest } from '../api/types.js';
import type { GuardAction, GuardConfig } from './config.js';
import { backendFilter, insideBackendCall, mergeFindings, runBackends, type RecognizerBackend } from './backends/index.js';
import { requestTexts } from './request-texts.js';
import { SLICE_CHARS, type Scanner } from './scan.js';
import { mentionNeedles, propagateInText } from './propagate.js';
import { addSeamFindings } from './seams.js';
import type { Finding, Inspection, LocatedFinding } from './types.js';

/** Requests up to this many characters get mention propagation (one indexOf per found value per text). */
export const PROPAGATE_MAX_CHARS = 256 * 1024;

const STRICTNESS: Record<GuardAction, number> = { allow: 0, pseudonymize: 1, 'local-only': 2, block: 3 };

/** The stricter of two actions: block > local-only > pseudonymize > allow. */
export function stricterAction(a: GuardAction, b: GuardAction): GuardAction {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}

/** Lets timers and I/O run; rejects with the abort reason once `signal` aborts. */
function yieldToEventLoop(signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve) => setImmediate(resolve));
}

export async function inspectRequest(
  request: ChatRequest,
  scanner: Scanner,
  config: GuardConfig,
  signal?: AbortSignal,
  backends: readonly RecognizerBackend[] = [],
): Promise<Inspection> {
  if (!config.enabled) return { findings: [], counts: {}, action: 'allow' };
  // Stops back-ends still running when the scan fails or another back-end already failed; made
  // only when back-ends run (aborting a controller builds a DOMException: not on every request).
  let stopBackends: AbortController | undefined;
  try {
    const texts = requestTexts(request);
    let total = 0;
    for (const t of texts) total += t.text.length;
    // Bounded work per request: beyond the limit nothing is scanned, and the request fails closed.
    if (total > config.maxScanChars) return { findings: [], counts: { unscannable: 1 }, action: config.unscannableAction };

    // Back-ends are I/O: they run while the built-in scan uses the CPU, so their cost is the
    // difference, not the sum. Settled into a value so a failure is never an unhandled rejection.
    if (backends.length > 0 && !insideBackendCall()) stopBackends = new AbortController();
    const backendRun =
      stopBackends === undefined
        ? undefined
        : runBackends(
            backends,
            texts.map((t) => t.text),
            signal ? AbortSignal.any([signal, stopBackends.signal]) : stopBackends.signal,
          ).then(
            (found) => ({ found }),
            (error: unknown) => ({ error }),
          );

    let perText: Finding[][] = [];
    let sinceYield = 0;
    for (const { text, path } of texts) {
      const steps = scanner.scanSteps(text, (f): LocatedFinding => ({
        type: f.type,
        start: f.start,
        end: f.end,
        score: f.score,
        value: f.value,
        path,
      }));
      let step = steps.next();
      while (!step.done) {
        await yieldToEventLoop(signal);
        step = steps.next();
      }
      perText.push(step.value);
      sinceYield += text.length;
      if (sinceYield >= SLICE_CHARS) {
        sinceYield = 0;
        await yieldToEventLoop(signal);
      }
    }
    if (backendRun) {
      const outcome = await backendRun;
      if ('error' in outcome) throw outcome.error;
      const keep = backendFilter(config);
      perText = perText.map((own, i) =>
        mergeFindings(
          own,
          outcome.found.map((byText) => byText[i] ?? []),
          keep,
        ),
      );
    }
    perText = addSeamFindings(texts, perText, scanner);
    // Every other mention of a value found anywhere in the request is masked too (bounded: above
    // PROPAGATE_MAX_CHARS the search for repeats would hold the event loop, and the scan stands alone).
    const located = total <= PROPAGATE_MAX_CHARS ? await propagateAcross(texts, perText, signal) : perText;
    const findings: LocatedFinding[] = [];
    const counts: Record<string, number> = {};
    located.forEach((list, i) => {
      const path = texts[i]!.path;
      for (const f of list) {
        findings.push({ type: f.type, start: f.start, end: f.end, score: f.score, value: f.value, path });
        counts[f.type] = (counts[f.type] ?? 0) + 1;
      }
    });
    let action: GuardAction = 'allow';
    for (const type of Object.keys(counts)) action = stricterAction(action, config.actions[type] ?? config.defaultAction);
    return { findings, counts, action };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    // Fail closed: an unscannable request never leaves for a cloud deployment.
    return { findings: [], counts: { guard_error: 1 }, action: 'local-only' };
  } finally {
    stopBackends?.abort();
  }
}

/** Search work (characters × values) between two yields while propagating mentions. */
const PROPAGATE_WORK_PER_YIELD = 4_000_000;

/** Mention propagation text by text, yielding so a request with many texts never holds the loop. */
async function propagateAcross(
  texts: ReadonlyArray<{ text: string }>,
  perText: readonly Finding[][],
  signal: AbortSignal | undefined,
): Promise<Finding[][]> {
  const needles = mentionNeedles(perText);
  const out: Finding[][] = [];
  let work = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!.text;
    out.push(propagateInText(text, perText[i] ?? [], needles));
    work += (text.length + 64) * needles.length;
    if (work >= PROPAGATE_WORK_PER_YIELD) {
      work = 0;
      await yieldToEventLoop(signal);
    }
  }
  return out;
}
