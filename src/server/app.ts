/**
 * The HTTP server: one route table, one request context per request, one error renderer.
 * Built on node:http directly because the hot path must add well under a millisecond.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { NotFoundError, MeridianError } from '../errors.js';
import { clientIdOf, type RequestContext } from '../gateway/context.js';
import { describeCause } from '../gateway/pipeline.js';
import type { GatewayServices } from '../gateway/services.js';
import { sendError, sendErrorAs } from './http-util.js';
import { createRequestChecks, type RequestChecks } from './request-checks.js';
import { compileRoutes, type RouteMatcher } from './route-match.js';

export type RouteHandler = (g: GatewayServices, ctx: RequestContext) => Promise<void> | void;

/**
 * Who may call a route: `public` (anyone who passes the Host/Origin checks), `key` (a virtual
 * key when auth is on), `master` (the handler checks the master key itself: the admin API).
 */
export type RouteAccess = 'public' | 'key' | 'master';

export interface Route {
  handler: RouteHandler;
  access: RouteAccess;
  /** The wire format's error body, for failures before and inside the handler (default: OpenAI's envelope). */
  errorFormat?: (e: MeridianError) => unknown;
  /** What the body is: JSON (default) or `multipart/form-data` (audio uploads; the Origin check still applies). */
  body?: 'json' | 'multipart';
}

/** `METHOD /path` → route; a path may have `{name}` segments (`GET /v1/responses/{id}`, see route-match.ts). */
export type RouteTable = Map<string, Route>;

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

/**
 * `lease` gives each request the generation of services current when it arrives; the server's own
 * limits (timeouts, connections, hosts, CORS) come from the config it starts with (restart to change).
 */
export function createApp(lease: ServicesLease, opts: AppOptions): AppServer {
  const initial = lease();
  const { config, logger } = initial.services;
  initial.release();
  const limits = config.server;
  let inflight = 0;
  let idleWaiters: Array<() => void> = [];
  let boundAddress: string | undefined;
  const checks = createRequestChecks(limits, () => boundAddress);
  const matcher = compileRoutes(opts.routes);
  const server = createServer(
    {
      // Node closes a connection whose headers (or whole request) have not arrived in time, and
      // checks every `connectionsCheckingInterval`: keep that a fraction of the shortest timeout.
      // The request timeout covers receiving the request only, never the (streamed) response.
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(25, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      // Counted until the handler returns, not until the socket closes: after the response is sent
      // a handler still settles budgets and appends to the request log.
      inflight++;
      const taken = lease();
      void handle(taken.services, opts, checks, matcher, req, res).finally(() => {
        taken.release();
        if (--inflight > 0) return;
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      });
    },
  );
  // Beyond this node closes new connections at once (before reading a byte), so idle or hostile
  // clients cannot use up the process's file descriptors.
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => logger.warn({ maxConnections: limits.maxConnections }, 'connection refused: server.maxConnections reached'));
  // Requests node cannot parse (headers over its 16 KiB limit, malformed HTTP) get the error
  // envelope too, never a bare status line, and the connection is closed.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = tooLarge ? 431 : timeout ? 408 : 400;
    const e = new MeridianError(
      status,
      'invalid_request_error',
      tooLarge ? 'headers_too_large' : timeout ? 'request_timeout' : 'bad_request',
      tooLarge
        ? 'The request headers are larger than the server accepts (16 KiB).'
        : timeout
          ? 'The request took too long to arrive.'
          : 'The request is not valid HTTP.',
    );
    // The route's own envelope when the request line was read (Anthropic's on /v1/messages).
    const line = /^([A-Z]+) ([^ ?]+)/.exec(err.rawPacket?.subarray(0, 256).toString('latin1') ?? '');
    const format = line ? matcher.match(line[1], line[2]!)?.route.errorFormat : undefined;
    const body = JSON.stringify(format ? format(e) : e.toJSON());
    const reason = tooLarge ? 'Request Header Fields Too Large' : timeout ? 'Request Timeout' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  server.on('listening', () => {
    const addr = server.address();
    boundAddress = typeof addr === 'object' && addr ? (addr as AddressInfo).address : undefined;
  });
  Object.defineProperty(server, 'inflight', { get: () => inflight });
  Object.defineProperty(server, 'idle', {
    value: () => (inflight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  });
  return server as AppServer;
}

async function handle(
  g: GatewayServices,
  opts: AppOptions,
  checks: RequestChecks,
  matcher: RouteMatcher,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const matched = matcher.match(req.method, path);
  const route = matched?.route;
  const requestId = randomUUID();
  const clientRequestId = clientIdOf(req.headers['x-request-id']);
  const episode = clientIdOf(req.headers['x-meridian-episode']);
  res.setHeader('x-request-id', requestId);
  try {
    // A CORS preflight; an OPTIONS without Origin is no preflight and gets the usual 404.
    const methods = req.method === 'OPTIONS' && req.headers.origin !== undefined ? matcher.methods(path) : undefined;
    if (methods) {
      checks.preflight(req, res, methods);
      return;
    }
    checks.checkSource(req, res);
    if (!route) throw new NotFoundError(`Unknown route ${req.method} ${path.slice(0, 200)}.`, 'unknown_route');
  } catch (err) {
    fail(res, route, err);
    return;
  }
  if (opts.isDraining?.()) {
    res.setHeader('connection', 'close');
    fail(
      res,
      route,
      new MeridianError(503, 'service_unavailable', 'shutting_down', 'The gateway is shutting down; retry on another replica.', {
        retryAfter: 1,
      }),
    );
    return;
  }
  const controller = new AbortController();
  // `on`, not `once`: a response closes once, and `once` wraps the listener in two more objects.
  res.on('close', () => {
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
  // Set only when present (no spread of a throw-away object per request).
  if (clientRequestId !== undefined) ctx.clientRequestId = clientRequestId;
  if (episode !== undefined) ctx.episode = episode;
  for (const _ in matched!.params) {
    ctx.params = matched!.params;
    break;
  }
  const counted = route.access === 'key' && g.metrics !== undefined;
  if (counted) g.metrics!.inflight(1);
  try {
    checks.checkContentType(req, route.body);
    if (route.access === 'key' && g.auth) ctx.principal = await g.auth.authenticate(req);
    await route.handler(g, ctx);
  } catch (err) {
    const e = fail(res, route, err);
    if (e.status >= 500) g.logger.error({ requestId, err: describeCause(g, err) }, 'unhandled error');
  } finally {
    if (counted) g.metrics!.inflight(-1);
  }
}

/** Renders a failure in the route's own envelope (OpenAI's when the route has none or is unknown). */
function fail(res: ServerResponse, route: Route | undefined, err: unknown): MeridianError {
  return route?.errorFormat ? sendErrorAs(res, err, route.errorFormat) : sendError(res, err);
}
