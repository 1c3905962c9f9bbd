/**
 * The fake upstream's long-stream mode, shared by the upstream and the client that counts
 * tokens: a streamed request with `max_tokens: N` (N ≤ MAX_LONG_STREAM_TOKENS) is answered with N
 * content chunks, each carrying this text.
 */
export const LONG_STREAM_TOKEN = ' tk';
export const MAX_LONG_STREAM_TOKENS = 100_000;
/** Events per socket write: a model emits one token per event, but 2,000 writes per answer would bench the upstream's syscalls. */
export const LONG_STREAM_EVENTS_PER_WRITE = 10;
