/**
 * What an assertion sees: the target's answer (text, tool calls, latency, cost), the case's
 * variables, the tools that were offered, and a grader for assertions that call models (judge,
 * embeddings) through the gateway. Each assertion returns a `Check`; negation (`not-`), weights
 * and the case's score are applied in one place (./index.ts).
 */
import type { ChatMessage, FunctionTool, ToolCall } from '../../api/types.js';
import type { EvalAssertion } from '../types.js';

/** Calls models through the gateway for model-graded and similarity assertions. */
export interface Grader {
  /** The assistant's text for these messages, from `model`. */
  complete(model: string, messages: ChatMessage[]): Promise<string>;
  /** One vector per input, from `model` (via /v1/embeddings). */
  embed(model: string, inputs: string[]): Promise<number[][]>;
}

export interface AssertionContext {
  output: string;
  toolCalls: ToolCall[];
  latencyMs: number;
  costUsd?: number;
  vars: Record<string, unknown>;
  /** Tools offered to the target (suite + target config). */
  tools: FunctionTool[];
  /** The rendered prompt, as text (the question for factuality). */
  prompt: string;
  grader: Grader;
  /** Suite defaults; an assertion's `provider` wins. */
  judge?: string;
  embedding?: string;
}

export interface Check {
  pass: boolean;
  /** 0..1; defaults to 1 on pass, 0 on fail. */
  score?: number;
  reason: string;
}

export type AssertionFn = (assertion: EvalAssertion, value: unknown, ctx: AssertionContext) => Check | Promise<Check>;

export const passed = (reason = 'passed'): Check => ({ pass: true, reason });
export const failed = (reason: string): Check => ({ pass: false, reason });

/** Short, single-line rendering of a value for reasons. */
export function brief(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
