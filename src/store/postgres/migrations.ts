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
];
