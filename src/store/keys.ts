/**
 * Virtual keys: generation, hashing, and the admin operations (create / revoke / rotate) that
 * the CLI and the admin API share. Every admin operation writes an audit entry. The key itself
 * is returned once, at creation; only its sha256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { ApiKeyRecord, Store } from './types.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` uniformly random base62 characters (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A new virtual key: `mk-` + 32 base62 characters (~190 bits). */
export function generateKey(): string {
  return `mk-${randomBase62(32)}`;
}

/** sha256 hex of the key: what the store keeps and looks keys up by. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Characters of the key kept for display (`mk-` + 5). */
export const KEY_PREFIX_LENGTH = 8;

/** What an admin chooses for a key; the rest (id, hash, times) is generated. */
export interface NewKeySettings {
  tenant: string;
  name?: string;
  models?: string[];
  rpm?: number;
  tpm?: number;
  budget?: ApiKeyRecord['budget'];
  dataPolicy?: ApiKeyRecord['dataPolicy'];
}

export interface CreatedKey {
  /** The secret: show it once, never log it. */
  key: string;
  record: ApiKeyRecord;
}

export async function createApiKey(store: Store, settings: NewKeySettings, actor: string): Promise<CreatedKey> {
  const key = generateKey();
  const record: ApiKeyRecord = {
    id: `key_${randomBase62(16)}`,
    hash: hashKey(key),
    prefix: key.slice(0, KEY_PREFIX_LENGTH),
    tenant: settings.tenant,
    models: settings.models ?? [],
    createdAt: new Date().toISOString(),
    revokedAt: null,
  };
  if (settings.name !== undefined) record.name = settings.name;
  if (settings.rpm !== undefined) record.rpm = settings.rpm;
  if (settings.tpm !== undefined) record.tpm = settings.tpm;
  if (settings.budget !== undefined) record.budget = settings.budget;
  if (settings.dataPolicy !== undefined) record.dataPolicy = settings.dataPolicy;
  await store.keys.create(record);
  await store.audit.append({ time: record.createdAt, actor, action: 'key.created', target: record.id, details: auditDetails(record) });
  return { key, record };
}

/** Revokes a key; throws NotFoundError when no such key exists, returns false if it was already revoked. */
export async function revokeApiKey(store: Store, id: string, actor: string): Promise<boolean> {
  const revoked = await store.keys.revoke(id);
  if (!revoked) {
    await findKeyById(store, id); // throws when unknown
    return false;
  }
  await store.audit.append({ time: new Date().toISOString(), actor, action: 'key.revoked', target: id });
  return true;
}

/**
 * A new key with the same settings, then the old one revoked (in that order, so a failure
 * half-way never leaves the tenant with no working key).
 */
export async function rotateApiKey(store: Store, id: string, actor: string): Promise<CreatedKey> {
  const old = await findKeyById(store, id);
  // Rotating a revoked key would quietly restore access someone took away.
  if (old.revokedAt) throw new InvalidRequestError(`API key '${id}' is revoked; create a new key instead.`, null, 'key_revoked');
  const settings: NewKeySettings = { tenant: old.tenant, models: old.models };
  if (old.name !== undefined) settings.name = old.name;
  if (old.rpm !== undefined) settings.rpm = old.rpm;
  if (old.tpm !== undefined) settings.tpm = old.tpm;
  if (old.budget !== undefined) settings.budget = old.budget;
  if (old.dataPolicy !== undefined) settings.dataPolicy = old.dataPolicy;
  const created = await createApiKey(store, settings, actor);
  await store.keys.revoke(id);
  await store.audit.append({
    time: new Date().toISOString(),
    actor,
    action: 'key.rotated',
    target: id,
    details: { replacedBy: created.record.id },
  });
  return created;
}

export async function findKeyById(store: Store, id: string): Promise<ApiKeyRecord> {
  const rec = (await store.keys.list()).find((k) => k.id === id);
  if (!rec) throw new NotFoundError(`No API key with id '${id}'. List keys with 'meridian keys list'.`, 'key_not_found');
  return rec;
}

/** Settings only: never the hash or the key. */
function auditDetails(rec: ApiKeyRecord): Record<string, unknown> {
  const d: Record<string, unknown> = { tenant: rec.tenant, models: rec.models, prefix: rec.prefix };
  if (rec.rpm !== undefined) d.rpm = rec.rpm;
  if (rec.tpm !== undefined) d.tpm = rec.tpm;
  if (rec.budget !== undefined) d.budget = rec.budget;
  if (rec.dataPolicy !== undefined) d.dataPolicy = rec.dataPolicy;
  return d;
}
