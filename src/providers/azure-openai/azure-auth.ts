/**
 * Azure OpenAI authentication: the `api-key` header, or a Microsoft Entra ID access token from
 * the OAuth 2.0 client-credentials flow sent as `Authorization: Bearer`.
 * https://learn.microsoft.com/azure/ai-foundry/openai/reference#authentication ,
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
import { UpstreamError } from '../../errors.js';
import { addSecret } from '../shared/http.js';
import { requestToken, TokenCache } from '../shared/oauth-token.js';
import type { ProviderConfig, ProviderHandle } from '../spec.js';
import type { AzureOptions, EntraCredentials } from './settings.js';

/** Entra tokens live 60–90 minutes; fetch a new one 5 minutes before (as MSAL does). */
const REFRESH_MARGIN_MS = 5 * 60_000;

export class AzureAuth {
  private readonly caches = new WeakMap<ProviderConfig, TokenCache>();

  constructor(private readonly now: () => number) {}

  async headers(provider: ProviderHandle, opts: AzureOptions, signal: AbortSignal): Promise<Record<string, string>> {
    if (opts.entra) return { authorization: `Bearer ${await this.cache(provider, opts.entra).get(signal)}` };
    const key = provider.config.apiKey;
    if (key) return { 'api-key': key };
    // Azure refuses anonymous calls: say what to configure instead of relaying its 401.
    throw new UpstreamError(
      `Provider '${provider.id}' has no credentials: set apiKey, or options.tenantId, clientId and clientSecret (Microsoft Entra ID).`,
      { upstreamStatus: 401, code: 'upstream_auth_failed' },
    );
  }

  /** The upstream refused the token (401): the next call fetches a new one. */
  refused(provider: ProviderHandle): void {
    this.caches.get(provider.config)?.invalidate();
  }

  private cache(provider: ProviderHandle, entra: EntraCredentials): TokenCache {
    let c = this.caches.get(provider.config);
    if (!c) {
      addSecret(provider, entra.clientSecret);
      const url = `${entra.authorityHost}/${encodeURIComponent(entra.tenantId)}/oauth2/v2.0/token`;
      const form = { grant_type: 'client_credentials', client_id: entra.clientId, client_secret: entra.clientSecret, scope: entra.scope };
      c = new TokenCache((signal) => requestToken(provider, url, form, 'Microsoft Entra ID client credentials', signal), {
        now: this.now,
        refreshMarginMs: REFRESH_MARGIN_MS,
      });
      this.caches.set(provider.config, c);
    }
    return c;
  }
}
