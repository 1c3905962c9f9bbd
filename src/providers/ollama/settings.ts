/**
 * Per-provider Ollama settings, read from `providers[].options` in config. All optional:
 *
 * ```yaml
 * providers:
 *   - id: ollama
 *     type: ollama
 *     location: local
 *     options:
 *       keepAlive: 10m        # how long Ollama keeps the model loaded after a request
 *       numCtx: 8192          # context window to allocate (Ollama's default is small)
 *       thinkAs: level        # `level` sends think:"low"|"medium"|"high"; `boolean` sends think:true
 * ```
 */

export interface OllamaSettings {
  keepAlive?: string | number;
  numCtx?: number;
  /**
   * How `reasoning_effort` becomes `think`. `level` (default) suits current servers, which accept a
   * level for GPT-OSS and treat a level as "on" for boolean models; `boolean` is for older servers
   * that only accept `true`/`false`.
   */
  thinkAs: 'level' | 'boolean';
}

export function readOllamaSettings(options: Record<string, unknown> | undefined): OllamaSettings {
  const o = options ?? {};
  const settings: OllamaSettings = { thinkAs: o.thinkAs === 'boolean' ? 'boolean' : 'level' };
  if (typeof o.keepAlive === 'string' || typeof o.keepAlive === 'number') settings.keepAlive = o.keepAlive;
  if (typeof o.numCtx === 'number' && Number.isInteger(o.numCtx) && o.numCtx > 0) settings.numCtx = o.numCtx;
  return settings;
}
