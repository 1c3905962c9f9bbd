/**
 * What an experiment report reads (src/experiments/report.ts): one experiment's requests and the
 * feedback on them, for both backends (the SQL differs only in placeholders). Statistics are
 * computed in TypeScript, the same for both databases (SQLite has no percentile function).
 */
import type { RecordSqlDialect, RunSql } from './prompt-records.js';
import { toIsoTime } from './log-rows.js';
import type { ExperimentObservations, Store } from './types.js';

/** Requests read per report at most (newest first): bounds the memory and time of one report. */
export const MAX_EXPERIMENT_ROWS = 200_000;

export function experimentRecords(run: RunSql, d: RecordSqlDialect, flushLog: () => Promise<void>): Store['experiments'] {
  const p = (n: number): string => d.placeholder(n);
  return {
    observations: async (experiment, since, limit = MAX_EXPERIMENT_ROWS): Promise<ExperimentObservations> => {
      await flushLog();
      const prefix = `${experiment}/`;
      const n = Math.min(Math.max(1, Math.trunc(limit)), MAX_EXPERIMENT_ROWS);
      // substr, not LIKE: experiment names may contain "_", a LIKE wildcard.
      const match = `substr(variant, 1, ${p(1)}) = ${p(2)}`;
      const rows = await run(
        `SELECT variant, status, latency_ms, cost_usd, time FROM request_log WHERE ${match} AND time >= ${p(3)} ` +
          `ORDER BY time DESC LIMIT ${p(4)}`,
        [prefix.length, prefix, toIsoTime(since), n + 1],
      );
      const truncated = rows.length > n;
      if (truncated) rows.length = n;
      // Feedback on the requests read: from the oldest one read when the limit cut the rest.
      const from = truncated ? toIsoTime(rows[rows.length - 1]!.time as string | Date) : toIsoTime(since);
      const fb = await run(
        `SELECT r.variant AS variant, f.score AS score, f.label AS label FROM feedback f JOIN request_log r ON r.id = f.request_id ` +
          `WHERE substr(r.variant, 1, ${p(1)}) = ${p(2)} AND r.time >= ${p(3)}`,
        [prefix.length, prefix, from],
      );
      return {
        requests: rows.map((r) => ({
          variant: String(r.variant),
          status: Number(r.status),
          latencyMs: Number(r.latency_ms),
          costUsd: r.cost_usd === null || r.cost_usd === undefined ? null : Number(r.cost_usd),
        })),
        feedback: fb.map((r) => ({
          variant: String(r.variant),
          score: r.score === null || r.score === undefined ? null : Number(r.score),
          label: r.label === null || r.label === undefined ? null : String(r.label),
        })),
        truncated,
      };
    },
  };
}
