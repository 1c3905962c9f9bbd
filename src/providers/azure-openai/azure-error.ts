/**
 * Azure's content filter. A prompt it blocks is refused with 400 and
 * `{"error": {"code": "content_filter", "message", "innererror": {"code": "ResponsibleAIPolicyViolation",
 * "content_filter_result": {"hate": {"filtered": true, "severity": "medium"}, …}}}}`; a completion it
 * stops ends with `finish_reason: "content_filter"` (passed through: OpenAI's own value).
 * https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
 */
import { UpstreamError, type MeridianError } from '../../errors.js';
import { scrubSecrets } from '../shared/http.js';
import type { ProviderHandle } from '../spec.js';

interface AzureErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    innererror?: { code?: unknown; content_filter_result?: Record<string, { filtered?: unknown; severity?: unknown }> };
  };
}

/** The content-filter refusal as our own error (400, code `content_filter`), or undefined for any other error. */
export function azureContentFilterError(
  status: number,
  text: string,
  provider: ProviderHandle,
  deployment: string | undefined,
): MeridianError | undefined {
  if (status !== 400) return undefined;
  let body: AzureErrorBody;
  try {
    body = JSON.parse(text) as AzureErrorBody;
  } catch {
    return undefined;
  }
  const e = body?.error;
  if (!e || (e.code !== 'content_filter' && e.innererror?.code !== 'ResponsibleAIPolicyViolation')) return undefined;
  const categories = Object.entries(e.innererror?.content_filter_result ?? {})
    .filter(([, r]) => r && r.filtered === true)
    .map(([name, r]) => (typeof r.severity === 'string' ? `${name} (${r.severity})` : name));
  const which = categories.length ? ` Categories: ${categories.join(', ')}.` : '';
  return new UpstreamError(
    scrubSecrets(
      `Azure's content filter refused the prompt sent to '${deployment ?? provider.id}'.${which} Rephrase the prompt, or review the content filter configured on the Azure deployment.`,
      provider,
    ),
    { upstreamStatus: 400, deployment, code: 'content_filter' },
  );
}
