/**
 * Records of the store's feature namespaces (retrieval, prompts, feedback, stored responses,
 * experiments), apart from the core contract in types.ts, which re-exports them.
 */
export interface RagCollectionRecord {
  name: string;
  /** Alias or provider/model that embeds its chunks and queries. */
  embeddingModel: string;
  /** Chat requests retrieving from it run on local/private deployments only. */
  localOnly: boolean;
  createdAt: string;
}

export interface RagChunkRecord {
  documentId: string;
  seq: number;
  heading: string;
  text: string;
  metadata: Record<string, string | number | boolean>;
  /** Float32 little-endian, base64 (src/rag/search.ts). */
  embedding: string;
  /** The document's content hash (src/rag/hash.ts), the same on every chunk: incremental ingest compares it. */
  contentHash: string;
}

/** One document of a collection as listed: what its first chunk carries, and how many chunks it has. */
export interface RagDocumentSummary {
  documentId: string;
  contentHash: string;
  chunks: number;
  metadata: Record<string, string | number | boolean>;
}

export interface RagCollectionSummary extends RagCollectionRecord {
  documents: number;
  chunks: number;
}
/** A chunk's identity within its collection (its source id is `documentId#seq`). */
export type RagChunkKey = Pick<RagChunkRecord, 'documentId' | 'seq'>;

/** One immutable version of a registered prompt; `body` is the prompt definition (src/prompts/), stored as JSON. */
export interface PromptVersionRecord {
  name: string;
  /** 1, 2, 3… per name, assigned by the store. */
  version: number;
  body: Record<string, unknown>;
  /** sha256 of the canonical body: a push with the same content creates no version. */
  contentHash: string;
  createdAt: string;
  createdBy: string;
  note?: string;
}

/** A movable pointer to a version; a protected label is moved by the master key only. */
export interface PromptLabelRecord {
  name: string;
  label: string;
  version: number;
  protected: boolean;
  updatedAt: string;
  updatedBy: string;
}

/** Outcome feedback on one request (`POST /v1/feedback`). */
export interface FeedbackRecord {
  id: string;
  /** The gateway's `x-request-id` (RequestLogEntry.id). */
  requestId: string;
  time: string;
  keyId?: string;
  score?: number;
  label?: string;
  comment?: string;
}

/** Feedback of one group (a prompt version or a deployment). */
export interface FeedbackSummaryGroup {
  key: string;
  feedback: number;
  /** Mean of the scores given; null when none had a score. */
  avgScore: number | null;
  /** Label → count. */
  labels: Record<string, number>;
}

export interface FeedbackSummary {
  since: string;
  byPromptVersion: FeedbackSummaryGroup[];
  byDeployment: FeedbackSummaryGroup[];
}

/**
 * A stored Responses API response (`POST /v1/responses` with `store`), kept so a later request can
 * continue the conversation with `previous_response_id` and a client can read it back
 * (`GET /v1/responses/{id}`). What the client sent and saw (restored text), never a guard mapping.
 */
export interface StoredResponseRecord {
  /** `resp_…`, made by the gateway. */
  id: string;
  /** The key's tenant; '' when auth is off. A response is visible to its own tenant only. */
  tenant: string;
  createdAt: string;
  /** Set by the store (its clock + the ttl given to save); an expired response is never returned. */
  expiresAt: string;
  model: string;
  /** The response object as the client received it. */
  response: Record<string, unknown>;
  /** This request's input items, with ids (`GET /v1/responses/{id}/input_items`). */
  inputItems: Record<string, unknown>[];
  /** The canonical conversation to continue from: earlier turns, this input, the answer (instructions excluded). */
  messages: unknown[];
}

/** The raw material of an experiment report: its requests and the feedback on them, per variant. */
export interface ExperimentObservations {
  requests: Array<{ variant: string; status: number; latencyMs: number; costUsd: number | null }>;
  feedback: Array<{ variant: string; score: number | null; label: string | null }>;
  /** True when more rows matched than `limit`: the newest `limit` requests (and their feedback) were read. */
  truncated: boolean;
}
