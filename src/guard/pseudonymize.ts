/** Replaces findings with consistent placeholders in a copy of the request. */
import type { ChatRequest } from '../api/types.js';
import { MeridianError } from '../errors.js';
import { OPEN, CLOSE, placeholderBodies, placeholderBody } from './placeholder.js';
import { isJsonText, requestTexts } from './request-texts.js';
import { createRestorer } from './restore.js';
import type { Inspection, LocatedFinding, Pseudonymized } from './types.js';

/** The guard could not pseudonymize: the request must not go to a cloud deployment. */
export function pseudonymizeFailed(cause?: unknown): MeridianError {
  return new MeridianError(
    500,
    'server_error',
    'guard_error',
    'The privacy guard could not pseudonymize this request, so it was not sent to a cloud deployment.',
    { cause },
  );
}

/** Tool-call arguments are JSON text: the real value of a span there is its JSON-unescaped form. */
function realValue(f: LocatedFinding): string {
  if (!isJsonText(f.path) || !f.value.includes('\\')) return f.value;
  try {
    return JSON.parse(`"${f.value}"`) as string;
  } catch {
    return f.value;
  }
}

function replaceSpans(text: string, findings: LocatedFinding[], placeholderOf: (f: LocatedFinding) => string): string {
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const f of sorted) {
    if (f.start < pos || text.slice(f.start, f.end) !== f.value) throw pseudonymizeFailed();
    out += text.slice(pos, f.start) + placeholderOf(f);
    pos = f.end;
  }
  return out + text.slice(pos);
}

/** A trie of the request paths that change; a leaf holds the findings in that string. */
interface PathNode {
  children: Map<string | number, PathNode>;
  findings?: LocatedFinding[];
}

function buildTrie(findings: LocatedFinding[]): PathNode {
  const root: PathNode = { children: new Map() };
  for (const f of findings) {
    let node = root;
    for (const key of f.path) {
      let next = node.children.get(key);
      if (!next) node.children.set(key, (next = { children: new Map() }));
      node = next;
    }
    (node.findings ??= []).push(f);
  }
  return root;
}

/** A copy of `value` with the strings at the trie's leaves rewritten; untouched branches are shared. */
function rewrite(value: unknown, node: PathNode, replace: (text: string, found: LocatedFinding[]) => string): unknown {
  if (node.findings) {
    // The inspection must describe this very request: a path that is not a string fails closed.
    if (typeof value !== 'string') throw pseudonymizeFailed();
    return replace(value, node.findings);
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    for (const [key, child] of node.children) {
      if (typeof key !== 'number' || key < 0 || key >= copy.length) throw pseudonymizeFailed();
      copy[key] = rewrite(copy[key], child, replace);
    }
    return copy;
  }
  if (value === null || typeof value !== 'object') throw pseudonymizeFailed();
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, child] of node.children) {
    if (!Object.hasOwn(copy, key)) throw pseudonymizeFailed();
    copy[key] = rewrite(copy[key], child, replace);
  }
  return copy;
}

export function pseudonymizeRequest(request: ChatRequest, inspection: Inspection): Pseudonymized {
  try {
    // Placeholder-like tokens the client already sent are never handed out: restore then only
    // ever replaces placeholders this request created, never a look-alike from the client.
    const taken = new Set<string>();
    if (inspection.findings.length > 0) for (const { text } of requestTexts(request)) placeholderBodies(text, taken);

    const placeholderByValue = new Map<string, string>();
    const valueByPlaceholder = new Map<string, string>();
    const perType = new Map<string, number>();
    const placeholderOf = (f: LocatedFinding): string => {
      const value = realValue(f);
      const mapKey = `${f.type}\u0000${value}`;
      let placeholder = placeholderByValue.get(mapKey);
      if (placeholder === undefined) {
        let n = perType.get(f.type) ?? 0;
        let body: string;
        do body = placeholderBody(f.type, ++n);
        while (taken.has(body));
        perType.set(f.type, n);
        placeholder = `${OPEN}${body}${CLOSE}`;
        placeholderByValue.set(mapKey, placeholder);
        valueByPlaceholder.set(placeholder, value);
      }
      return placeholder;
    };

    // Findings are in document order, so numbering follows the text (the first email is EMAIL_1).
    for (const f of inspection.findings) placeholderOf(f);
    const safe = rewrite(request, buildTrie(inspection.findings), (text, found) => replaceSpans(text, found, placeholderOf)) as ChatRequest;
    return { request: safe, restorer: createRestorer(valueByPlaceholder) };
  } catch (err) {
    if (err instanceof MeridianError) throw err;
    throw pseudonymizeFailed(err);
  }
}
