/** SQLite schema. Times are ISO-8601 UTC text (sorts like time); JSON is text. */
import type { Migration } from '../migration.js';

export const sqliteMigrations: readonly Migration[] = [
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
        models TEXT NOT NULL DEFAULT '[]',
        rpm INTEGER,
        tpm INTEGER,
        budget TEXT,
        data_policy TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE INDEX api_keys_tenant ON api_keys (tenant);

      CREATE TABLE request_log (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        tenant TEXT,
        key_id TEXT,
        kind TEXT,
        alias TEXT NOT NULL,
        deployment TEXT,
        location TEXT,
        route_reason TEXT,
        attempts TEXT NOT NULL DEFAULT '[]',
        status INTEGER NOT NULL,
        error_code TEXT,
        stream INTEGER NOT NULL DEFAULT 0,
        latency_ms REAL NOT NULL,
        ttft_ms REAL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        reasoning_tokens INTEGER,
        cached_tokens INTEGER,
        tokens_estimated INTEGER,
        cost_usd REAL,
        pii TEXT,
        prompt_version TEXT
      );
      CREATE INDEX request_log_time ON request_log (time);
      CREATE INDEX request_log_tenant_time ON request_log (tenant, time);
      CREATE INDEX request_log_alias_time ON request_log (alias, time);

      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        details TEXT
      );
      CREATE INDEX audit_log_time ON audit_log (time);
    `,
  },
  {
    version: 2,
    name: 'request log: client request id, guard action, exclusions; dead letters; durable budget spend',
    sql: `
      ALTER TABLE request_log ADD COLUMN client_request_id TEXT;
      ALTER TABLE request_log ADD COLUMN guard_action TEXT;
      ALTER TABLE request_log ADD COLUMN excluded TEXT;
      CREATE INDEX request_log_client_request_id ON request_log (client_request_id);

      -- Entries the database refused even after sanitizing: kept (as JSON) with the error, never retried.
      CREATE TABLE request_log_dead_letters (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        entry_id TEXT,
        entry TEXT NOT NULL,
        error TEXT NOT NULL
      );

      -- Budget spend counters (src/store/durable-counters.ts); expires_at in ms since the epoch.
      CREATE TABLE spend_counters (
        key TEXT PRIMARY KEY,
        value REAL NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'request log: cost estimated (no known price; pricing.unknownModel)',
    sql: `ALTER TABLE request_log ADD COLUMN cost_estimated INTEGER;`,
  },
  {
    version: 4,
    name: 'prompt registry (versions, labels), outcome feedback, request log: episode',
    sql: `
      CREATE TABLE prompt_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        note TEXT,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE prompt_labels (
        name TEXT NOT NULL,
        label TEXT NOT NULL,
        version INTEGER NOT NULL,
        protected INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (name, label)
      );
      CREATE TABLE feedback (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        time TEXT NOT NULL,
        key_id TEXT,
        score REAL,
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
    sql: `
      CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
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
      ALTER TABLE request_log ADD COLUMN cache_hit INTEGER;
      ALTER TABLE request_log ADD COLUMN saved_usd REAL;
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
        local_only INTEGER NOT NULL,
        created_at TEXT NOT NULL
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
    // statement on rag_chunks) invalidates the in-memory search indexes of every replica.
    sql: `
      ALTER TABLE rag_collections ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
      CREATE TRIGGER rag_chunks_insert_generation AFTER INSERT ON rag_chunks BEGIN
        UPDATE rag_collections SET generation = generation + 1 WHERE name = NEW.collection;
      END;
      CREATE TRIGGER rag_chunks_update_generation AFTER UPDATE ON rag_chunks BEGIN
        UPDATE rag_collections SET generation = generation + 1 WHERE name IN (OLD.collection, NEW.collection);
      END;
      CREATE TRIGGER rag_chunks_delete_generation AFTER DELETE ON rag_chunks BEGIN
        UPDATE rag_collections SET generation = generation + 1 WHERE name = OLD.collection;
      END;
    `,
  },
];
