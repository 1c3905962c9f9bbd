/**
 * Amazon Bedrock Runtime wire types: the Converse / ConverseStream messages API and the
 * InvokeModel bodies of the embedding models Meridian maps. Kept minimal and lenient (fields the
 * adapter never reads are left out).
 * References:
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html ,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html ,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html (Cohere Embed)
 */

export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface BedrockImageBlock {
  /** `bytes` is base64 in the JSON protocol (the SDKs take raw bytes and encode them). */
  image: { format: BedrockImageFormat; source: { bytes: string } };
}

export interface BedrockToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: unknown };
}

export interface BedrockToolResultBlock {
  toolResult: {
    toolUseId: string;
    content: Array<{ text: string } | { json: unknown } | BedrockImageBlock>;
    status?: 'success' | 'error';
  };
}

export interface BedrockReasoningBlock {
  reasoningContent: { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
}

export type BedrockContentBlock =
  { text: string } | BedrockImageBlock | BedrockToolUseBlock | BedrockToolResultBlock | BedrockReasoningBlock;

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface ConverseRequest {
  messages: BedrockMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: BedrockToolSpec[]; toolChoice?: BedrockToolChoice };
  /** Model-specific fields passed through (Anthropic `thinking`, …). */
  additionalModelRequestFields?: Record<string, unknown>;
}

export type BedrockStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'malformed_model_output'
  | 'malformed_tool_use'
  | 'model_context_window_exceeded'
  | (string & {});

export interface BedrockTokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: { role?: string; content?: Array<Partial<BedrockContentBlock> & Record<string, unknown>> } };
  stopReason?: BedrockStopReason;
  usage?: BedrockTokenUsage;
  metrics?: { latencyMs?: number };
}

/** Payloads of the ConverseStream events, keyed by the `:event-type` header. */
export interface ContentBlockStartEvent {
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId?: string; name?: string } };
}
export interface ContentBlockDeltaEvent {
  contentBlockIndex?: number;
  delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string } };
}
export interface MessageStopEvent {
  stopReason?: BedrockStopReason;
}
export interface MetadataEvent {
  usage?: BedrockTokenUsage;
}

/** amazon.titan-embed-text-v1 / v2 (InvokeModel): one text per call. */
export interface TitanEmbedRequest {
  inputText: string;
  dimensions?: number;
  normalize?: boolean;
}
export interface TitanEmbedResponse {
  embedding?: number[];
  inputTextTokenCount?: number;
}

/** cohere.embed-* (InvokeModel): up to 96 texts per call. */
export interface CohereEmbedRequest {
  texts: string[];
  input_type: string;
  truncate?: 'NONE' | 'START' | 'END';
}
export interface CohereEmbedResponse {
  /** `embeddings_floats`: number[][]; `embeddings_by_type` (when embedding_types was sent): `{float: number[][]}`. */
  embeddings?: number[][] | { float?: number[][] };
  response_type?: string;
}

/** ListFoundationModels (control plane): https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html */
export interface ListFoundationModelsResponse {
  modelSummaries?: Array<{
    modelId?: string;
    inputModalities?: string[];
    outputModalities?: string[];
    inferenceTypesSupported?: string[];
  }>;
}
