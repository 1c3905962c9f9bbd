/**
 * The prompt registry and outcome feedback tables, implemented once for both backends: the SQL is
 * the same in SQLite and PostgreSQL except for placeholders (`?` / `$n`), and values are encoded as
 * text/number/null (JSON as text, booleans 1/0, time ISO-8601) which both accept.
 */
import { parseJson, toIsoTime, type LogValue } from './log-rows.js';
import { cleanText, optText } from './sanitize.js';
import type { FeedbackRecord, FeedbackSummary, FeedbackSummaryGroup, PromptLabelRecord, PromptVersionRecord, Store } from './types.js';

type Row = Record<string, unknown>;

/** Runs one statement; rows for a query (or a RETURNING clause), [] otherwise. */
export type RunSql = (sql: string, params: LogValue[]) => Promise<Row[]>;

export interface RecordSqlDialect {
  /** The n-th parameter (1-based); PostgreSQL casts it to `pgType` (an INSERT … SELECT infers no column types). */
  placeholder(n: number, pgType?: string): string;
  /** True when `err` is a primary-key collision (two writers took the same next version). */
  isUniqueViolation(err: unknown): boolean;
}

const VERSION_COLUMNS = ['name', 'version', 'body', 'content_hash', 'created_at', 'created_by', 'note'] as const;
const LABEL_COLUMNS = ['name', 'label', 'version', 'protected', 'updated_at', 'updated_by'] as const;
const FEEDBACK_COLUMNS = ['id', 'request_id', 'time', 'key_id', 'score', 'label', 'comment'] as const;
/**
 * Concurrent pushes of the same prompt: each retry reads the new maximum, and each round exactly
 * one of the pushes that read the same maximum wins, so N simultaneous pushes need up to N
 * attempts (5 failed the conformance test's 8 concurrent pushes on PostgreSQL now and then).
 */
const ADD_VERSION_ATTEMPTS = 32;

function list(from: number, d: RecordSqlDialect, pgTypes: readonly string[]): string {
  return pgTypes.map((t, i) => d.placeholder(from + i, t)).join(', ');
}

function decodeVersion(r: Row): PromptVersionRecord {
  const rec: PromptVersionRecord = {
    name: String(r.name),
    version: Number(r.version),
    body: (parseJson(r.body) as Record<string, unknown> | undefined) ?? {},
    contentHash: String(r.content_hash),
    createdAt: toIsoTime(r.created_at as string | Date),
    createdBy: String(r.created_by),
  };
  if (r.note !== null && r.note !== undefined) rec.note = String(r.note);
  return rec;
}

function decodeLabel(r: Row): PromptLabelRecord {
  return {
    name: String(r.name),
    label: String(r.label),
    version: Number(r.version),
    protected: r.protected === true || Number(r.protected) === 1,
    updatedAt: toIsoTime(r.updated_at as string | Date),
    updatedBy: String(r.updated_by),
  };
}

function decodeFeedback(r: Row): FeedbackRecord {
  const rec: FeedbackRecord = { id: String(r.id), requestId: String(r.request_id), time: toIsoTime(r.time as string | Date) };
  if (r.key_id !== null && r.key_id !== undefined) rec.keyId = String(r.key_id);
  if (r.score !== null && r.score !== undefined) rec.score = Number(r.score);
  if (r.label !== null && r.label !== undefined) rec.label = String(r.label);
  if (r.comment !== null && r.comment !== undefined) rec.comment = String(r.comment);
  return rec;
}

export function promptRecords(run: RunSql, d: RecordSqlDialect): Store['prompts'] {
  const p = (n: number): string => d.placeholder(n);
  const versionCols = VERSION_COLUMNS.join(', ');
  return {
    addVersion: async (rec) => {
      const sql =
        `INSERT INTO prompt_versions (${versionCols}) ` +
        `SELECT ${d.placeholder(1, 'text')}, coalesce(max(version), 0) + 1, ${list(2, d, ['jsonb', 'text', 'timestamptz', 'text', 'text'])} FROM prompt_versions WHERE name = ${d.placeholder(7, 'text')} ` +
        `RETURNING version`;
      const params: LogValue[] = [
        rec.name,
        JSON.stringify(rec.body),
        rec.contentHash,
        toIsoTime(rec.createdAt),
        cleanText(rec.createdBy, 200),
        optText(rec.note, 1_000),
        rec.name,
      ];
      for (let attempt = 1; ; attempt++) {
        try {
          const rows = await run(sql, params);
          return { ...rec, version: Number(rows[0]?.version) };
        } catch (err) {
          if (attempt >= ADD_VERSION_ATTEMPTS || !d.isUniqueViolation(err)) throw err;
        }
      }
    },
    getVersion: async (name, version) => {
      const rows = await run(`SELECT ${versionCols} FROM prompt_versions WHERE name = ${p(1)} AND version = ${p(2)}`, [name, version]);
      return rows[0] ? decodeVersion(rows[0]) : undefined;
    },
    latestVersion: async (name) => {
      const rows = await run(`SELECT ${versionCols} FROM prompt_versions WHERE name = ${p(1)} ORDER BY version DESC LIMIT 1`, [name]);
      return rows[0] ? decodeVersion(rows[0]) : undefined;
    },
    listVersions: async (name) => {
      const rows = await run(`SELECT ${versionCols} FROM prompt_versions WHERE name = ${p(1)} ORDER BY version DESC`, [name]);
      return rows.map(decodeVersion);
    },
    listNames: async () => {
      const rows = await run('SELECT name, max(version) AS latest FROM prompt_versions GROUP BY name ORDER BY name', []);
      return rows.map((r) => ({ name: String(r.name), latest: Number(r.latest) }));
    },
    setLabel: async (rec) => {
      await run(
        `INSERT INTO prompt_labels (${LABEL_COLUMNS.join(', ')}) VALUES (${list(1, d, ['text', 'text', 'integer', 'boolean', 'timestamptz', 'text'])}) ` +
          'ON CONFLICT (name, label) DO UPDATE SET version = excluded.version, protected = excluded.protected, ' +
          'updated_at = excluded.updated_at, updated_by = excluded.updated_by',
        [rec.name, rec.label, rec.version, rec.protected ? 1 : 0, toIsoTime(rec.updatedAt), cleanText(rec.updatedBy, 200)],
      );
    },
    getLabel: async (name, label) => {
      const rows = await run(`SELECT ${LABEL_COLUMNS.join(', ')} FROM prompt_labels WHERE name = ${p(1)} AND label = ${p(2)}`, [
        name,
        label,
      ]);
      return rows[0] ? decodeLabel(rows[0]) : undefined;
    },
    listLabels: async (name) => {
      const rows = await run(`SELECT ${LABEL_COLUMNS.join(', ')} FROM prompt_labels WHERE name = ${p(1)} ORDER BY label`, [name]);
      return rows.map(decodeLabel);
    },
  };
}

/** `flushLog` makes the request log's buffered entries visible first (feedback may follow its request closely). */
export function feedbackRecords(run: RunSql, d: RecordSqlDialect, flushLog: () => Promise<void>): Store['feedback'] {
  const p = (n: number): string => d.placeholder(n);
  return {
    add: async (rec, tenant) => {
      await flushLog();
      const rows = await run(
        `INSERT INTO feedback (${FEEDBACK_COLUMNS.join(', ')}) SELECT ${list(1, d, ['text', 'text', 'timestamptz', 'text', 'double precision', 'text', 'text'])} ` +
          `WHERE EXISTS (SELECT 1 FROM request_log WHERE id = ${d.placeholder(8, 'text')} ` +
          `AND (${d.placeholder(9, 'text')} IS NULL OR tenant = ${d.placeholder(10, 'text')})) RETURNING id`,
        [
          rec.id,
          cleanText(rec.requestId, 200),
          toIsoTime(rec.time),
          optText(rec.keyId, 200),
          typeof rec.score === 'number' && Number.isFinite(rec.score) ? rec.score : null,
          optText(rec.label, 100),
          optText(rec.comment, 2_000),
          cleanText(rec.requestId, 200),
          tenant ?? null,
          tenant ?? null,
        ],
      );
      return rows.length > 0;
    },
    forRequest: async (requestId) => {
      const rows = await run(`SELECT ${FEEDBACK_COLUMNS.join(', ')} FROM feedback WHERE request_id = ${p(1)} ORDER BY time, id`, [
        // Stored ids are cleaned the same way; PostgreSQL refuses NULs and lone surrogates.
        cleanText(requestId, 200),
      ]);
      return rows.map(decodeFeedback);
    },
    summary: async (since) => {
      await flushLog();
      const iso = toIsoTime(since);
      const rows = await run(
        `SELECT r.prompt_version AS pv, r.deployment AS dep, f.label AS label, count(*) AS n, ` +
          `sum(f.score) AS score_sum, count(f.score) AS scored ` +
          `FROM feedback f JOIN request_log r ON r.id = f.request_id WHERE f.time >= ${p(1)} ` +
          'GROUP BY r.prompt_version, r.deployment, f.label',
        [iso],
      );
      return foldSummary(iso, rows);
    },
  };
}

interface Acc {
  feedback: number;
  scoreSum: number;
  scored: number;
  labels: Record<string, number>;
}

function foldSummary(since: string, rows: Row[]): FeedbackSummary {
  const byPrompt = new Map<string, Acc>();
  const byDeployment = new Map<string, Acc>();
  const add = (m: Map<string, Acc>, key: string, r: Row): void => {
    const acc = m.get(key) ?? { feedback: 0, scoreSum: 0, scored: 0, labels: {} };
    acc.feedback += Number(r.n);
    acc.scoreSum += Number(r.score_sum ?? 0);
    acc.scored += Number(r.scored);
    if (r.label !== null && r.label !== undefined) acc.labels[String(r.label)] = (acc.labels[String(r.label)] ?? 0) + Number(r.n);
    m.set(key, acc);
  };
  for (const r of rows) {
    add(byPrompt, r.pv === null || r.pv === undefined ? '' : String(r.pv), r);
    add(byDeployment, r.dep === null || r.dep === undefined ? '' : String(r.dep), r);
  }
  const groups = (m: Map<string, Acc>): FeedbackSummaryGroup[] =>
    [...m.entries()]
      .map(([key, a]) => ({ key, feedback: a.feedback, avgScore: a.scored > 0 ? a.scoreSum / a.scored : null, labels: a.labels }))
      .sort((a, b) => b.feedback - a.feedback || a.key.localeCompare(b.key));
  return { since, byPromptVersion: groups(byPrompt), byDeployment: groups(byDeployment) };
}
