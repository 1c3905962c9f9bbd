/**
 * Wire types of the Google Gemini API (Generative Language API, v1beta), only the fields
 * Meridian reads or writes. Upstream bodies are typed leniently: every field optional.
 * References:
 * https://ai.google.dev/api/generate-content (GenerateContentRequest/Response, GenerationConfig),
 * https://ai.google.dev/api/caching#Content (Content, Part),
 * https://ai.google.dev/gemini-api/docs/function-calling (Tool, FunctionDeclaration, ToolConfig),
 * https://ai.google.dev/api/embeddings (batchEmbedContents),
 * https://ai.google.dev/api/models (models.list).
 */

export interface GeminiFunctionCall {
  /** Present on some models/APIs; we generate one when absent. */
  id?: string;
  name: string;
  args?: Record<string, unknown>;
}

export interface GeminiFunctionResponse {
  id?: string;
  name: string;
  /** Must be a JSON object (protobuf Struct). */
  response: Record<string, unknown>;
}

/** A Part carries exactly one kind of data; `thought` marks thought-summary text. */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
}

export interface GeminiContent {
  /** `user` or `model`; omitted in systemInstruction. */
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export interface GeminiTool {
  functionDeclarations: GeminiFunctionDeclaration[];
}

export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE';

export interface GeminiToolConfig {
  functionCallingConfig: { mode: GeminiFunctionCallingMode; allowedFunctionNames?: string[] };
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  /** OpenAPI 3.0 subset schema. */
  responseSchema?: Record<string, unknown>;
  /** JSON Schema (Gemini 2.5+), mutually exclusive with responseSchema. */
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
}

export interface GeminiGenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

export interface GeminiCandidate {
  index?: number;
  content?: { role?: string; parts?: GeminiPart[] };
  finishReason?: string;
}

export interface GeminiGenerateContentResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; safetyRatings?: unknown[] };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  /** Google's error envelope, which can also arrive as an SSE event mid-stream. */
  error?: { code?: number; message?: string; status?: string };
}

export interface GeminiBatchEmbedRequest {
  requests: Array<{ model: string; content: { parts: Array<{ text: string }> }; outputDimensionality?: number }>;
}

export interface GeminiBatchEmbedResponse {
  embeddings?: Array<{ values?: number[] }>;
  /** Not documented for batchEmbedContents today; read when present. */
  usageMetadata?: { promptTokenCount?: number; totalTokenCount?: number };
}

export interface GeminiModel {
  /** `models/gemini-2.5-flash`. */
  name: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods?: string[];
  thinking?: boolean;
}

export interface GeminiListModelsResponse {
  models?: GeminiModel[];
  nextPageToken?: string;
}
