/**
 * Messages between the gateway and the engine process (`engine-child.ts`), sent over Node's IPC
 * channel with structured-clone serialization. Plain data only: no classes cross the boundary.
 */

/** node-llama-cpp's ChatHistoryItem, restated so the gateway compiles without the package. */
export type HistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | {
      type: 'model';
      response: Array<string | { type: 'functionCall'; name: string; params: unknown; result: unknown }>;
    };

export interface LoadSettings {
  modelPath: string;
  contextSize?: number;
  threads: number;
  gpuLayers: number;
  parallel: number;
}

export interface ChatJob {
  history: HistoryItem[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Tools the model may call (node-llama-cpp's ChatModelFunctions; params are JSON Schema). */
  functions?: Record<string, { description?: string; params?: unknown }>;
  /** Constrain the output: any JSON value, or JSON matching a schema. */
  grammar?: { kind: 'json' } | { kind: 'schema'; schema: unknown };
}

export type ToChild =
  | { type: 'load'; settings: LoadSettings }
  | { type: 'chat'; id: number; job: ChatJob; stream: boolean }
  | { type: 'embed'; id: number; inputs: string[] }
  | { type: 'cancel'; id: number };

export interface LoadedInfo {
  contextSize: number;
  trainContextSize: number;
  chatWrapper: string;
}

export type StopReason = 'stop' | 'length' | 'functionCalls' | 'abort';

export type FromChild =
  | { type: 'loaded'; info: LoadedInfo }
  | { type: 'load-error'; message: string }
  | { type: 'text'; id: number; text: string }
  | {
      type: 'done';
      id: number;
      text: string;
      functionCalls: Array<{ name: string; params: unknown }>;
      stopReason: StopReason;
      promptTokens: number;
      completionTokens: number;
    }
  | { type: 'embeddings'; id: number; vectors: number[][]; promptTokens: number }
  /** `badRequest`: the request itself cannot run (e.g. a schema the grammar builder rejects). */
  | { type: 'error'; id: number; message: string; badRequest: boolean };
