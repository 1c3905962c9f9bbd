/**
 * A child AbortSignal that fires when its parent aborts or its timeout passes. Made by hand
 * because `AbortSignal.any([parent, AbortSignal.timeout(ms)])` costs ~25 µs per call on Node 20
 * (timer + weak-ref bookkeeping) against ~1 µs here — it runs once per upstream attempt.
 */
export interface LinkedSignal {
  signal: AbortSignal;
  /**
   * Stops the timeout but keeps following the parent: a committed attempt (a stream that has
   * started) must still be cancelled when the client goes away.
   */
  clearTimer(): void;
  /** Clears the timer and detaches from the parent. */
  dispose(): void;
}

export function linkedSignal(
  parent: AbortSignal,
  timeoutMs: number | undefined,
  timeoutMessage = 'The operation timed out.',
): LinkedSignal {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, clearTimer: () => {}, dispose: () => {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => controller.abort(new DOMException(timeoutMessage, 'TimeoutError')), timeoutMs)
      : undefined;
  return {
    signal: controller.signal,
    clearTimer() {
      if (timer) clearTimeout(timer);
    },
    dispose() {
      if (timer) clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}
