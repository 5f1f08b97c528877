/**
 * Turns the event stream of one response into its output items. A response
 * counts only once `response.completed` (or its alias `response.done`) came;
 * a failed one becomes the error failures.ts names.
 */
import { RetryableError, streamFailure } from './failures.js';
import {
  assistantMessage,
  isPhase,
  type InputItem,
  type Phase,
} from './items.js';
import { ProviderError, asRecord, log } from './output.js';
import type { Settings } from './settings.js';
import type { SseMessage } from './sse.js';

export interface RoundResult {
  items: InputItem[];
  usage?: { input_tokens?: number; output_tokens?: number };
}

export interface RoundCollector {
  handle(message: SseMessage): void;
  finish(): RoundResult;
}

function messageItem(
  item: Record<string, any>,
  deltas: Map<string, string>,
): InputItem | undefined {
  const parts = Array.isArray(item.content) ? item.content : [];
  const text =
    parts
      .filter(
        (part: any) =>
          part?.type === 'output_text' && typeof part.text === 'string',
      )
      .map((part: any) => part.text as string)
      .join('') ||
    (deltas.get(item.id) ?? '');
  if (!text) return undefined;
  const phase: Phase | undefined = isPhase(item.phase) ? item.phase : undefined;
  return assistantMessage(text, phase);
}

/** Output items as we replay them: the fields the API takes, no server ids. */
function toInputItem(
  item: Record<string, any>,
  deltas: Map<string, string>,
): InputItem | undefined {
  if (item.type === 'message') return messageItem(item, deltas);
  if (item.type === 'function_call') {
    return {
      type: 'function_call',
      call_id: String(item.call_id ?? item.id ?? ''),
      name: String(item.name ?? ''),
      arguments: typeof item.arguments === 'string' ? item.arguments : '{}',
    };
  }
  if (item.type === 'reasoning') {
    return {
      type: 'reasoning',
      summary: Array.isArray(item.summary) ? item.summary : [],
      ...(typeof item.encrypted_content === 'string'
        ? { encrypted_content: item.encrypted_content }
        : {}),
    };
  }
  return undefined;
}

/**
 * `headers`: those of the streamed answer, which carry the rate-limit windows
 * a usage-limit failure needs for its reset time.
 */
export function createRoundCollector(
  settings: Settings,
  headers: Headers,
): RoundCollector {
  const items: InputItem[] = [];
  const deltas = new Map<string, string>();
  let completed = false;
  let usage: RoundResult['usage'];

  const handlers: Record<string, (payload: Record<string, any>) => void> = {
    'response.output_text.delta': (payload) => {
      if (
        typeof payload.item_id === 'string' &&
        typeof payload.delta === 'string'
      ) {
        deltas.set(
          payload.item_id,
          (deltas.get(payload.item_id) ?? '') + payload.delta,
        );
      }
    },
    'response.output_item.done': (payload) => {
      const item = toInputItem(asRecord(payload.item), deltas);
      if (item) items.push(item);
    },
    'response.completed': (payload) => {
      completed = true;
      usage = asRecord(payload.response).usage;
    },
    'response.failed': (payload) => {
      throw streamFailure(
        asRecord(asRecord(payload.response).error),
        headers,
        settings,
      );
    },
    'response.incomplete': (payload) => {
      const details = asRecord(asRecord(payload.response).incomplete_details);
      throw new ProviderError(
        `Codex stopped before finishing the answer (${details.reason || 'incomplete'}).`,
      );
    },
    error: (payload) => {
      throw streamFailure(
        asRecord(payload.error ?? payload),
        headers,
        settings,
      );
    },
  };
  handlers['response.done'] = handlers['response.completed'];

  return {
    handle(message) {
      let payload: Record<string, any>;
      try {
        payload = asRecord(JSON.parse(message.data));
      } catch {
        log(`Ignoring an event that is not JSON (${message.event})`);
        return;
      }
      const type =
        typeof payload.type === 'string' ? payload.type : message.event;
      // Other events (created, added, argument deltas, new kinds) add nothing we need.
      if (Object.hasOwn(handlers, type)) handlers[type](payload);
    },
    finish() {
      if (!completed) {
        throw new RetryableError(
          'The Codex answer stopped before it was complete (the stream ended without response.completed). Send your message again.',
          'The stream ended without response.completed',
        );
      }
      return { items, usage };
    },
  };
}
