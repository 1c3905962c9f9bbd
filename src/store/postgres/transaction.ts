/**
 * Transactions and schema migrations on one pooled client. Both the RAG store's atomic writes and
 * every migration run between BEGIN and COMMIT with a ROLLBACK on failure; a client whose ROLLBACK
 * failed is in an unknown state and is destroyed instead of going back to the pool.
 */
import type { Pool, PoolClient } from 'pg';
import { checkMigrations, type Migration } from '../migration.js';

type Row = Record<string, unknown>;

/**
 * Runs `fn` between BEGIN and COMMIT on `client`; the failure that made it roll back is what
 * throws. `onBroken` hears of a failed ROLLBACK (the caller must then destroy the client).
 */
export async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>, onBroken: () => void): Promise<T> {
  await client.query('BEGIN');
  try {
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(onBroken);
    throw err;
  }
}

/**
 * Statements in one transaction, after a transaction-scoped advisory lock on `lock` (writers of one
 * collection queue instead of colliding); returns each statement's row count.
 */
export async function atomically(
  pool: Pool,
  statements: ReadonlyArray<{ sql: string; params: unknown[] }>,
  lock: string,
): Promise<number[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    return await inTransaction(
      client,
      async () => {
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lock]);
        const changed: number[] = [];
        for (const s of statements) changed.push((await client.query(s.sql, s.params)).rowCount ?? 0);
        return changed;
      },
      () => (broken = true),
    );
  } finally {
    client.release(broken);
  }
}

const MIGRATION_LOCK = `hashtext('meridian-migrations:' || coalesce(current_schema(), ''))`;

/** Applies the migrations not yet recorded in schema_migrations, each in its own transaction. */
export async function migrate(pool: Pool, migrations: readonly Migration[]): Promise<void> {
  checkMigrations(migrations);
  const client = await pool.connect();
  let broken = false;
  try {
    // One lock per schema: replicas starting together apply each migration exactly once.
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
      const applied = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => Number(r.version)));
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        await inTransaction(
          client,
          async () => {
            await client.query(m.sql);
            await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          },
          () => (broken = true),
        );
      }
    } finally {
      if (!broken) await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
  } finally {
    client.release(broken);
  }
}

/** Versions recorded in schema_migrations (for tests and `meridian doctor`). */
export async function appliedMigrations(pool: Pool): Promise<number[]> {
  const res = await pool.query('SELECT version FROM schema_migrations ORDER BY version');
  return res.rows.map((r: Row) => Number(r.version));
}
