/**
 * Model lifecycle on an Ollama server, for `meridian models`: installed (`GET /api/tags`), loaded
 * (`GET /api/ps`), pull with streamed progress (`POST /api/pull`, NDJSON), delete
 * (`DELETE /api/delete`), details (`POST /api/show`), and warm (`POST /api/generate` with no prompt
 * loads the model; `keep_alive` says how long it stays).
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#pull-a-model , #delete-a-model ,
 * #load-a-model , #list-local-models , #list-running-models , #show-model-information
 */
import { UpstreamError } from '../../errors.js';
import { readJson, upstreamRequest } from '../shared/http.js';
import type { InstalledModel, LoadedModel, ModelLifecycle } from '../spec.js';
import { ollamaPs, ollamaShow } from './ollama-models.js';

/** Longest NDJSON line of pull progress kept; a server sending more is cut off, not buffered without end. */
const MAX_LINE = 64 * 1024;

interface PullLine {
  status?: string;
  digest?: string;
  total?: number;
  completed?: number;
  error?: string;
}

export const ollamaLifecycle: ModelLifecycle = {
  async installed(provider, signal): Promise<InstalledModel[]> {
    const res = await upstreamRequest(provider, { method: 'GET', path: '/api/tags', signal });
    const { json } = await readJson<{ models?: Array<{ name?: unknown; size?: unknown; modified_at?: unknown }> }>(res, provider);
    return (json.models ?? []).flatMap((m) =>
      typeof m?.name === 'string'
        ? [
            {
              name: m.name,
              ...(typeof m.size === 'number' ? { sizeBytes: m.size } : {}),
              ...(typeof m.modified_at === 'string' ? { modifiedAt: m.modified_at } : {}),
            },
          ]
        : [],
    );
  },

  async loaded(provider, signal): Promise<LoadedModel[]> {
    return (await ollamaPs(provider, signal)).map((m) => ({
      name: m.name,
      ...(m.size !== undefined ? { sizeBytes: m.size } : {}),
      ...(m.sizeVram !== undefined ? { vramBytes: m.sizeVram } : {}),
      ...(m.expiresAt ? { until: m.expiresAt } : {}),
    }));
  },

  async pull(provider, model, onProgress, signal): Promise<void> {
    const res = await upstreamRequest(provider, {
      path: '/api/pull',
      body: { model, stream: true },
      signal,
      deployment: `${provider.id}/${model}`,
    });
    let buf = '';
    let last: PullLine | undefined;
    const handle = (line: string) => {
      if (!line.trim()) return;
      let msg: PullLine;
      try {
        msg = JSON.parse(line) as PullLine;
      } catch {
        throw new UpstreamError(`'${provider.id}' sent a pull progress line that is not JSON.`, { deployment: `${provider.id}/${model}` });
      }
      if (msg.error)
        throw new UpstreamError(`'${provider.id}' could not pull '${model}': ${String(msg.error).slice(0, 500)}`, {
          deployment: `${provider.id}/${model}`,
        });
      last = msg;
      onProgress({
        status: String(msg.status ?? ''),
        ...(typeof msg.total === 'number' ? { total: msg.total } : {}),
        ...(typeof msg.completed === 'number' ? { completed: msg.completed } : {}),
      });
    };
    for await (const chunk of res.body) {
      buf += (chunk as Buffer).toString('utf8');
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        handle(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
      }
      if (buf.length > MAX_LINE)
        throw new UpstreamError(`'${provider.id}' sent a pull progress line over ${MAX_LINE} bytes.`, {
          deployment: `${provider.id}/${model}`,
        });
    }
    handle(buf);
    if (last?.status !== 'success') {
      throw new UpstreamError(`'${provider.id}' ended the pull of '${model}' before it said success.`, {
        deployment: `${provider.id}/${model}`,
        code: 'upstream_truncated',
      });
    }
  },

  async remove(provider, model, signal): Promise<void> {
    const res = await upstreamRequest(provider, {
      method: 'DELETE',
      path: '/api/delete',
      body: { model },
      signal,
      deployment: `${provider.id}/${model}`,
    });
    await res.body.dump();
  },

  async show(provider, model, signal): Promise<Record<string, unknown>> {
    const info = await ollamaShow(provider, model, signal);
    return { ...info };
  },

  missingModelHint: (provider, model) => `ollama pull ${model} (or meridian models pull ${provider.id}/${model})`,

  async warm(provider, model, keepAlive, signal): Promise<void> {
    const res = await upstreamRequest(provider, {
      path: '/api/generate',
      body: { model, keep_alive: keepAlive },
      signal,
      deployment: `${provider.id}/${model}`,
    });
    await res.body.dump();
  },
};
