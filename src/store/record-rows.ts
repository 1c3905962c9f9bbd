/**
 * Row encoding for api_keys and audit_log, shared by SQLite and PostgreSQL (JSON as text, time as
 * ISO-8601; decoding accepts both drivers' shapes).
 */
import { parseJson, toIsoTime, type LogValue } from './log-rows.js';
import type { ApiKeyRecord, AuditEntry } from './types.js';

export const KEY_COLUMNS = [
  'id',
  'hash',
  'prefix',
  'tenant',
  'name',
  'models',
  'rpm',
  'tpm',
  'budget',
  'data_policy',
  'created_at',
  'revoked_at',
] as const;

export function encodeKey(k: ApiKeyRecord): LogValue[] {
  return [
    k.id,
    k.hash,
    k.prefix,
    k.tenant,
    k.name ?? null,
    JSON.stringify(k.models ?? []),
    k.rpm ?? null,
    k.tpm ?? null,
    k.budget ? JSON.stringify(k.budget) : null,
    k.dataPolicy ?? null,
    toIsoTime(k.createdAt),
    k.revokedAt ? toIsoTime(k.revokedAt) : null,
  ];
}

export function decodeKey(r: Record<string, unknown>): ApiKeyRecord {
  const rec: ApiKeyRecord = {
    id: String(r.id),
    hash: String(r.hash),
    prefix: String(r.prefix),
    tenant: String(r.tenant),
    models: (parseJson(r.models) as string[] | undefined) ?? [],
    createdAt: toIsoTime(r.created_at as string | Date),
    revokedAt: r.revoked_at === null || r.revoked_at === undefined ? null : toIsoTime(r.revoked_at as string | Date),
  };
  if (r.name !== null && r.name !== undefined) rec.name = String(r.name);
  if (r.rpm !== null && r.rpm !== undefined) rec.rpm = Number(r.rpm);
  if (r.tpm !== null && r.tpm !== undefined) rec.tpm = Number(r.tpm);
  const budget = parseJson(r.budget);
  if (budget) rec.budget = budget as NonNullable<ApiKeyRecord['budget']>;
  if (r.data_policy !== null && r.data_policy !== undefined) rec.dataPolicy = r.data_policy as ApiKeyRecord['dataPolicy'];
  return rec;
}

export const AUDIT_COLUMNS = ['time', 'actor', 'action', 'target', 'details'] as const;

export function encodeAudit(a: AuditEntry): LogValue[] {
  return [toIsoTime(a.time), a.actor, a.action, a.target ?? null, a.details ? JSON.stringify(a.details) : null];
}

export function decodeAudit(r: Record<string, unknown>): AuditEntry {
  const entry: AuditEntry = { time: toIsoTime(r.time as string | Date), actor: String(r.actor), action: String(r.action) };
  if (r.target !== null && r.target !== undefined) entry.target = String(r.target);
  const details = parseJson(r.details);
  if (details) entry.details = details as Record<string, unknown>;
  return entry;
}
