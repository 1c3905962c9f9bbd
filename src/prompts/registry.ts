/**
 * The prompt registry: immutable versions, movable labels, every change audited. Resolution is
 * cached in memory; a change invalidates this process's cache at once and, scaled out, every
 * replica's through the store's events (Redis pub/sub). A replica that missed the message (Redis
 * briefly away) still drops its entries after `cacheTtlMs` (default 5 s): the documented bound.
 */
import { InvalidRequestError, NotFoundError, PermissionDeniedError } from '../errors.js';
import type { PromptLabelRecord, PromptVersionRecord, Store } from '../store/types.js';
import { assertLabelName, assertPromptName, contentHash, LATEST, parsePromptBody, type PromptBody } from './definition.js';

export const DEFAULT_CACHE_TTL_MS = 5_000;
const MAX_REASON = 500;

/** Who makes a change: `master` may move protected labels. */
export interface Actor {
  name: string;
  master: boolean;
}

export interface PromptRef {
  name: string;
  label?: string;
  version?: number;
}

export interface ResolvedPrompt {
  name: string;
  version: number;
  body: PromptBody;
}

export interface RegistryOptions {
  cacheTtlMs?: number;
  now?: () => number;
  /** Called after another replica's (or this one's) change notice dropped cached entries of `name`. */
  onNotified?: (name: string) => void;
}

/** The store events channel: its messages are prompt names. */
export const PROMPTS_CHANNEL = 'prompts';

export class PromptRegistry {
  private readonly cache = new Map<string, { value: ResolvedPrompt; expires: number }>();
  private readonly ttl: number;
  private readonly now: () => number;
  /** Settles once change notices are subscribed to (at once embedded); never rejects: the TTL still bounds staleness. */
  readonly subscribed: Promise<void>;

  constructor(
    private readonly store: Store,
    opts: RegistryOptions = {},
  ) {
    this.ttl = opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.now = opts.now ?? Date.now;
    const events = store.events;
    this.subscribed = events
      ? events
          .subscribe(PROMPTS_CHANNEL, (name) => {
            this.invalidate(name);
            opts.onNotified?.(name);
          })
          .then(
            () => undefined,
            () => undefined,
          )
      : Promise.resolve();
  }

  /** The version a reference names; 404 for an unknown prompt, label or version (never a fallback). */
  async resolve(ref: PromptRef): Promise<ResolvedPrompt> {
    const key = `${ref.name}\u0000${ref.label ?? ''}\u0000${ref.version ?? ''}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const value = await this.lookup(ref);
    this.cache.set(key, { value, expires: this.now() + this.ttl });
    return value;
  }

  private async lookup(ref: PromptRef): Promise<ResolvedPrompt> {
    let rec: PromptVersionRecord | undefined;
    if (ref.version !== undefined) rec = await this.store.prompts.getVersion(ref.name, ref.version);
    else {
      const label = ref.label ?? LATEST;
      if (label === LATEST) rec = await this.store.prompts.latestVersion(ref.name);
      else {
        const l = await this.store.prompts.getLabel(ref.name, label);
        if (!l) await this.notFound(ref.name, `has no label "${label}"`);
        rec = await this.store.prompts.getVersion(ref.name, l!.version);
      }
    }
    if (!rec) await this.notFound(ref.name, ref.version !== undefined ? `has no version ${ref.version}` : 'has no versions');
    return { name: rec!.name, version: rec!.version, body: rec!.body as PromptBody };
  }

  private async notFound(name: string, what: string): Promise<never> {
    const exists = (await this.store.prompts.latestVersion(name)) !== undefined;
    throw new NotFoundError(exists ? `The prompt "${name}" ${what}.` : `There is no prompt named "${name}".`, 'prompt_not_found');
  }

  /** Adds a version when the content differs from the latest one; `created: false` otherwise. */
  async push(name: string, input: unknown, actor: Actor, note?: string): Promise<{ version: number; created: boolean }> {
    assertPromptName(name);
    const body = parsePromptBody(input);
    const hash = contentHash(body);
    const latest = await this.store.prompts.latestVersion(name);
    if (latest?.contentHash === hash) return { version: latest.version, created: false };
    const rec = await this.store.prompts.addVersion({
      name,
      body: body as Record<string, unknown>,
      contentHash: hash,
      createdAt: new Date(this.now()).toISOString(),
      createdBy: actor.name,
      ...(note ? { note: note.slice(0, MAX_REASON) } : {}),
    });
    await this.changed(name);
    await this.audit(actor, 'prompt.version', name, { version: rec.version, ...(note ? { reason: note.slice(0, MAX_REASON) } : {}) });
    return { version: rec.version, created: true };
  }

  /**
   * Points a label at a version. A protected label is moved (or unprotected) by the master key
   * only; `protect` changes protection, and is itself master-only.
   */
  async setLabel(
    name: string,
    label: string,
    version: number,
    actor: Actor,
    opts: { reason?: string; protect?: boolean; action?: string } = {},
  ): Promise<PromptLabelRecord> {
    assertPromptName(name);
    assertLabelName(label);
    if (label === LATEST) throw new InvalidRequestError('The "latest" label moves by itself to the newest version.', 'label');
    if (!Number.isInteger(version) || version < 1) throw new InvalidRequestError('version must be a positive integer.', 'version');
    if (!(await this.store.prompts.getVersion(name, version))) await this.notFound(name, `has no version ${version}`);
    const current = await this.store.prompts.getLabel(name, label);
    const protectedNow = current?.protected ?? false;
    if ((protectedNow || opts.protect !== undefined) && !actor.master)
      throw new PermissionDeniedError(
        protectedNow
          ? `The label "${label}" of "${name}" is protected: only the master key moves it.`
          : 'Only the master key protects or unprotects a label.',
        'label_protected',
        'label',
      );
    const rec: PromptLabelRecord = {
      name,
      label,
      version,
      protected: opts.protect ?? protectedNow,
      updatedAt: new Date(this.now()).toISOString(),
      updatedBy: actor.name,
    };
    await this.store.prompts.setLabel(rec);
    await this.changed(name);
    await this.audit(actor, opts.action ?? 'prompt.label', `${name}@${label}`, {
      from: current?.version ?? null,
      to: version,
      protected: rec.protected,
      ...(opts.reason ? { reason: opts.reason.slice(0, MAX_REASON) } : {}),
    });
    return rec;
  }

  /** Moves a label back: to `to`, or to the newest version older than the one it points at. */
  async rollback(name: string, label: string, actor: Actor, opts: { to?: number; reason?: string } = {}): Promise<PromptLabelRecord> {
    const current = await this.store.prompts.getLabel(assertPromptName(name), assertLabelName(label));
    if (!current) await this.notFound(name, `has no label "${label}"`);
    let to = opts.to;
    if (to === undefined) {
      const older = (await this.store.prompts.listVersions(name)).find((v) => v.version < current!.version);
      if (!older)
        throw new InvalidRequestError(`"${name}@${label}" points at version ${current!.version}: there is no older version.`, 'to');
      to = older.version;
    }
    return this.setLabel(name, label, to, actor, { ...(opts.reason ? { reason: opts.reason } : {}), action: 'prompt.rollback' });
  }

  /** Drops cached resolutions of `name` here, and tells the other replicas (best effort). */
  private async changed(name: string): Promise<void> {
    this.invalidate(name);
    await this.store.events?.publish(PROMPTS_CHANNEL, name).catch(() => undefined);
  }

  /** Drops this process's cached resolutions of `name`. */
  invalidate(name: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${name}\u0000`)) this.cache.delete(key);
  }

  private async audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    await this.store.audit.append({ time: new Date(this.now()).toISOString(), actor: actor.name, action, target, details });
  }
}

const registries = new WeakMap<Store, PromptRegistry>();

/** One registry (one cache) per store per process, shared by the admin API and the request path. */
export function promptRegistryOf(store: Store): PromptRegistry {
  let r = registries.get(store);
  if (!r) registries.set(store, (r = new PromptRegistry(store)));
  return r;
}
