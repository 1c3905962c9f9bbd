/**
 * The HTTP server: one route table, one request context per request, one error renderer.
 * Built on node:http directly because the hot path must add well under a millisecond.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { NotFoundError, MeridianError } from '../errors.js';
import { clientRequestIdOf, type RequestContext } from '../gateway/context.js';
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

/** The server plus what a graceful shutdown needs to know. */
export type AppServer = Server & {
  /** Handlers running now. */
  readonly inflight: number;
  /** Resolves once no handler is running. */
  idle(): Promise<void>;
};

/** The services a request runs on, taken when it arrives and released when its handler returns. */
export type ServicesLease = () => { services: GatewayServices; release(): void };

export function createApp(lease: ServicesLease, opts: AppOptions): AppServer {
  let inflight = 0;
  let idleWaiters: Array<() => void> = [];
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    // Counted until the handler returns, not until the socket closes: after the response is sent
    // a handler still settles budgets and appends to the request log.
    inflight++;
    const taken = lease();
    void handle(taken.services, opts, req, res).finally(() => {
      taken.release();
      if (--inflight > 0) return;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    });
  });
  Object.defineProperty(server, 'inflight', { get: () => inflight });
  Object.defineProperty(server, 'idle', {
    value: () => (inflight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  });
  return server as AppServer;
}

async function handle(g: GatewayServices, opts: AppOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const handler = opts.routes.get(`${req.method} ${path}`);
  const requestId = randomUUID();
  const clientRequestId = clientRequestIdOf(req.headers['x-request-id']);
  res.setHeader('x-request-id', requestId);
  if (!handler) {
    sendError(res, new NotFoundError(`Unknown route ${req.method} ${path}.`, 'unknown_route'));
    return;
  }
  if (opts.isDraining?.()) {
    res.setHeader('connection', 'close');
    sendError(
      res,
      new MeridianError(503, 'service_unavailable', 'shutting_down', 'The gateway is shutting down; retry on another replica.', {
        retryAfter: 1,
      }),
    );
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
    ...(clientRequestId !== undefined ? { clientRequestId } : {}),
    start: performance.now(),
    time: new Date().toISOString(),
    signal: controller.signal,
    principal: {},
  };
  try {
    // The dashboard's static files are public (no data in them); the admin API checks the master key itself.
    const isPublic = path === '/healthz' || path === '/readyz' || path === '/metrics' || path === '/ui' || path.startsWith('/ui/');
    if (g.auth && !path.startsWith('/admin/') && !isPublic) {
      ctx.principal = await g.auth.authenticate(req);
    }
    await handler(g, ctx);
  } catch (err) {
    const e = sendError(res, err);
    if (e.status >= 500) g.logger.error({ requestId, err }, 'unhandled error');
  }
}
