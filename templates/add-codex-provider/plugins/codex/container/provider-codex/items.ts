/**
 * Responses API input items, as we send and remember them.
 *
 * With `store: false` the backend keeps nothing, so every request replays the
 * conversation. Items never carry the server's ids (the backend rejects ids it
 * did not store), and every assistant message keeps its `phase`: the newer
 * models answer worse when a replayed message lost it.
 */

/** `commentary`: progress notes between tool calls; `final_answer`: the reply. */
export type Phase = 'commentary' | 'final_answer';

export interface MessageItem {
  type: 'message';
  role: 'user' | 'assistant';
  content: { type: 'input_text' | 'output_text'; text: string }[];
  phase?: Phase;
}
export interface FunctionCallItem {
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: string;
}
export interface FunctionCallOutputItem {
  type: 'function_call_output';
  call_id: string;
  output: string;
}
/** Kept only within one turn: the model needs it between tool rounds, not later. */
export interface ReasoningItem {
  type: 'reasoning';
  summary: unknown[];
  encrypted_content?: string;
}
/** Messages come from both sides; calls and reasoning from the model. */
type ConversationItem = MessageItem | FunctionCallItem | ReasoningItem;
export type InputItem = ConversationItem | FunctionCallOutputItem;

export function userMessage(text: string): MessageItem {
  return {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text }],
  };
}

export function assistantMessage(text: string, phase?: Phase): MessageItem {
  return {
    type: 'message',
    role: 'assistant',
    content: [{ type: 'output_text', text }],
    ...(phase ? { phase } : {}),
  };
}

export function isPhase(value: unknown): value is Phase {
  return value === 'commentary' || value === 'final_answer';
}

export function isAssistantMessage(item: InputItem): item is MessageItem {
  return item.type === 'message' && item.role === 'assistant';
}

export function messageText(item: MessageItem): string {
  return item.content.map((part) => part.text).join('');
}

/**
 * Give each phase-less assistant message of one response its phase: with a
 * tool call in the same response it was a note on the way, else the answer.
 */
export function settlePhases(response: InputItem[]): void {
  const calls = response.some((item) => item.type === 'function_call');
  for (const item of response) {
    if (isAssistantMessage(item) && !item.phase) {
      item.phase = calls ? 'commentary' : 'final_answer';
    }
  }
}

/** The answers of one response: what goes to the chat. */
export function finalAnswers(response: InputItem[]): string[] {
  return response
    .filter(isAssistantMessage)
    .filter((item) => item.phase === 'final_answer')
    .map(messageText);
}

function textParts(value: unknown): MessageItem['content'] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((part) => part && typeof part.text === 'string')
    .map((part) => ({
      type: part.type === 'output_text' ? 'output_text' : 'input_text',
      text: part.text,
    }));
}

/** One remembered item rebuilt field by field, so nothing stale (an id) rides along. */
function cleanItem(raw: any): InputItem | undefined {
  if (
    raw?.type === 'message' &&
    (raw.role === 'user' || raw.role === 'assistant')
  ) {
    const item: MessageItem = {
      type: 'message',
      role: raw.role,
      content: textParts(raw.content),
    };
    if (isPhase(raw.phase)) item.phase = raw.phase;
    return item;
  }
  if (raw?.type === 'function_call' && typeof raw.call_id === 'string') {
    return {
      type: 'function_call',
      call_id: raw.call_id,
      name: String(raw.name ?? ''),
      arguments: typeof raw.arguments === 'string' ? raw.arguments : '{}',
    };
  }
  if (raw?.type === 'function_call_output' && typeof raw.call_id === 'string') {
    return {
      type: 'function_call_output',
      call_id: raw.call_id,
      output: String(raw.output ?? ''),
    };
  }
  return undefined;
}

/**
 * A turn read back from disk. Sessions saved before phases were kept lack them:
 * a message followed by a tool call in its turn was commentary, else the answer.
 */
export function restoreTurn(raw: unknown): InputItem[] {
  if (!Array.isArray(raw)) return [];
  const items = raw
    .map(cleanItem)
    .filter((item): item is InputItem => Boolean(item));
  items.forEach((item, index) => {
    if (isAssistantMessage(item) && !item.phase) {
      const callFollows = items
        .slice(index + 1)
        .some((later) => later.type === 'function_call');
      item.phase = callFollows ? 'commentary' : 'final_answer';
    }
  });
  return items;
}
