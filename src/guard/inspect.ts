/** Walks a ChatRequest: every message's text, tool results and assistant tool-call arguments. */
import type { ChatRequest } from '../api/types.js';
import type { GuardAction, GuardConfig } from './config.js';
import type { Scanner } from './scan.js';
import type { FindingLocation, Inspection, LocatedFinding } from './types.js';

const STRICTNESS: Record<GuardAction, number> = { allow: 0, pseudonymize: 1, 'local-only': 2, block: 3 };

/** The stricter of two actions: block > local-only > pseudonymize > allow. */
export function stricterAction(a: GuardAction, b: GuardAction): GuardAction {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}

/** Calls `visit` with each scannable string of the request and where it sits. */
export function forEachText(request: ChatRequest, visit: (text: string, where: FindingLocation) => void): void {
  request.messages.forEach((message, m) => {
    const content = message.content;
    if (typeof content === 'string') visit(content, { message: m, field: 'content' });
    else if (Array.isArray(content)) {
      content.forEach((part, p) => {
        if (part.type === 'text') visit(part.text, { message: m, field: 'content', part: p });
      });
    }
    message.tool_calls?.forEach((call, c) => visit(call.function.arguments, { message: m, field: 'tool_call', toolCall: c }));
  });
}

export function inspectRequest(request: ChatRequest, scanner: Scanner, config: GuardConfig): Inspection {
  if (!config.enabled) return { findings: [], counts: {}, action: 'allow' };
  try {
    const findings: LocatedFinding[] = [];
    forEachText(request, (text, where) => {
      for (const f of scanner.scan(text)) findings.push({ ...f, ...where });
    });
    const counts: Record<string, number> = {};
    let action: GuardAction = 'allow';
    for (const f of findings) {
      counts[f.type] = (counts[f.type] ?? 0) + 1;
      action = stricterAction(action, config.actions[f.type] ?? config.defaultAction);
    }
    return { findings, counts, action };
  } catch {
    // Fail closed: an unscannable request never leaves for a cloud deployment.
    return { findings: [], counts: { guard_error: 1 }, action: 'local-only' };
  }
}
