/**
 * Route handlers whose module loads on the first request they serve. Endpoints that most gateways
 * never see (audio, retrieval, Ollama's and Anthropic's wires, stored responses, feedback) would
 * otherwise load their modules and libraries at start-up (music-metadata, htmlparser2, their zod
 * schemas): ~8 MB of RSS in every process (docs/performance.md, "Memory"). The first call waits for
 * one `import()`; every later one calls the handler directly.
 */
import type { RouteHandler } from '../server/app.js';

export function lazyHandler<M>(load: () => Promise<M>, pick: (module: M) => RouteHandler): RouteHandler {
  let handler: RouteHandler | undefined;
  let loading: Promise<RouteHandler> | undefined;
  return async (g, ctx) => {
    // A failed import is not remembered: the next request tries again.
    handler ??= await (loading ??= load().then(pick, (err: unknown) => {
      loading = undefined;
      throw err;
    }));
    return handler(g, ctx);
  };
}
