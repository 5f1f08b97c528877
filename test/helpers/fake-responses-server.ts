/**
 * A real HTTP server on 127.0.0.1 that answers like the Codex Responses endpoint.
 *
 * Each POST takes the next scripted reply: an SSE stream of Responses API events
 * (optionally cut at awkward byte boundaries, or cut short), or a plain status
 * with a JSON body. Every request is recorded so tests can check what was sent.
 */
import http from 'http';
import type { AddressInfo } from 'net';

export interface SseEvent {
  /** The `event:` name; the JSON payload carries the same value as `type`. */
  type: string;
  data: Record<string, unknown>;
}

export interface StreamReply {
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
  headers?: Record<string, string>;
}

export interface StatusReply {
  kind: 'status';
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Reply = StreamReply | StatusReply;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: any;
  rawBody: string;
}

export interface FakeResponsesServer {
  /** Full URL of the responses endpoint, for CODEX_API_URL. */
  url: string;
  requests: RecordedRequest[];
  /** Queue more replies. */
  reply(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startFakeResponsesServer(
  replies: Reply[] = [],
): Promise<FakeResponsesServer> {
  const queue = [...replies];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('net').Socket>();

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf-8');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      rawBody,
    });

    const next = queue.shift();
    if (!next) {
      sendJson(res, 500, {
        detail: `fake server: no scripted reply for request ${requests.length}`,
      });
      return;
    }
    if (next.kind === 'status') {
      sendJson(res, next.status, next.body ?? {}, next.headers);
      return;
    }
    await sendStream(res, next);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/backend-api/codex/responses`,
    requests,
    reply: (...more) => queue.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function sendStream(
  res: http.ServerResponse,
  reply: StreamReply,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...reply.headers,
  });
  const eol = reply.lineEnding ?? '\n';
  let events = reply.events;
  const stopAt = reply.dropAfter ?? reply.endAfter;
  if (stopAt !== undefined) events = events.slice(0, stopAt);

  let text = '';
  for (const event of events) {
    if (reply.noise) {
      text += `: keep-alive${eol}${eol}`;
      text += `event: response.future_thing${eol}data: {"type":"response.future_thing","x":1}${eol}${eol}`;
    }
    text += encodeEvent(event, eol, reply.multilineData ?? false);
  }
  const bytes = Buffer.from(text, 'utf-8');
  const pieces = reply.split === 'awkward' ? cutAwkwardly(bytes) : [bytes];

  for (const piece of pieces) {
    res.write(piece);
    // A pause lets each piece reach the client as its own chunk.
    if (pieces.length > 1) await new Promise((r) => setTimeout(r, 1));
  }
  if (reply.dropAfter !== undefined) {
    // Let the client see the headers and events first, so the cut comes mid-body.
    await new Promise((r) => setTimeout(r, 50));
    res.socket?.destroy();
    return;
  }
  res.end();
}

export function encodeEvent(
  event: SseEvent,
  eol: string,
  multilineData: boolean,
): string {
  const payload = { type: event.type, ...event.data };
  const json = multilineData
    ? JSON.stringify(payload, null, 1)
    : JSON.stringify(payload);
  const dataLines = json
    .split('\n')
    .map((line) => `data: ${line}${eol}`)
    .join('');
  return `event: ${event.type}${eol}${dataLines}${eol}`;
}

/** Byte offsets at which a naive parser would break. */
export function awkwardCuts(bytes: Buffer): number[] {
  const cuts = new Set<number>();
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    // Inside a multi-byte character: after its lead byte.
    if (byte >= 0xc0) cuts.add(i + 1);
    // Between \r and \n.
    if (byte === 0x0d && bytes[i + 1] === 0x0a) cuts.add(i + 1);
    // Inside the `data:` field name.
    if (bytes.subarray(i, i + 5).toString('latin1') === 'data:') {
      cuts.add(i + 2);
    }
  }
  return [...cuts]
    .filter((c) => c > 0 && c < bytes.length)
    .sort((a, b) => a - b);
}

function cutAwkwardly(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of awkwardCuts(bytes)) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

// ---- Scripted turns ------------------------------------------------------

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${++counter}`;

function created(responseId: string): SseEvent {
  return {
    type: 'response.created',
    data: { response: { id: responseId, status: 'in_progress', output: [] } },
  };
}

function completed(responseId: string): SseEvent {
  return {
    type: 'response.completed',
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
export function messageEvents(pieces: string[], outputIndex = 0): SseEvent[] {
  const id = nextId('msg');
  const text = pieces.join('');
  const item = { id, type: 'message', role: 'assistant' };
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
  return [created(id), ...outputs.flat(), completed(id)];
}

export function textReply(
  text: string | string[],
  options: Omit<StreamReply, 'kind' | 'events'> = {},
): StreamReply {
  const pieces = Array.isArray(text) ? text : [text];
  return {
    kind: 'stream',
    events: responseEvents(messageEvents(pieces)),
    ...options,
  };
}

export function toolCallReply(
  calls: ScriptedCall[],
  options: { text?: string } = {},
): StreamReply {
  const outputs: SseEvent[][] = [reasoningEvents('Thinking about tools')];
  if (options.text) outputs.push(messageEvents([options.text], 1));
  calls.forEach((call, i) =>
    outputs.push(functionCallEvents(call, outputs.length + i)),
  );
  return { kind: 'stream', events: responseEvents(...outputs) };
}

export function failedReply(
  message: string,
  code = 'server_error',
): StreamReply {
  const id = nextId('resp');
  return {
    kind: 'stream',
    events: [
      created(id),
      {
        type: 'response.failed',
        data: {
          response: { id, status: 'failed', error: { code, message } },
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
