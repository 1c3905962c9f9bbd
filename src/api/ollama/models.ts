/**
 * The gateway's models in Ollama's shapes: `GET /api/tags` (a list) and `POST /api/show` (one
 * model's capabilities and context length). Meridian's names are aliases and `provider/model`
 * ids, not local files: sizes are 0, the digest is the sha256 of the name (stable, so clients
 * that key models by digest see one model per name), and `model_info` carries only what the
 * catalog knows, under `general.architecture: "meridian"` so clients find
 * `meridian.context_length` where they look (`<architecture>.context_length`).
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#list-local-models ,
 * https://github.com/ollama/ollama/blob/main/docs/api.md#show-model-information
 */
import { createHash } from 'node:crypto';

/** What the catalog knows about a name, over every deployment it may route to. */
export interface OllamaModelFacts {
  name: string;
  completion: boolean;
  embedding: boolean;
  tools: boolean;
  vision: boolean;
  thinking: boolean;
  contextWindow?: number;
}

const DETAILS = { parent_model: '', format: '', family: '', families: null, parameter_size: '', quantization_level: '' };

export function ollamaTags(names: readonly string[], modifiedAt: string) {
  return {
    models: names.map((name) => ({ name, model: name, modified_at: modifiedAt, size: 0, digest: digestOf(name), details: DETAILS })),
  };
}

export function ollamaShow(f: OllamaModelFacts, modifiedAt: string) {
  const capabilities: string[] = [];
  if (f.completion) capabilities.push('completion');
  if (f.embedding) capabilities.push('embedding');
  if (f.tools) capabilities.push('tools');
  if (f.vision) capabilities.push('vision');
  if (f.thinking) capabilities.push('thinking');
  return {
    modelfile: '',
    parameters: '',
    template: '',
    details: DETAILS,
    model_info: {
      'general.architecture': 'meridian',
      'general.basename': f.name,
      ...(f.contextWindow ? { 'meridian.context_length': f.contextWindow } : {}),
    },
    capabilities,
    modified_at: modifiedAt,
  };
}

function digestOf(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}
