/**
 * A real HTTP server on 127.0.0.1 that answers like the ChatGPT Codex backend,
 * and as strictly.
 *
 * POST .../responses takes the next scripted reply (fake-responses-events.ts),
 * but only for a request the real service would accept: a User-Agent that is
 * not Node's default, a Bearer token and an account id, a model the catalog
 * has, an effort that model lists, `store: false`, instructions, an input list
 * without item ids, a phase on every assistant message. Anything else gets the
 * real service's refusal, and no scripted reply is used up.
 *
 * GET .../models?client_version=x.y.z serves the model catalog (configurable),
 * without the models whose minimal client version is newer.
 *
 * Every request is recorded so tests can check what was sent.
 */
import http from 'http';
import type { AddressInfo } from 'net';

import {
  type Reply,
  type SseEvent,
  type StreamReply,
} from './fake-responses-events.js';

export * from './fake-responses-events.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: any;
  rawBody: string;
  /** Set when the server refused the request itself, before any scripted reply. */
  rejected?: { status: number; body: unknown };
}

/** A catalog entry as the backend serves it. */
export interface CatalogEntry {
  slug: string;
  display_name: string;
  description: string;
  visibility: 'list' | 'hide';
  priority: number;
  default_reasoning_level: string;
  supported_reasoning_levels: { effort: string; description: string }[];
  minimal_client_version: [number, number, number];
  supported_in_api: boolean;
}

export function catalogEntry(
  slug: string,
  options: {
    priority: number;
    efforts: string[];
    defaultEffort?: string;
    visibility?: 'list' | 'hide';
    minimalClientVersion?: [number, number, number];
  },
): CatalogEntry {
  return {
    slug,
    display_name: slug,
    description: `The ${slug} model.`,
    visibility: options.visibility ?? 'list',
    priority: options.priority,
    default_reasoning_level: options.defaultEffort ?? 'medium',
    supported_reasoning_levels: options.efforts.map((effort) => ({
      effort,
      description: `${effort} reasoning`,
    })),
    minimal_client_version: options.minimalClientVersion ?? [0, 120, 0],
    supported_in_api: true,
  };
}

const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'];

/** Made-up models of the shape the real catalog has; none of them is real. */
export const DEFAULT_CATALOG: CatalogEntry[] = [
  catalogEntry('gpt-5.6-sol', {
    priority: 1,
    efforts: [...EFFORTS, 'ultra'],
    minimalClientVersion: [0, 128, 0],
  }),
  catalogEntry('gpt-5.6-terra', {
    priority: 2,
    efforts: EFFORTS,
    minimalClientVersion: [0, 128, 0],
  }),
  catalogEntry('gpt-5.6-luna', {
    priority: 3,
    efforts: EFFORTS,
    defaultEffort: 'low',
  }),
  catalogEntry('gpt-5.6-aux', {
    priority: 9,
    efforts: ['low', 'medium'],
    defaultEffort: 'low',
    visibility: 'hide',
  }),
  // Newer than the client versions tests send: never listed to them.
  catalogEntry('gpt-5.7-nova', {
    priority: 0,
    efforts: EFFORTS,
    minimalClientVersion: [0, 999, 0],
  }),
];

export interface FakeServerOptions {
  catalog?: CatalogEntry[];
  /** Models the backend no longer serves: gone from the catalog, refused by POST. */
  retired?: string[];
}

export interface FakeResponsesServer {
  /** Full URL of the responses endpoint, for CODEX_API_URL. */
  url: string;
  /** Every POST to the responses endpoint, refused ones too. */
  requests: RecordedRequest[];
  /** Every GET of the model catalog. */
  catalogRequests: RecordedRequest[];
  /** Queue more replies. */
  reply(...replies: Reply[]): void;
  /** The next POST not yet awaited this way, in arrival order. */
  nextRequest(): Promise<RecordedRequest>;
  setCatalog(models: CatalogEntry[]): void;
  retire(...slugs: string[]): void;
  close(): Promise<void>;
}

interface ServerState {
  queue: Reply[];
  catalog: CatalogEntry[];
  retired: Set<string>;
}

type Verdict = { status: number; body: unknown; html?: boolean } | undefined;

const BOT_PAGE =
  '<!DOCTYPE html><html><head><title>Just a moment...</title></head>' +
  '<body>Enable JavaScript and cookies to continue</body></html>';

/** Node's fetch says `node` (older: `undici`); the backend blocks those. */
function checkClient(headers: http.IncomingHttpHeaders): Verdict {
  const agent = (headers['user-agent'] ?? '').trim();
  if (!agent || /^(node|undici)(\/|\s|$)/i.test(agent)) {
    return { status: 403, body: BOT_PAGE, html: true };
  }
  const auth = headers.authorization ?? '';
  if (!/^Bearer \S+/.test(auth) || !headers['chatgpt-account-id']) {
    return { status: 401, body: { detail: 'Unauthorized' } };
  }
  return undefined;
}

function parseVersion(value: string | null): number[] | undefined {
  if (!value || !/^\d+\.\d+\.\d+$/.test(value)) return undefined;
  return value.split('.').map(Number);
}

function versionAtLeast(have: number[], need: number[]): boolean {
  for (let i = 0; i < 3; i++) {
    if (have[i] !== need[i]) return have[i] > need[i];
  }
  return true;
}

function serveCatalog(state: ServerState, url: URL): NonNullable<Verdict> {
  const version = parseVersion(url.searchParams.get('client_version'));
  if (!version) {
    return { status: 400, body: { detail: 'client_version is required' } };
  }
  const models = state.catalog.filter(
    (model) =>
      !state.retired.has(model.slug) &&
      versionAtLeast(version, model.minimal_client_version),
  );
  return { status: 200, body: { models } };
}

function refuse(detail: string): Verdict {
  return { status: 400, body: { detail } };
}

function checkShape(body: any): Verdict {
  if (!body || typeof body !== 'object') return refuse('Invalid JSON body');
  if (body.store !== false) return refuse('Store must be set to false');
  if (typeof body.instructions !== 'string' || !body.instructions) {
    return refuse('Instructions are required');
  }
  if (!Array.isArray(body.input)) return refuse('Input must be a list');
  for (const item of body.input) {
    if (item && typeof item === 'object' && 'id' in item) {
      return refuse(
        `Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false.`,
      );
    }
    if (item?.type === 'message' && item.role === 'assistant' && !item.phase) {
      return refuse('Assistant messages must carry a phase');
    }
  }
  return undefined;
}

function checkModel(state: ServerState, body: any): Verdict {
  const model = state.catalog.find(
    (entry) => entry.slug === body.model && !state.retired.has(entry.slug),
  );
  if (!model) {
    return refuse(
      `The '${body.model}' model is not supported when using Codex with a ChatGPT account.`,
    );
  }
  const effort = body.reasoning?.effort;
  const efforts = model.supported_reasoning_levels.map((level) => level.effort);
  if (effort !== undefined && !efforts.includes(effort)) {
    const listed = efforts.map((e) => `'${e}'`).join(', ');
    return {
      status: 400,
      body: {
        error: {
          message: `Unsupported value: 'reasoning.effort' does not support '${effort}' with this model. Supported values are: ${listed}.`,
          type: 'invalid_request_error',
          param: 'reasoning.effort',
          code: 'unsupported_value',
        },
      },
    };
  }
  return undefined;
}

function judgeResponsesRequest(
  state: ServerState,
  request: RecordedRequest,
): Verdict {
  return (
    checkClient(request.headers) ??
    checkShape(request.body) ??
    checkModel(state, request.body)
  );
}

function send(res: http.ServerResponse, verdict: NonNullable<Verdict>): void {
  const text =
    typeof verdict.body === 'string'
      ? verdict.body
      : JSON.stringify(verdict.body);
  res.writeHead(verdict.status, {
    'content-type': verdict.html
      ? 'text/html; charset=utf-8'
      : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readRequest(
  req: http.IncomingMessage,
): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf-8');
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = undefined;
  }
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: req.headers,
    body,
    rawBody,
  };
}

export async function startFakeResponsesServer(
  replies: Reply[] = [],
  options: FakeServerOptions = {},
): Promise<FakeResponsesServer> {
  const state: ServerState = {
    queue: [...replies],
    catalog: options.catalog ?? DEFAULT_CATALOG,
    retired: new Set(options.retired ?? []),
  };
  const requests: RecordedRequest[] = [];
  const catalogRequests: RecordedRequest[] = [];
  const arrivals = new Arrivals(requests);
  const sockets = new Set<import('net').Socket>();

  const server = http.createServer(async (req, res) => {
    const request = await readRequest(req);
    const url = new URL(request.path, 'http://localhost');
    if (request.method === 'GET' && url.pathname.endsWith('/models')) {
      catalogRequests.push(request);
      return send(
        res,
        checkClient(request.headers) ?? serveCatalog(state, url),
      );
    }
    requests.push(request);
    arrivals.notify();
    const verdict = judgeResponsesRequest(state, request);
    if (verdict) {
      request.rejected = { status: verdict.status, body: verdict.body };
      return send(res, verdict);
    }
    await answer(res, state.queue.shift(), requests.length);
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
    catalogRequests,
    reply: (...more) => state.queue.push(...more),
    nextRequest: () => arrivals.next(),
    setCatalog: (models) => (state.catalog = models),
    retire: (...slugs) => slugs.forEach((slug) => state.retired.add(slug)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Hands out recorded requests one by one, waiting for those not yet in. */
class Arrivals {
  private taken = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly requests: RecordedRequest[]) {}

  notify(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  async next(): Promise<RecordedRequest> {
    const index = this.taken++;
    while (this.requests.length <= index) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.requests[index];
  }
}

async function answer(
  res: http.ServerResponse,
  next: Reply | undefined,
  count: number,
): Promise<void> {
  if (!next) {
    return send(res, {
      status: 500,
      body: { detail: `fake server: no scripted reply for request ${count}` },
    });
  }
  await next.waitFor;
  // The client may have given up while the reply was held.
  if (res.destroyed) return;
  if (next.kind === 'status') {
    const text =
      typeof next.body === 'string'
        ? next.body
        : JSON.stringify(next.body ?? {});
    res.writeHead(next.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...next.headers,
    });
    res.end(text);
    return;
  }
  await sendStream(res, next);
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
  const stopAt = reply.dropAfter ?? reply.endAfter ?? reply.stallAfter;
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
  if (reply.stallAfter !== undefined) {
    // Silence until the client gives up (or the server closes).
    await new Promise((resolve) => res.on('close', resolve));
    return;
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
