/**
 * The store contract: one interface, two implementations (embedded SQLite + in-memory counters;
 * PostgreSQL + Redis for scale-out). Everything the hot path calls is either in memory or a
 * single round-trip to Redis; durable writes are batched off the hot path.
 */
import type {
  RagCollectionRecord,
  RagChunkRecord,
  RagCollectionSummary,
  RagDocumentSummary,
  RagChunkKey,
  PromptVersionRecord,
  PromptLabelRecord,
  FeedbackRecord,
  FeedbackSummary,
  StoredResponseRecord,
  ExperimentObservations,
} from './feature-records.js';

export type * from './feature-records.js';

export interface ApiKeyRecord {
  id: string;
  /** sha256 of the key; the key itself is shown once at creation and never stored. */
  hash: string;
  /** First characters of the key for display (`mk-abc1…`). */
  prefix: string;
  tenant: string;
  name?: string;
  /** Allowed aliases / `provider/model` names; empty = all. */
  models: string[];
  rpm?: number;
  tpm?: number;
  /** e.g. `{ usd: 5, period: 'day' }` */
  budget?: { usd?: number; tokens?: number; period: 'day' | 'month'; mode?: 'hard' | 'soft' | 'downgrade' };
  dataPolicy?: 'local-only' | 'any';
  createdAt: string;
  revokedAt?: string | null;
}

export interface RequestLogEntry {
  /** Ours (a UUID the gateway made): the log's key. A client's `x-request-id` is kept in `clientRequestId`. */
  id: string;
  /** The client's `x-request-id`, bounded and sanitized; not unique (clients reuse ids). */
  clientRequestId?: string;
  /** ISO time the request was accepted. */
  time: string;
  tenant?: string;
  keyId?: string;
  kind: 'chat' | 'embeddings' | 'audio';
  alias: string;
  deployment?: string;
  location?: string;
  routeReason?: string;
  attempts: unknown[];
  status: number;
  errorCode?: string;
  stream: boolean;
  latencyMs: number;
  ttftMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
  cachedTokens?: number;
  /** Meridian counted the tokens: the upstream reported no usage. */
  tokensEstimated?: boolean;
  costUsd?: number;
  /** No price is known for the deployment: `costUsd` is the `pricing.unknownModel` fallback (docs/cost.md). */
  costEstimated?: boolean;
  /** Entity type → count; never values. */
  pii?: Record<string, number>;
  /** What the guard decided for this request (allow, pseudonymize, local-only, block). */
  guardAction?: string;
  /** Candidates the planner left out, and why (policy, capability, health): shown by the dashboard. */
  excluded?: { deployment: string; rule: string; reason: string }[];
  promptVersion?: string;
  /** The client's `x-meridian-episode` (bounded, printable ASCII): groups the requests of one episode. */
  episode?: string;
  /** Response cache: true when answered from it (then `costUsd` is 0), false when not (miss, bypass); absent when the alias has no cache. */
  cacheHit?: boolean;
  /** A cache hit: what the stored answer cost when it ran, i.e. the spend the hit saved. */
  savedUsd?: number;
  /** `experiment/variant` when the alias runs an experiment (src/experiments). */
  variant?: string;
}

export interface RequestLogFilter {
  /** Inclusive: an ISO time or a duration ago (`10m`, `2h`, `7d`); anything else is an InvalidRequestError (param `since`). */
  since?: string;
  /** Exclusive; same forms as `since`. */
  until?: string;
  /** The client's `x-request-id`: every entry that carried it (ids are not unique). */
  clientRequestId?: string;
  /** The client's `x-meridian-episode`: every request of that episode. */
  episode?: string;
  tenant?: string;
  alias?: string;
  location?: string;
  status?: number;
  limit?: number;
}

export interface UsageTotalsRow {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Cost of the requests that ran on cloud deployments. */
  cloudCostUsd: number;
}

/** One group of a request-log summary (by location, alias, deployment, tenant, route reason or status). */
export interface RequestLogSummaryGroup {
  /** The group's value; '' when the column is empty (e.g. requests rejected before routing). */
  key: string;
  requests: number;
  /** Requests with status >= 400. */
  errors: number;
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
  avgLatencyMs: number;
}

/** Aggregates of the request log since a time, computed in the database (for the dashboard). */
export interface RequestLogSummary {
  since: string;
  totals: Omit<RequestLogSummaryGroup, 'key'> & {
    /** Requests whose token counts were estimated (upstream omitted usage). */
    estimatedTokenRequests: number;
    /** Average time to first token over streamed requests that have one; null when none. */
    avgTtftMs: number | null;
    /** Requests in which the guard found any PII. */
    piiRequests: number;
  };
  /** Groups sorted by request count, largest first. */
  byLocation: RequestLogSummaryGroup[];
  byAlias: RequestLogSummaryGroup[];
  byDeployment: RequestLogSummaryGroup[];
  byTenant: RequestLogSummaryGroup[];
  byReason: RequestLogSummaryGroup[];
  /** Keyed by HTTP status as text (`'200'`, `'429'`). */
  byStatus: RequestLogSummaryGroup[];
  /** PII entity type → total count found (never values). */
  pii: Record<string, number>;
}

/** Where a request ran; '' = not routed (refused before a deployment was chosen). */
export type SeriesLocation = 'local' | 'private' | 'cloud' | '';

/** Request-log measures of one location in one time bucket. */
export interface SeriesLocationMeasures {
  requests: number;
  errors: number;
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
}

/** Percentiles of one bucket (nearest rank); null when the bucket had no sample. */
export interface SeriesPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One time bucket of `RequestLogSeries`: [start, start + bucketMs). */
export interface SeriesBucket extends SeriesLocationMeasures {
  start: string;
  /** Requests in which the guard found any PII. */
  piiRequests: number;
  byLocation: Partial<Record<SeriesLocation, SeriesLocationMeasures>>;
  latencyMs: SeriesPercentiles;
  /** Over streamed requests that have a time to first token. */
  ttftMs: SeriesPercentiles;
  /** PII entity type → count found (never values). */
  pii: Record<string, number>;
  /** Guard action → requests. */
  guard: Record<string, number>;
}

/** The request log over time, in equal buckets from `since` (inclusive) to `until` (exclusive). */
export interface RequestLogSeries {
  since: string;
  until: string;
  bucketMs: number;
  /** The window held more rows than percentiles are computed from: they cover the newest ones. */
  latencySampled: boolean;
  buckets: SeriesBucket[];
}

export interface AuditEntry {
  time: string;
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

export interface ConsumeResult {
  allowed: boolean;
  /** Total in the window after this call (or before, when not allowed). */
  used: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Shared counters: in memory when embedded, Redis when scaled out. All operations atomic. */
export interface Counters {
  /** Adds `amount` unless that would pass `limit` within the fixed window; atomic across replicas. */
  consume(key: string, amount: number, limit: number, windowSeconds: number): Promise<ConsumeResult>;
  /** Adds `amount` (may be negative) to a counter that expires after `ttlSeconds`; returns the new value. */
  add(key: string, amount: number, ttlSeconds: number): Promise<number>;
  get(key: string): Promise<number>;
}

/** Whether the store can serve requests now (for `/readyz`). */
export interface StoreHealth {
  ready: boolean;
  /** Why not, for operators (never credentials), e.g. `redis: connection lost (ECONNREFUSED)`. */
  reason?: string;
}

/** Running totals for metrics; cheap and synchronous. */
export interface StoreStats {
  /** Request-log rows put in the dead-letter table by this process since the store opened. */
  deadLetters: number;
  /** Request-log entries appended but not yet written. */
  pendingLogEntries: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  init(): Promise<void>;
  /** Flushes pending log writes, then closes connections. */
  close(): Promise<void>;
  /**
   * Synchronous and cheap (from connection events and the last write's outcome, no round-trip):
   * not ready while Redis is disconnected or PostgreSQL refuses the log writes.
   */
  health(): StoreHealth;
  stats(): StoreStats;
  /**
   * Rate-limit windows (rpm, tpm): in memory embedded, Redis scaled out; not durable. When Redis
   * is unreachable a call fails within ~250 ms with StoreUnavailableError (503 store_unavailable),
   * or allows the request when `store.onCounterError` is `fail-open`.
   */
  counters: Counters;
  /**
   * Budget spend: the same operations and semantics as `counters`, but durable. Embedded, values
   * are kept in SQLite (written in batches within ~100 ms, loaded at start); scaled out, every
   * change is also added to PostgreSQL and a key Redis lost (restart, flush) is re-seeded from it.
   */
  spend: Counters;
  keys: {
    create(rec: ApiKeyRecord): Promise<void>;
    findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
    list(): Promise<ApiKeyRecord[]>;
    revoke(id: string): Promise<boolean>;
    count(): Promise<number>;
    /** Replaces a key's settings (tenant, name, models, limits, budget, data policy); false when no such key. */
    update(rec: ApiKeyRecord): Promise<boolean>;
  };
  requestLog: {
    /** Never blocks and never drops: buffered and written in batches. */
    append(entry: RequestLogEntry): void;
    flush(): Promise<void>;
    query(filter: RequestLogFilter): Promise<RequestLogEntry[]>;
    /** Token and cost totals of successful requests since `since` (ISO time), for the break-even advisor. */
    totals(since: string): Promise<UsageTotalsRow>;
    /** Aggregates (totals, per location/alias/deployment/tenant/route reason/status, PII counts) since `since` (ISO time). */
    summary(since: string): Promise<RequestLogSummary>;
    /** Buckets of `bucketMs` from `since` to `until` (ISO times; at most MAX_SERIES_BUCKETS buckets, ./log-series.ts). */
    series(window: { since: string; until: string; bucketMs: number }): Promise<RequestLogSeries>;
    /** Deletes entries older than the configured retention now (it also runs periodically); returns how many. */
    prune?(): Promise<number>;
  };
  /**
   * Notifications to every replica (Redis pub/sub, scaled out); absent embedded, where one
   * process owns the store. Handlers also get this replica's own messages. Best effort: a replica
   * disconnected from Redis misses messages, so what it caches must also expire.
   */
  events?: {
    publish(channel: string, message: string): Promise<void>;
    /** Resolves once subscribed; returns the function that removes the handler. */
    subscribe(channel: string, handler: (message: string) => void): Promise<() => void>;
  };
  prompts: {
    /** Adds the next version of `name` (1 when new) and returns it. */
    addVersion(rec: Omit<PromptVersionRecord, 'version'>): Promise<PromptVersionRecord>;
    getVersion(name: string, version: number): Promise<PromptVersionRecord | undefined>;
    latestVersion(name: string): Promise<PromptVersionRecord | undefined>;
    /** Newest first. */
    listVersions(name: string): Promise<PromptVersionRecord[]>;
    /** Every prompt name with its latest version number, sorted by name. */
    listNames(): Promise<{ name: string; latest: number }[]>;
    setLabel(rec: PromptLabelRecord): Promise<void>;
    getLabel(name: string, label: string): Promise<PromptLabelRecord | undefined>;
    listLabels(name: string): Promise<PromptLabelRecord[]>;
  };
  feedback: {
    /**
     * Stores the feedback; false (nothing stored) when no logged request has that id, or when
     * `tenant` is given and the request belongs to another tenant (a key rates its own requests only).
     */
    add(rec: FeedbackRecord, tenant?: string): Promise<boolean>;
    /** Feedback on one request, oldest first. */
    forRequest(requestId: string): Promise<FeedbackRecord[]>;
    /** Feedback given since `since` (ISO time), joined with the request log, per prompt version and per deployment. */
    summary(since: string): Promise<FeedbackSummary>;
  };
  /**
   * Stored responses (docs/responses.md). Written directly, not through the batched log writer, so
   * a response saved on one replica can be continued on another at once. Expired rows are pruned
   * periodically (hourly) and never returned before that.
   */
  responses: {
    /** Saves (or replaces) a response; it expires `ttlSeconds` after now (the store's clock). */
    save(rec: Omit<StoredResponseRecord, 'expiresAt'>, ttlSeconds: number): Promise<void>;
    /** The response when it exists, belongs to `tenant` and has not expired. */
    get(tenant: string, id: string): Promise<StoredResponseRecord | undefined>;
    /** False when there was nothing (of this tenant, unexpired) to delete. */
    delete(tenant: string, id: string): Promise<boolean>;
    /** Deletes expired responses now; returns how many. */
    prune(): Promise<number>;
  };
  experiments: {
    /** Requests of `experiment` (variant `experiment/…`) since `since` (ISO time), newest first up to `limit`, with their feedback. */
    observations(experiment: string, since: string, limit?: number): Promise<ExperimentObservations>;
  };
  /** Retrieval collections and their chunks (docs/rag.md); ranking happens in src/rag, not in SQL. */
  rag: {
    /** False when a collection of that name exists already (it is left as it was). */
    createCollection(rec: RagCollectionRecord): Promise<boolean>;
    getCollection(name: string): Promise<RagCollectionRecord | undefined>;
    /**
     * Replaces every chunk of the document (none: the document is removed) in one transaction: a
     * reader sees the old chunks or the new ones, never a mix, and a failed write keeps the old.
     */
    replaceDocument(collection: string, documentId: string, chunks: readonly RagChunkRecord[]): Promise<void>;
    /** Every chunk of the collection, in document and sequence order. */
    chunks(collection: string): Promise<RagChunkRecord[]>;
    /** The content hash the document was stored with; undefined when it has no chunks. */
    documentHash(collection: string, documentId: string): Promise<string | undefined>;
    /** Documents with at least one chunk, by id, the first `limit` after `after` (exclusive). */
    documents(collection: string, page: { after?: string; limit: number }): Promise<RagDocumentSummary[]>;
    /** Collections by name with their document and chunk counts, at most `limit`. */
    collections(limit: number): Promise<RagCollectionSummary[]>;
    /** Removes the collection and all its chunks in one transaction; false when there was none. */
    deleteCollection(name: string): Promise<boolean>;
    /**
     * Changes with every write to the collection's chunks, by any replica (a database trigger);
     * undefined when there is no such collection. Search indexes in memory are keyed by it.
     */
    generation(collection: string): Promise<number | undefined>;
    /** Up to `limit` chunks after the `after` key, in document and sequence order (keyset paging). */
    chunkPage(collection: string, after: RagChunkKey | undefined, limit: number): Promise<RagChunkRecord[]>;
    /** The chunks with these keys that exist now, in no particular order. */
    chunksByKey(collection: string, keys: readonly RagChunkKey[]): Promise<RagChunkRecord[]>;
  };
  audit: {
    append(entry: AuditEntry): Promise<void>;
    list(limit?: number): Promise<AuditEntry[]>;
  };
}
