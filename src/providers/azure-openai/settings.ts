/**
 * `providers[].options` of an `azure-openai` provider, checked once at start.
 *
 * - `apiVersion`: a dated inference API version (`2024-10-21`, sent as `?api-version=`, with the
 *   deployment name in the path) or `v1` (the `/openai/v1/` surface: OpenAI's paths, the
 *   deployment name in the body's `model`). Versions:
 *   https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
 * - `tenantId`, `clientId`, `clientSecret`: Microsoft Entra ID client credentials (a service
 *   principal with the "Cognitive Services OpenAI User" role); all three or none. Without them
 *   `apiKey` is sent as the `api-key` header.
 * - `authorityHost` (default `https://login.microsoftonline.com`; sovereign clouds and tests),
 *   `scope` (default `https://cognitiveservices.azure.com/.default`).
 */
import { ConfigError } from '../../errors.js';

/** Latest GA data-plane inference version in https://learn.microsoft.com/azure/ai-foundry/openai/reference (2026-12). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface EntraCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  scope: string;
}

export interface AzureOptions {
  /** `v1`, or a dated version such as `2024-10-21`. */
  apiVersion: string;
  entra?: EntraCredentials;
}

const KNOWN = new Set(['apiVersion', 'tenantId', 'clientId', 'clientSecret', 'authorityHost', 'scope']);
const API_VERSION = /^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/;

export function readAzureOptions(options: Record<string, unknown> | undefined): AzureOptions {
  const o = options ?? {};
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw new ConfigError(`options.${k} is not an azure-openai option. Known: ${[...KNOWN].join(', ')}.`);
  }
  const apiVersion = o.apiVersion ?? DEFAULT_AZURE_API_VERSION;
  if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) {
    throw new ConfigError(
      `options.apiVersion must be 'v1' or a dated version such as '${DEFAULT_AZURE_API_VERSION}' or '2025-04-01-preview'.`,
    );
  }
  const str = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new ConfigError(`options.${k} must be a non-empty string.`);
    return v;
  };
  const tenantId = str('tenantId');
  const clientId = str('clientId');
  const clientSecret = str('clientSecret');
  const authorityHost = str('authorityHost');
  const scope = str('scope');
  const given = [tenantId, clientId, clientSecret].filter((v) => v !== undefined).length;
  if (given === 0) {
    if (authorityHost || scope)
      throw new ConfigError('options.authorityHost and options.scope need options.tenantId, clientId and clientSecret.');
    return { apiVersion };
  }
  if (given < 3) {
    throw new ConfigError(
      'options.tenantId, options.clientId and options.clientSecret go together (Microsoft Entra ID client credentials); give all three.',
    );
  }
  if (!/^[A-Za-z0-9.-]+$/.test(tenantId!)) throw new ConfigError('options.tenantId must be a tenant id (GUID) or domain name.');
  if (authorityHost !== undefined && !/^https?:\/\/[^/?#\s]+\/?$/.test(authorityHost)) {
    throw new ConfigError('options.authorityHost must be an origin such as https://login.microsoftonline.com (no path).');
  }
  return {
    apiVersion,
    entra: {
      tenantId: tenantId!,
      clientId: clientId!,
      clientSecret: clientSecret!,
      authorityHost: (authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, ''),
      scope: scope ?? DEFAULT_ENTRA_SCOPE,
    },
  };
}
