/**
 * `providers[].options` of a `vertex` provider, checked once at start.
 *
 * - `project`: the Google Cloud project id (default: the service account's `project_id`).
 * - `region`: the Vertex AI location, e.g. `europe-west4`, `us-central1` or `global`
 *   (https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations). Required: where the
 *   data is processed is the point of a private deployment.
 * - `credentialsFile` (path to a service-account key JSON) or `credentials` (the same JSON, as an
 *   object or a string): exactly one.
 * - `tokenUri` (default: the key's `token_uri`), `scope` (default cloud-platform).
 * - `structuredOutputField`: as for `gemini` (`responseJsonSchema` | `responseSchema`).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.js';

export const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const DEFAULT_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The fields of a service-account key file Meridian uses (https://cloud.google.com/iam/docs/keys-create-delete). */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  project_id?: string;
  token_uri?: string;
}

export interface VertexOptions {
  project: string;
  region: string;
  key: ServiceAccountKey;
  /** The parsed private key (checked at start: a bad key is a config error, not a failure per request). */
  privateKey: KeyObject;
  tokenUri: string;
  scope: string;
  structuredOutputField: 'responseJsonSchema' | 'responseSchema';
}

const KNOWN = new Set(['project', 'region', 'credentialsFile', 'credentials', 'tokenUri', 'scope', 'structuredOutputField']);
/** Project ids: 6–30 lowercase letters, digits, hyphens (https://cloud.google.com/resource-manager/docs/creating-managing-projects). */
const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^(global|[a-z]+-[a-z]+\d+)$/;

export function readVertexOptions(options: Record<string, unknown> | undefined): VertexOptions {
  const o = options ?? {};
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw new ConfigError(`options.${k} is not a vertex option. Known: ${[...KNOWN].join(', ')}.`);
  }
  const key = readKey(o.credentialsFile, o.credentials);
  const project = o.project ?? key.project_id;
  if (typeof project !== 'string' || !PROJECT.test(project)) {
    throw new ConfigError(`options.project must be a Google Cloud project id such as 'my-project-123' (the key file names none).`);
  }
  if (typeof o.region !== 'string' || !REGION.test(o.region)) {
    throw new ConfigError(`options.region must be a Vertex AI location such as 'europe-west4', 'us-central1' or 'global'.`);
  }
  const tokenUri = o.tokenUri ?? key.token_uri ?? DEFAULT_TOKEN_URI;
  if (typeof tokenUri !== 'string' || !/^https?:\/\/[^\s]+$/.test(tokenUri))
    throw new ConfigError('options.tokenUri must be an http(s) URL.');
  const scope = o.scope ?? DEFAULT_SCOPE;
  if (typeof scope !== 'string' || scope === '') throw new ConfigError('options.scope must be a non-empty string.');
  const field = o.structuredOutputField ?? 'responseJsonSchema';
  if (field !== 'responseJsonSchema' && field !== 'responseSchema') {
    throw new ConfigError(`options.structuredOutputField must be 'responseJsonSchema' or 'responseSchema'.`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key.private_key);
  } catch {
    // Never quote the key or the parser's message (it may include key material).
    throw new ConfigError(`options.credentials: the service account's private_key is not a valid PEM key.`);
  }
  return { project, region: o.region, key, privateKey, tokenUri, scope, structuredOutputField: field };
}

/** Never quotes the key's content in a message: it holds the private key. */
function readKey(file: unknown, inline: unknown): ServiceAccountKey {
  if ((file === undefined) === (inline === undefined)) {
    throw new ConfigError(
      'options.credentialsFile (path to a service-account key JSON) or options.credentials (its content): give exactly one.',
    );
  }
  let raw: unknown = inline;
  const where = file !== undefined ? 'options.credentialsFile' : 'options.credentials';
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') throw new ConfigError('options.credentialsFile must be a file path.');
    try {
      raw = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`options.credentialsFile: cannot read '${file}' (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  }
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new ConfigError(`${where} is not valid JSON (expected a service-account key file).`);
    }
  }
  const k = raw as Partial<ServiceAccountKey> & { type?: unknown };
  if (k === null || typeof k !== 'object' || (k.type !== undefined && k.type !== 'service_account')) {
    throw new ConfigError(`${where} must be a service-account key ("type": "service_account").`);
  }
  if (typeof k.client_email !== 'string' || !k.client_email.includes('@')) throw new ConfigError(`${where} has no client_email.`);
  if (typeof k.private_key !== 'string' || !k.private_key.includes('PRIVATE KEY'))
    throw new ConfigError(`${where} has no PEM private_key.`);
  return {
    client_email: k.client_email,
    private_key: k.private_key,
    ...(typeof k.private_key_id === 'string' ? { private_key_id: k.private_key_id } : {}),
    ...(typeof k.project_id === 'string' ? { project_id: k.project_id } : {}),
    ...(typeof k.token_uri === 'string' ? { token_uri: k.token_uri } : {}),
  };
}
