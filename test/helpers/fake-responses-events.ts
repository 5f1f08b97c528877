/**
 * Scripted answers for the fake Codex backend: Responses API events as the
 * real service streams them, and the replies built from them.
 */

export interface SseEvent {
  /** The `event:` name; the JSON payload carries the same value as `type`. */
  type: string;
  data: Record<string, unknown>;
}

interface ReplyTiming {
  /** Hold the reply until this settles (the request is recorded at once). */
  waitFor?: Promise<unknown>;
}

export interface StreamReply extends ReplyTiming {
  kind: 'stream';
  events: SseEvent[];
  /**
   * How the bytes are written: 'whole' in one write, 'awkward' cut inside every
   * multi-byte UTF-8 character, inside every `data:` field name and between
   * every \r and \n.
   */
  split?: 'whole' | 'awkward';
  lineEnding?: '\n' | '\r\n';
  /** Spread each payload over several `data:` lines. */
  multilineData?: boolean;
  /** Put `: comment` lines and an unknown event between the real ones. */
  noise?: boolean;
  /** End the body cleanly after this many events (no response.completed). */
  endAfter?: number;
  /** Destroy the connection after this many events. */
  dropAfter?: number;
  /** Send this many events, then nothing more while the connection stays open. */
  stallAfter?: number;
  headers?: Record<string, string>;
}

export interface StatusReply extends ReplyTiming {
  kind: 'status';
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Reply = StreamReply | StatusReply;

export type Phase = 'commentary' | 'final_answer';

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${++counter}`;

function created(responseId: string): SseEvent {
  return {
    type: 'response.created',
    data: { response: { id: responseId, status: 'in_progress', output: [] } },
  };
}

function finished(
  responseId: string,
  type: 'response.completed' | 'response.done' = 'response.completed',
): SseEvent {
  return {
    type,
    data: {
      response: {
        id: responseId,
        status: 'completed',
        output: [],
        usage: { input_tokens: 42, output_tokens: 7, total_tokens: 49 },
      },
    },
  };
}

/** Events for one assistant message, streamed in the given pieces. */
export function messageEvents(
  pieces: string[],
  outputIndex = 0,
  phase?: Phase,
): SseEvent[] {
  const id = nextId('msg');
  const text = pieces.join('');
  const item = {
    id,
    type: 'message',
    role: 'assistant',
    ...(phase ? { phase } : {}),
  };
  return [
    {
      type: 'response.output_item.added',
      data: {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      },
    },
    ...pieces.map((delta) => ({
      type: 'response.output_text.delta',
      data: { item_id: id, output_index: outputIndex, content_index: 0, delta },
    })),
    {
      type: 'response.output_text.done',
      data: { item_id: id, output_index: outputIndex, content_index: 0, text },
    },
    {
      type: 'response.output_item.done',
      data: {
        output_index: outputIndex,
        item: {
          ...item,
          status: 'completed',
          content: [{ type: 'output_text', text, annotations: [] }],
        },
      },
    },
  ];
}

export function reasoningEvents(summary: string, outputIndex = 0): SseEvent[] {
  return [
    {
      type: 'response.output_item.done',
      data: {
        output_index: outputIndex,
        item: {
          id: nextId('rs'),
          type: 'reasoning',
          summary: [{ type: 'summary_text', text: summary }],
          encrypted_content: `encrypted-${summary.length}`,
        },
      },
    },
  ];
}

export interface ScriptedCall {
  name: string;
  arguments: Record<string, unknown>;
  callId?: string;
}

export function functionCallEvents(
  call: ScriptedCall,
  outputIndex = 0,
): SseEvent[] {
  const id = nextId('fc');
  const args = JSON.stringify(call.arguments);
  const item = {
    id,
    type: 'function_call',
    call_id: call.callId ?? nextId('call'),
    name: call.name,
  };
  return [
    {
      type: 'response.output_item.added',
      data: {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', arguments: '' },
      },
    },
    {
      type: 'response.function_call_arguments.delta',
      data: { item_id: id, output_index: outputIndex, delta: args },
    },
    {
      type: 'response.output_item.done',
      data: {
        output_index: outputIndex,
        item: { ...item, status: 'completed', arguments: args },
      },
    },
  ];
}

/** A whole response: created, the given output events, completed. */
export function responseEvents(...outputs: SseEvent[][]): SseEvent[] {
  const id = nextId('resp');
  return [created(id), ...outputs.flat(), finished(id)];
}

type ReplyOptions = Omit<StreamReply, 'kind' | 'events'> & { phase?: Phase };

export function textReply(
  text: string | string[],
  { phase, ...options }: ReplyOptions = {},
): StreamReply {
  const pieces = Array.isArray(text) ? text : [text];
  return {
    kind: 'stream',
    events: responseEvents(messageEvents(pieces, 0, phase)),
    ...options,
  };
}

export function toolCallReply(
  calls: ScriptedCall[],
  options: { text?: string } & ReplyTiming = {},
): StreamReply {
  const outputs: SseEvent[][] = [reasoningEvents('Thinking about tools')];
  if (options.text) outputs.push(messageEvents([options.text], 1));
  calls.forEach((call, i) =>
    outputs.push(functionCallEvents(call, outputs.length + i)),
  );
  return {
    kind: 'stream',
    events: responseEvents(...outputs),
    waitFor: options.waitFor,
  };
}

/**
 * One response with phased assistant messages, as the newer models send
 * them: commentary, then tool calls, then (if given) a final answer.
 */
export function phasedReply(script: {
  commentary?: string;
  calls?: ScriptedCall[];
  finalAnswer?: string;
}): StreamReply {
  const outputs: SseEvent[][] = [reasoningEvents('Planning')];
  const add = (events: (index: number) => SseEvent[]) =>
    outputs.push(events(outputs.length));
  if (script.commentary) {
    add((i) => messageEvents([script.commentary!], i, 'commentary'));
  }
  for (const call of script.calls ?? [])
    add((i) => functionCallEvents(call, i));
  if (script.finalAnswer) {
    add((i) => messageEvents([script.finalAnswer!], i, 'final_answer'));
  }
  return { kind: 'stream', events: responseEvents(...outputs) };
}

/** A response that ends with `response.done` instead of `response.completed`. */
export function doneReply(text: string): StreamReply {
  const id = nextId('resp');
  return {
    kind: 'stream',
    events: [
      created(id),
      ...messageEvents([text]),
      finished(id, 'response.done'),
    ],
  };
}

/** Starts answering, then sends nothing more while keeping the connection open. */
export function stallingReply(text: string, after = 2): StreamReply {
  return { ...textReply(text), stallAfter: after };
}

export function failedReply(
  message: string,
  code = 'server_error',
  error: Record<string, unknown> = {},
): StreamReply {
  const id = nextId('resp');
  return {
    kind: 'stream',
    events: [
      created(id),
      {
        type: 'response.failed',
        data: {
          response: {
            id,
            status: 'failed',
            error: { code, message, ...error },
          },
        },
      },
    ],
  };
}

/** A reply whose body ends (cleanly) before response.completed. */
export function truncatedReply(text: string): StreamReply {
  const events = responseEvents(messageEvents([text]));
  return { kind: 'stream', events, endAfter: events.length - 1 };
}

export function statusReply(
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): StatusReply {
  return { kind: 'status', status, body, headers };
}

/** A promise for `waitFor`, and the function that settles it. */
export function createGate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
