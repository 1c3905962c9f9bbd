/** PostgreSQL schema: the same tables as SQLite, with native time, boolean and JSONB types. */
import type { Migration } from '../migration.js';

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'keys, request log, audit log',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        tenant TEXT NOT NULL,
        name TEXT,
        models JSONB NOT NULL DEFAULT '[]',
        rpm INTEGER,
        tpm INTEGER,
        budget JSONB,
        data_policy TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ
      );
      CREATE INDEX api_keys_tenant ON api_keys (tenant);

      CREATE TABLE request_log (
        id TEXT PRIMARY KEY,
        time TIMESTAMPTZ NOT NULL,
        tenant TEXT,
        key_id TEXT,
        kind TEXT,
        alias TEXT NOT NULL,
        deployment TEXT,
        location TEXT,
        route_reason TEXT,
        attempts JSONB NOT NULL DEFAULT '[]',
        status INTEGER NOT NULL,
        error_code TEXT,
        stream BOOLEAN NOT NULL DEFAULT false,
        latency_ms DOUBLE PRECISION NOT NULL,
        ttft_ms DOUBLE PRECISION,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        reasoning_tokens INTEGER,
        cached_tokens INTEGER,
        tokens_estimated BOOLEAN,
        cost_usd DOUBLE PRECISION,
        pii JSONB,
        prompt_version TEXT
      );
      CREATE INDEX request_log_time ON request_log (time);
      CREATE INDEX request_log_tenant_time ON request_log (tenant, time);
      CREATE INDEX request_log_alias_time ON request_log (alias, time);

      CREATE TABLE audit_log (
        seq BIGSERIAL PRIMARY KEY,
        time TIMESTAMPTZ NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        details JSONB
      );
      CREATE INDEX audit_log_time ON audit_log (time);
    `,
  },
  {
    version: 2,
    name: 'request log: client request id, guard action, exclusions, BIGINT tokens; dead letters; durable budget spend',
    // Replicas still on version 1 keep working: the new columns are nullable and their integer
    // token arrays cast to BIGINT. The type change rewrites request_log once (a lock while it runs).
    sql: `
      ALTER TABLE request_log
        ADD COLUMN client_request_id TEXT,
        ADD COLUMN guard_action TEXT,
        ADD COLUMN excluded JSONB,
        ALTER COLUMN prompt_tokens TYPE BIGINT,
        ALTER COLUMN completion_tokens TYPE BIGINT,
        ALTER COLUMN reasoning_tokens TYPE BIGINT,
        ALTER COLUMN cached_tokens TYPE BIGINT;
      CREATE INDEX request_log_client_request_id ON request_log (client_request_id);

      -- Entries the database refused even after sanitizing: kept (as JSON text) with the error, never retried.
      CREATE TABLE request_log_dead_letters (
        seq BIGSERIAL PRIMARY KEY,
        time TIMESTAMPTZ NOT NULL DEFAULT now(),
        entry_id TEXT,
        entry TEXT NOT NULL,
        error TEXT NOT NULL
      );

      -- Budget spend, accumulated by every replica (src/store/postgres/spend-journal.ts).
      CREATE TABLE spend_counters (
        key TEXT PRIMARY KEY,
        value DOUBLE PRECISION NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'request log: cost estimated (no known price; pricing.unknownModel)',
    sql: `ALTER TABLE request_log ADD COLUMN cost_estimated BOOLEAN;`,
  },
  {
    version: 4,
    name: 'prompt registry (versions, labels), outcome feedback, request log: episode',
    // Additive only: replicas still on version 3 keep writing the log (the new column is nullable).
    sql: `
      CREATE TABLE prompt_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        body JSONB NOT NULL,
        content_hash TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        created_by TEXT NOT NULL,
        note TEXT,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE prompt_labels (
        name TEXT NOT NULL,
        label TEXT NOT NULL,
        version INTEGER NOT NULL,
        protected BOOLEAN NOT NULL DEFAULT false,
        updated_at TIMESTAMPTZ NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (name, label)
      );
      CREATE TABLE feedback (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        time TIMESTAMPTZ NOT NULL,
        key_id TEXT,
        score DOUBLE PRECISION,
        label TEXT,
        comment TEXT
      );
      CREATE INDEX feedback_request ON feedback (request_id);
      CREATE INDEX feedback_time ON feedback (time);
      ALTER TABLE request_log ADD COLUMN episode TEXT;
    `,
  },
  {
    version: 5,
    name: 'stored Responses API responses (previous_response_id)',
    // Additive only: replicas still on version 4 never read or write the table. The JSON columns are
    // TEXT, not JSONB: JSONB refuses a \u0000 escape, and a client's conversation may hold one.
    sql: `
      CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        model TEXT NOT NULL,
        response TEXT NOT NULL,
        input_items TEXT NOT NULL,
        messages TEXT NOT NULL
      );
      CREATE INDEX responses_expires_at ON responses (expires_at);
    `,
  },
  {
    version: 6,
    name: 'request log: response cache hit and saved spend',
    sql: `
      ALTER TABLE request_log ADD COLUMN cache_hit BOOLEAN;
      ALTER TABLE request_log ADD COLUMN saved_usd DOUBLE PRECISION;
    `,
  },
  {
    version: 7,
    name: 'request log: experiment variant',
    // Additive: replicas on an older version keep writing the log (the column is nullable).
    // No index: reports read one experiment's recent rows through the time index.
    sql: `ALTER TABLE request_log ADD COLUMN variant TEXT;`,
  },
  {
    version: 8,
    name: 'retrieval collections and chunks (docs/rag.md)',
    // Additive: older replicas never touch the tables. Embeddings are base64 Float32 text and
    // similarity is computed in the gateway (no vector extension needed; pgvector may come later).
    sql: `
      CREATE TABLE rag_collections (
        name TEXT PRIMARY KEY,
        embedding_model TEXT NOT NULL,
        local_only BOOLEAN NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE rag_chunks (
        collection TEXT NOT NULL,
        document_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        heading TEXT NOT NULL,
        text TEXT NOT NULL,
        metadata TEXT NOT NULL,
        embedding TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        PRIMARY KEY (collection, document_id, seq)
      );
    `,
  },
  {
    version: 9,
    name: 'retrieval: a generation per collection, bumped by every chunk write (docs/rag.md)',
    // A trigger, not application code, so every writer (any replica, any version, any future
    // statement on rag_chunks) invalidates the in-memory search indexes of every replica. Row
    // level: a write holds the collection row's lock until it commits, so concurrent ingests into
    // one collection serialize there (searches do not wait: they read the committed row).
    sql: `
      ALTER TABLE rag_collections ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
      CREATE FUNCTION rag_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          UPDATE rag_collections SET generation = generation + 1 WHERE name = OLD.collection;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          UPDATE rag_collections SET generation = generation + 1 WHERE name = NEW.collection;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER rag_chunks_generation AFTER INSERT OR UPDATE OR DELETE ON rag_chunks
        FOR EACH ROW EXECUTE FUNCTION rag_bump_generation();
    `,
  },
];
