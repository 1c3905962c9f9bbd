/** Machine report: the run as saved (field names: src/eval/types.ts, `EvalRun`). */
import type { EvalRun } from '../types.js';

export function renderJson(run: EvalRun): string {
  return JSON.stringify(run, null, 2) + '\n';
}
