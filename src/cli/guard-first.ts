/**
 * The privacy guard's start-up work, done before the rest of the gateway loads. Its first scanner
 * warms up (compiles the recognizers' patterns, reads the phone metadata, scans a sample text:
 * src/guard/scan.ts), which takes ~1.6 MB from the C heap, most of it scratch memory it frees
 * again. Done first, the module loading that follows reuses that memory; done after (where
 * createGateway builds the guard), the freed memory is left in the middle of the heap and stays in
 * the process's RSS: ~2 MB more, measured after a GC at idle (docs/performance.md, "Memory").
 * The guard built later from the config skips the warm-up, which runs once per process.
 */
export async function warmUpGuardFirst(): Promise<void> {
  const [{ createScanner }, { guardConfigSchema }] = await Promise.all([import('../guard/scan.js'), import('../guard/config.js')]);
  createScanner(guardConfigSchema.parse({}));
}
