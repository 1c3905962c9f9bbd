/**
 * The HTTP server: one route table, one request context per request, one error renderer.
 * Built on node:http directly because the hot path must add well under a millisecond.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { NotFoundError, MeridianError } from '../errors.js';
import type { RequestContext } from '../gateway/context.js';
import type { GatewayServices } from '../gateway/services.js';
import { sendError } from './http-util.js';

export type RouteHandler = (g: GatewayServices, ctx: RequestContext) => Promise<void> | void;

/** `METHOD /path` → handler. */
export type RouteTable = Map<string, RouteHandler>;

export interface AppOptions {
  routes: RouteTable;
  /** Called when the server starts draining (SIGTERM): new requests get 503. */
  isDraining?: () => boolean;
}

export function createApp(g: GatewayServices, opts: AppOptions): Server {
  let inflight = 0;
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    inflight++;
    res.once('close', () => inflight--);
    void handle(g, opts, req, res);
  });
  Object.defineProperty(server, 'inflight', { get: () => inflight });
  return server;
}

async function handle(g: GatewayServices, opts: AppOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const handler = opts.routes.get(`${req.method} ${path}`);
  const incomingId = req.headers['x-request-id'];
  const requestId = typeof incomingId === 'string' && incomingId.length <= 128 ? incomingId : randomUUID();
  res.setHeader('x-request-id', requestId);
  if (!handler) {
    sendError(res, new NotFoundError(`Unknown route ${req.method} ${path}.`, 'unknown_route'));
    return;
  }
  if (opts.isDraining?.()) {
    res.setHeader('connection', 'close');
    sendError(res, new MeridianError(503, 'service_unavailable', 'shutting_down', 'The gateway is shutting down; retry on another replica.', { retryAfter: 1 }));
    return;
  }
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
  });
  const ctx: RequestContext = {
    req,
    res,
    requestId,
    start: performance.now(),
    time: new Date().toISOString(),
    signal: controller.signal,
    principal: {},
  };
  try {
    if (g.auth && !path.startsWith('/admin/') && path !== '/healthz' && path !== '/readyz' && path !== '/metrics') {
      ctx.principal = await g.auth.authenticate(req);
    }
    await handler(g, ctx);
  } catch (err) {
    const e = sendError(res, err);
    if (e.status >= 500) g.logger.error({ requestId, err }, 'unhandled error');
  }
}
