/**
 * Signed requests to Bedrock. Every request is signed with AWS Signature Version 4 by the SDK's
 * own signer (`@smithy/signature-v4`, signing name `bedrock` for both the runtime and the control
 * plane), over the exact path, query, `host`, `content-type` and body that go on the wire
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 * Headers added afterwards (providers[].headers, `traceparent`) are sent unsigned, which SigV4 allows.
 *
 * Errors follow the AWS JSON protocol: the status, the error type in `x-amzn-ErrorType` (or the
 * body's `__type`) and `{"message"}` (https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html).
 * Messages are scrubbed of the secret key, the session token, the access key id and any
 * `Signature=` value before they leave this module: AWS echoes the credential scope and the
 * string to sign in signature errors.
 */
import type { Dispatcher } from 'undici';
import { MeridianError, UpstreamError } from '../../errors.js';
import { parseRetryAfter, scrubSecrets, transportError, type UpstreamResponse } from '../shared/http.js';
import { currentCallHeaders } from '../shared/trace-headers.js';
import type { ProviderHandle } from '../spec.js';
import { AwsCredentialsError, loadAwsIdentity, type AwsCredentials, type AwsIdentity } from './aws-credentials.js';
import { readBedrockSettings } from './settings.js';
import { loadSigning } from './smithy.js';

/** Signing name of Bedrock's runtime and control-plane endpoints. */
export const BEDROCK_SIGNING_SERVICE = 'bedrock';

/** Credentials are read again after this long, so rotated keys and refreshed session tokens are picked up. */
const IDENTITY_TTL_MS = 5 * 60_000;

const identities = new WeakMap<ProviderHandle, { expires: number; identity: Promise<AwsIdentity> }>();

/** The provider's credentials and region (cached for IDENTITY_TTL_MS; a failure is not cached). */
export function identityFor(provider: ProviderHandle, deployment?: string): Promise<AwsIdentity> {
  const cached = identities.get(provider);
  if (cached && cached.expires > Date.now()) return cached.identity;
  const settings = readBedrockSettings(provider.config.options);
  const identity = loadAwsIdentity({
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.region ? { region: settings.region } : {}),
  }).catch((err: unknown) => {
    identities.delete(provider);
    const why =
      err instanceof AwsCredentialsError ? err.message : `the AWS shared config files could not be read (${(err as Error).message})`;
    throw new UpstreamError(`Provider '${provider.id}': ${why}`, { deployment, status: 502, code: 'upstream_credentials' });
  });
  identities.set(provider, { expires: Date.now() + IDENTITY_TTL_MS, identity });
  return identity;
}

export interface BedrockCall {
  method?: 'GET' | 'POST';
  /** `runtime` (bedrock-runtime: Converse, InvokeModel) or `control` (bedrock: ListFoundationModels). */
  plane?: 'runtime' | 'control';
  /** Path below the endpoint, already percent-encoded (`/model/us.anthropic…/converse`). */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  accept?: string;
  signal: AbortSignal;
  deployment?: string;
}

/** The endpoint a call goes to: an override from options/baseUrl, else the regional AWS endpoint. */
export function endpointFor(provider: ProviderHandle, plane: 'runtime' | 'control', region: string): string {
  const settings = readBedrockSettings(provider.config.options);
  if (plane === 'control') return settings.controlEndpoint ?? `https://bedrock.${region}.amazonaws.com`;
  return settings.endpoint ?? (provider.config.baseUrl?.replace(/\/+$/, '') || `https://bedrock-runtime.${region}.amazonaws.com`);
}

/** Signs and sends one request; returns the open response when the status is 2xx, throws an UpstreamError otherwise. */
export async function bedrockRequest(provider: ProviderHandle, call: BedrockCall): Promise<UpstreamResponse> {
  const { credentials, region } = await identityFor(provider, call.deployment);
  const where = call.deployment ?? provider.id;
  const url = new URL(endpointFor(provider, call.plane ?? 'runtime', region));
  const path = url.pathname.replace(/\/+$/, '') + call.path;
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const query = call.query ?? {};
  const toSign: Record<string, string> = { host: url.host };
  if (body !== undefined) toSign['content-type'] = 'application/json';
  if (call.accept) toSign.accept = call.accept;
  const { SignatureV4, Sha256 } = await loadSigning();
  const signer = new SignatureV4({ service: BEDROCK_SIGNING_SERVICE, region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: call.method ?? (body === undefined ? 'GET' : 'POST'),
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path,
    query,
    headers: toSign,
    ...(body !== undefined ? { body } : {}),
  });
  const search = new URLSearchParams(query).toString();
  let res: Dispatcher.ResponseData;
  try {
    res = await provider.http.request({
      origin: url.origin,
      path: search ? `${path}?${search}` : path,
      method: signed.method as 'GET' | 'POST',
      headers: { ...provider.config.headers, ...(signed.headers as Record<string, string>), ...currentCallHeaders() },
      body,
      signal: call.signal,
    });
  } catch (err) {
    if (call.signal.aborted || err instanceof MeridianError) throw transportError(err, call.signal, provider, call.deployment);
    const e = err as { code?: string; cause?: { code?: string } };
    throw new UpstreamError(`Could not reach '${where}' at ${url.origin} (${e.code ?? e.cause?.code ?? 'UPSTREAM_ERROR'}).`, {
      deployment: call.deployment,
      cause: err,
    });
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res;
  let text = '';
  try {
    text = await res.body.text();
  } catch {
    // the status alone is the message
  }
  const { type, message } = awsError(res.headers['x-amzn-errortype'], text);
  const detail = `${type ? `${type}: ` : ''}${message || 'no message'}`;
  throw new UpstreamError(scrubAws(`Upstream '${where}' returned ${res.statusCode} ${detail}`, credentials, provider), {
    upstreamStatus: res.statusCode,
    deployment: call.deployment,
    retryAfter: parseRetryAfter(res.headers['retry-after']),
    ...(res.statusCode === 429 ? { code: 'upstream_throttled' } : {}),
  });
}

/** The AWS JSON-protocol error: type from `x-amzn-ErrorType` (`ValidationException:http://…`) or `__type` (`ns#Type`). */
export function awsError(header: string | string[] | undefined, text: string): { type?: string; message: string } {
  let type = (Array.isArray(header) ? header[0] : header)?.split(':')[0]?.trim() || undefined;
  let message = text.slice(0, 2000);
  try {
    const j = JSON.parse(text) as { message?: unknown; Message?: unknown; __type?: unknown };
    const m = typeof j.message === 'string' ? j.message : typeof j.Message === 'string' ? j.Message : undefined;
    if (m !== undefined) message = m;
    if (!type && typeof j.__type === 'string') type = j.__type.split('#').pop()?.split(':')[0] || undefined;
  } catch {
    // not JSON: keep the text
  }
  return type ? { type, message } : { message };
}

/**
 * Removes the secret key, session token and access key id (kept to its first 4 characters, which
 * only name the key type: AKIA long-term, ASIA temporary) and any SigV4 signature from a message.
 */
export function scrubAws(message: string, credentials: AwsCredentials | undefined, provider?: ProviderHandle): string {
  let out = message;
  for (const secret of [credentials?.secretAccessKey, credentials?.sessionToken]) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  const id = credentials?.accessKeyId;
  if (id && id.length >= 8) out = out.split(id).join(`${id.slice(0, 4)}***`);
  out = out.replace(/(Signature=)[0-9a-f]{16,}/gi, '$1***').replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '$1***');
  return scrubSecrets(out, provider);
}
