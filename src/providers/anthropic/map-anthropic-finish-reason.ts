/**
 * Anthropic `stop_reason` ↔ canonical `finish_reason`.
 * Reference: https://docs.anthropic.com/en/api/messages (response `stop_reason`) and
 * https://docs.anthropic.com/en/api/handling-stop-reasons
 */
import type { FinishReason } from '../../api/types.js';
import type { AnthropicStopReason } from './anthropic-api.js';

export function mapAnthropicFinishReason(reason: string | null | undefined): FinishReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn': // a server tool loop paused; the turn is over for this request
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // An unknown future reason still ends the turn; 'stop' is the least surprising value.
      return 'stop';
  }
}

/** The reverse, for the inbound `/v1/messages` direction. */
export function finishReasonToAnthropic(reason: FinishReason | null | undefined): AnthropicStopReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
      return 'end_turn';
  }
}
