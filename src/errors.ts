/**
 * The one error hierarchy. Every failure Meridian reports to a client is a MeridianError; the
 * server renders it once, as the OpenAI error envelope
 * `{"error":{"message","type","code","param"}}` with `status` as the HTTP status.
 *
 * Library code throws these; only the CLI entry point turns an error into an exit code.
 */

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'timeout_error'
  | 'service_unavailable'
  | 'server_error';

export interface MeridianErrorOptions {
  param?: string | null;
  /** Seconds; rendered as a `Retry-After` header. */
  retryAfter?: number;
  cause?: unknown;
  /** Extra response headers (never secrets). */
  headers?: Record<string, string>;
}

export class MeridianError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string;
  readonly param: string | null;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, type: ErrorType, code: string, message: string, opts: MeridianErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = opts.param ?? null;
    this.retryAfter = opts.retryAfter;
    this.headers = opts.headers;
  }

  /** Whether another attempt (same or another deployment) may succeed: 408, 409, 429, 5xx. */
  get isRetryable(): boolean {
    return isRetryableStatus(this.status);
  }

  toJSON(): { error: { message: string; type: string; code: string; param: string | null } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export class InvalidRequestError extends MeridianError {
  constructor(message: string, param: string | null = null, code = 'invalid_request') {
    super(400, 'invalid_request_error', code, message, { param });
  }
}

export class PayloadTooLargeError extends MeridianError {
  constructor(limitBytes: number) {
    super(413, 'invalid_request_error', 'payload_too_large', `Request body exceeds the limit of ${limitBytes} bytes.`);
  }
}

export class AuthenticationError extends MeridianError {
  constructor(message = 'Missing or invalid API key. Send "Authorization: Bearer mk-…".', code = 'invalid_api_key') {
    super(401, 'authentication_error', code, message);
  }
}

export class PermissionDeniedError extends MeridianError {
  constructor(message: string, code = 'permission_denied', param: string | null = null) {
    super(403, 'permission_error', code, message, { param });
  }
}

export class ModelNotFoundError extends MeridianError {
  constructor(model: string, available: string[]) {
    const list = available.length ? ` Available: ${available.slice(0, 50).join(', ')}.` : ' No models are configured.';
    super(404, 'invalid_request_error', 'model_not_found', `The model '${model}' does not exist.${list}`, { param: 'model' });
  }
}

export class NotFoundError extends MeridianError {
  constructor(message: string, code = 'not_found') {
    super(404, 'not_found_error', code, message);
  }
}

export class RateLimitError extends MeridianError {
  constructor(message: string, retryAfter: number | undefined, code = 'rate_limit_exceeded', headers?: Record<string, string>) {
    super(429, 'rate_limit_error', code, message, { retryAfter, headers });
  }
}

export class BudgetExceededError extends MeridianError {
  constructor(message: string, retryAfter?: number) {
    super(429, 'rate_limit_error', 'budget_exceeded', message, { retryAfter });
  }
}

/** A policy says no: the message is the policy's, meant for the client. */
export class PolicyDeniedError extends MeridianError {
  constructor(message: string, code = 'policy_denied') {
    super(403, 'permission_error', code, message);
  }
}

/** No provider can serve the request at all (nothing configured or all excluded). */
export class NoDeploymentError extends MeridianError {
  constructor(message: string, code = 'no_deployment_available', retryAfter?: number) {
    super(503, 'service_unavailable', code, message, { retryAfter });
  }
}

/** Upstream messages may echo the prompt: an UpstreamError keeps at most this many characters. */
export const MAX_UPSTREAM_MESSAGE_CHARS = 500;

/**
 * An upstream answered with an error or could not be reached. `upstreamStatus` is what the
 * upstream said (undefined when it never answered). The message keeps the upstream's own message
 * (at most MAX_UPSTREAM_MESSAGE_CHARS) but never credentials.
 */
export class UpstreamError extends MeridianError {
  readonly upstreamStatus: number | undefined;
  readonly deployment: string | undefined;

  constructor(
    message: string,
    opts: { upstreamStatus?: number; deployment?: string; retryAfter?: number; cause?: unknown; status?: number; code?: string } = {},
  ) {
    const status = opts.status ?? mapUpstreamStatus(opts.upstreamStatus);
    super(status, 'upstream_error', opts.code ?? 'upstream_error', boundMessage(message), {
      retryAfter: opts.retryAfter,
      cause: opts.cause,
    });
    this.upstreamStatus = opts.upstreamStatus;
    this.deployment = opts.deployment;
  }

  /** Retryability follows what the upstream said; an upstream that never answered is retryable. */
  override get isRetryable(): boolean {
    return this.upstreamStatus === undefined || isRetryableStatus(this.upstreamStatus);
  }
}

function boundMessage(message: string): string {
  return message.length <= MAX_UPSTREAM_MESSAGE_CHARS ? message : message.slice(0, MAX_UPSTREAM_MESSAGE_CHARS - 1) + '…';
}

/** Client errors from the upstream (400, 404, 422…) are passed through as-is; the rest are 502. */
function mapUpstreamStatus(upstream: number | undefined): number {
  if (upstream === undefined) return 502;
  if (upstream === 429) return 429;
  if (upstream >= 400 && upstream < 500 && upstream !== 401 && upstream !== 403 && upstream !== 408) return upstream;
  return 502;
}

export class UpstreamTimeoutError extends MeridianError {
  readonly deployment: string | undefined;
  constructor(message: string, deployment?: string) {
    super(504, 'timeout_error', 'upstream_timeout', message);
    this.deployment = deployment;
  }
  override get isRetryable(): boolean {
    return true;
  }
}

/**
 * A shared store (PostgreSQL, Redis) cannot answer in time. Rendered as 503 `store_unavailable`
 * (never a generic 500), so clients retry and load balancers see the replica as not ready.
 */
export class StoreUnavailableError extends MeridianError {
  constructor(message = 'The gateway cannot reach its store right now; retry shortly.', cause?: unknown) {
    super(503, 'service_unavailable', 'store_unavailable', message, { retryAfter: 1, cause });
  }
}

/**
 * No deployment of the alias can serve what the request needs (tools, vision, JSON schema,
 * context window…): a client error naming the capability, not a retryable 503.
 */
export class CapabilityError extends MeridianError {
  constructor(message: string, capability: string) {
    super(400, 'invalid_request_error', 'capability_unsupported', message, { param: capability });
  }
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Wraps anything thrown into a MeridianError (500) without leaking internals. */
export function toMeridianError(err: unknown): MeridianError {
  if (err instanceof MeridianError) return err;
  return new MeridianError(500, 'server_error', 'internal_error', 'Internal error in the gateway. See the gateway log for details.', {
    cause: err,
  });
}
