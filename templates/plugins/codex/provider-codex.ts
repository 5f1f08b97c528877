/**
 * Container side of the Codex provider: answers one NanoClaw message with OpenAI
 * Codex, signed in with a ChatGPT subscription.
 *
 * The plugin loader copies this file next to the agent runner's index.ts, which
 * compiles it and calls runProvider() when the host selects provider 'codex'. It
 * therefore stands alone: Node built-ins and the global fetch only.
 *
 * One run: build the instructions from the group's CLAUDE.md, send the message and
 * the remembered conversation to the Responses endpoint, stream the answer, run the
 * tools the model asks for, repeat until it answers without tools. Each finished
 * assistant message is written out with NanoClaw's output markers as it arrives.
 */
import { spawn } from 'child_process';
import { randomUUID } from 'crypto';
import fs from 'fs';
import path from 'path';
import { StringDecoder } from 'string_decoder';

export interface ContainerInputLike {
  prompt: string;
  sessionId?: string;
  groupFolder: string;
  chatJid: string;
  isMain: boolean;
  isScheduledTask?: boolean;
  assistantName?: string;
  secrets?: Record<string, string>;
  provider?: string;
}

interface ContainerOutput {
  status: 'success' | 'error';
  result: string | null;
  newSessionId?: string;
  error?: string;
}

const DEFAULT_API_URL = 'https://chatgpt.com/backend-api/codex/responses';
const DEFAULT_MODEL = 'gpt-5.1-codex';
const DEFAULT_EFFORT = 'medium';
const AUTH_COMMAND = 'npx tsx setup/index.ts --step codex-auth';

/** Rounds of tool calls in one run before giving up on a final answer. */
const MAX_TOOL_ROUNDS = 20;
/** Tool output longer than this is cut, so one `cat` cannot fill the context. */
const TOOL_OUTPUT_CAP = 20_000;
const BASH_DEFAULT_TIMEOUT_S = 120;
const BASH_MAX_TIMEOUT_S = 600;
const LIST_FILES_CAP = 1_000;
/** Remembered conversation per session (JSON characters); oldest turns go first. */
const SESSION_MAX_CHARS = 200_000;
/** Total time spent waiting on 429/5xx before reporting; CODEX_MAX_RETRY_WAIT_SECONDS. */
const DEFAULT_MAX_RETRY_WAIT_S = 60;
const MAX_ATTEMPTS = 4;

const OUTPUT_START_MARKER = '---NANOCLAW_OUTPUT_START---';
const OUTPUT_END_MARKER = '---NANOCLAW_OUTPUT_END---';

function writeOutput(output: ContainerOutput): void {
  console.log(OUTPUT_START_MARKER);
  console.log(JSON.stringify(output));
  console.log(OUTPUT_END_MARKER);
}

function log(message: string): void {
  console.error(`[agent-runner] ${message}`);
}

/** A failure the user can act on; its message is shown in the chat as is. */
class ProviderError extends Error {}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---- Responses API items ---------------------------------------------------

interface MessageItem {
  type: 'message';
  role: 'user' | 'assistant';
  content: { type: 'input_text' | 'output_text'; text: string }[];
}
interface FunctionCallItem {
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: string;
}
interface FunctionCallOutputItem {
  type: 'function_call_output';
  call_id: string;
  output: string;
}
/** Kept only within one run: the model needs it between tool rounds, not later. */
interface ReasoningItem {
  type: 'reasoning';
  summary: unknown[];
  encrypted_content?: string;
}
type InputItem =
  MessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningItem;

function userMessage(text: string): MessageItem {
  return {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text }],
  };
}

function assistantMessage(text: string): MessageItem {
  return {
    type: 'message',
    role: 'assistant',
    content: [{ type: 'output_text', text }],
  };
}

// ---- Settings ----------------------------------------------------------------

interface Settings {
  accessToken: string;
  accountId: string;
  url: string;
  model: string;
  effort: string;
  workspace: string;
  sessionsDir: string;
  maxRetryWaitMs: number;
}

function readSettings(
  input: ContainerInputLike,
): { settings: Settings } | { error: string } {
  const secrets = input.secrets ?? {};
  // Host-side settings travel with the secrets; the environment is a fallback for tests.
  const setting = (name: string) => secrets[name] || process.env[name] || '';

  if (secrets.CODEX_CONFIG_ERROR) return { error: secrets.CODEX_CONFIG_ERROR };
  if (!secrets.CODEX_ACCESS_TOKEN || !secrets.CODEX_ACCOUNT_ID) {
    return {
      error:
        'Codex credentials are missing: NanoClaw has no ChatGPT sign-in to pass on. ' +
        `On the NanoClaw host run \`${AUTH_COMMAND}\`, then send your message again ` +
        '(the host log says why the credentials could not be read).',
    };
  }
  const waitSeconds = Number(process.env.CODEX_MAX_RETRY_WAIT_SECONDS);
  return {
    settings: {
      accessToken: secrets.CODEX_ACCESS_TOKEN,
      accountId: secrets.CODEX_ACCOUNT_ID,
      url: setting('CODEX_API_URL') || DEFAULT_API_URL,
      model: setting('CODEX_MODEL') || DEFAULT_MODEL,
      effort: setting('CODEX_REASONING_EFFORT') || DEFAULT_EFFORT,
      workspace: process.env.NANOCLAW_WORKSPACE || '/workspace',
      sessionsDir:
        process.env.NANOCLAW_CODEX_SESSIONS_DIR ||
        '/home/node/.claude/codex-sessions',
      maxRetryWaitMs:
        1000 *
        (Number.isFinite(waitSeconds) && waitSeconds >= 0
          ? waitSeconds
          : DEFAULT_MAX_RETRY_WAIT_S),
    },
  };
}

// ---- Conversation memory -------------------------------------------------------

interface SessionFile {
  version: 1;
  sessionId: string;
  updatedAt: string;
  turns: InputItem[][];
}

/**
 * Codex session ids are `codex:<uuid>`. The prefix keeps the two providers'
 * sessions apart: the agent runner's Claude path drops an id with a provider
 * prefix (Claude cannot resume it), and an id Claude made is not ours to adopt.
 */
const SESSION_PREFIX = 'codex:';
const SESSION_ID_PATTERN = /^codex:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function pickSessionId(requested: string | undefined): string {
  if (requested && SESSION_ID_PATTERN.test(requested)) return requested;
  if (requested) log('Session id is not a Codex session; starting a new one');
  return `${SESSION_PREFIX}${randomUUID()}`;
}

function sessionFile(dir: string, sessionId: string): string {
  return path.join(dir, `${sessionId.slice(SESSION_PREFIX.length)}.json`);
}

function loadTurns(dir: string, sessionId: string): InputItem[][] {
  const file = sessionFile(dir, sessionId);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf-8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as Partial<SessionFile>;
    return Array.isArray(parsed.turns) ? parsed.turns : [];
  } catch (err) {
    log(`Ignoring unreadable session file ${file}: ${errorMessage(err)}`);
    return [];
  }
}

/** Drop the oldest turns until the rest fits; the newest turn always stays. */
export function trimTurns<T>(turns: T[][], maxChars: number): T[][] {
  const sizes = turns.map((turn) => JSON.stringify(turn).length);
  let total = sizes.reduce((sum, size) => sum + size, 0);
  let start = 0;
  while (total > maxChars && start < turns.length - 1) {
    total -= sizes[start];
    start++;
  }
  return turns.slice(start);
}

/**
 * What is worth replaying later: no reasoning (its encrypted content only serves
 * the tool rounds of its own run), and no call whose output never came, which the
 * API would refuse.
 */
function rememberable(turn: InputItem[]): InputItem[] {
  const answered = new Set(
    turn.flatMap((item) =>
      item.type === 'function_call_output' ? [item.call_id] : [],
    ),
  );
  return turn.filter(
    (item) =>
      item.type !== 'reasoning' &&
      (item.type !== 'function_call' || answered.has(item.call_id)),
  );
}

function saveTurns(dir: string, sessionId: string, turns: InputItem[][]): void {
  const kept: SessionFile = {
    version: 1,
    sessionId,
    updatedAt: new Date().toISOString(),
    turns: trimTurns(turns.map(rememberable), SESSION_MAX_CHARS),
  };
  const file = sessionFile(dir, sessionId);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(kept), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch (err) {
    log(`Could not save the conversation to ${file}: ${errorMessage(err)}`);
  }
}

// ---- Instructions -------------------------------------------------------------

function readIfPresent(file: string): string {
  try {
    return fs.readFileSync(file, 'utf-8').trim();
  } catch {
    return '';
  }
}

function buildInstructions(
  input: ContainerInputLike,
  workspace: string,
): string {
  const groupDir = path.join(workspace, 'group');
  const parts = [readIfPresent(path.join(groupDir, 'CLAUDE.md'))];
  // Main's own CLAUDE.md is the global memory; other groups get it mounted read-only.
  if (!input.isMain) {
    parts.push(readIfPresent(path.join(workspace, 'global', 'CLAUDE.md')));
  }
  const name = input.assistantName || 'Andy';
  const now = new Date();
  const timeZone = process.env.TZ || 'UTC';
  let localTime = now.toISOString();
  try {
    localTime = now.toLocaleString('en-GB', {
      timeZone,
      dateStyle: 'full',
      timeStyle: 'long',
    });
  } catch {
    // An unknown TZ name: the ISO time is still right.
  }
  parts.push(
    [
      '## Where you are',
      `You are ${name}, a personal assistant running in NanoClaw. Your messages go to a chat (${input.groupFolder}); the last one you write is your answer.`,
      `Current time: ${localTime} (${now.toISOString()}).`,
      `Your working folder is ${groupDir}; files there persist between conversations, and CLAUDE.md there is your long-term memory.`,
      'Tools: bash (runs in the working folder), read_file, write_file, list_files. Use them when they help; keep chat answers short.',
    ].join('\n'),
  );
  return parts.filter(Boolean).join('\n\n');
}

// ---- Tools --------------------------------------------------------------------

const TOOLS = [
  {
    type: 'function',
    name: 'bash',
    description:
      'Run a bash command in the group working folder. Returns combined stdout and stderr and the exit code.',
    strict: false,
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command line to run.' },
        timeout_seconds: {
          type: 'number',
          description: `Kill the command after this many seconds (default ${BASH_DEFAULT_TIMEOUT_S}, at most ${BASH_MAX_TIMEOUT_S}).`,
        },
      },
      required: ['command'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'read_file',
    description:
      'Read a text file. Relative paths start at the group working folder.',
    strict: false,
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'write_file',
    description:
      'Create or replace a text file inside the group working folder, creating folders as needed.',
    strict: false,
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'list_files',
    description:
      'List a folder (default: the group working folder). Folders end with /.',
    strict: false,
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        recursive: { type: 'boolean' },
      },
      additionalProperties: false,
    },
  },
];

interface ToolPlace {
  /** Reads stay inside the workspace (group, global, ...). */
  workspace: string;
  /** Writes and commands stay in the group folder. */
  groupDir: string;
}

/** `unseen`: characters already dropped before they reached `text`. */
function capOutput(text: string, unseen = 0): string {
  const hidden = Math.max(0, text.length - TOOL_OUTPUT_CAP) + unseen;
  if (!hidden) return text;
  return `${text.slice(0, TOOL_OUTPUT_CAP)}\n[output truncated: ${hidden} more characters not shown]`;
}

/** realpath of the deepest existing ancestor, with the rest of the path appended. */
function realpathAllowingMissing(target: string): string {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), ...missing);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return target;
      missing.unshift(path.basename(current));
      current = parent;
    }
  }
}

/** Resolve a path from the model; symlinks pointing out of root are refused too. */
export function resolveInside(
  root: string,
  base: string,
  requested: string,
): string {
  const absolute = path.resolve(base, requested);
  const realRoot = realpathAllowingMissing(root);
  const real = realpathAllowingMissing(absolute);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new Error(`${requested} is outside ${root}`);
  }
  return absolute;
}

/** The environment for commands the model runs: no credentials. */
function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(CODEX_|ANTHROPIC_|CLAUDE_|OPENAI_)/.test(key)) env[key] = value;
  }
  return env;
}

function runBash(
  command: string,
  timeoutSeconds: number,
  cwd: string,
): Promise<string> {
  return new Promise((resolve) => {
    // detached: the command gets its own process group, so a timeout kills its children too.
    const child = spawn('bash', ['-c', command], {
      cwd,
      env: toolEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let unseen = 0;
    let timedOut = false;
    const collect = (decoder: StringDecoder) => (chunk: Buffer) => {
      // Past the cap only the amount matters; memory stays bounded.
      if (output.length <= TOOL_OUTPUT_CAP) output += decoder.write(chunk);
      else unseen += chunk.length;
    };
    child.stdout.on('data', collect(new StringDecoder('utf8')));
    child.stderr.on('data', collect(new StringDecoder('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutSeconds * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(`Error: could not start bash: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = timedOut
        ? `[killed after the ${timeoutSeconds} s timeout]`
        : signal
          ? `[killed by ${signal}]`
          : `[exit code ${code}]`;
      resolve(`${capOutput(output.trimEnd(), unseen)}\n${status}`.trimStart());
    });
  });
}

function readFileTool(place: ToolPlace, requested: string): string {
  const file = resolveInside(place.workspace, place.groupDir, requested);
  const stat = fs.statSync(file);
  if (stat.isDirectory())
    return `Error: ${requested} is a folder; use list_files`;
  const handle = fs.openSync(file, 'r');
  try {
    // A UTF-8 character takes at most 4 bytes: this is always enough for the cap.
    const buffer = Buffer.alloc(Math.min(stat.size, TOOL_OUTPUT_CAP * 4));
    const read = fs.readSync(handle, buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, read);
    if (bytes.subarray(0, 8192).includes(0)) {
      return `${requested} is a binary file (${stat.size} bytes); not shown`;
    }
    return capOutput(bytes.toString('utf-8'), stat.size - read);
  } finally {
    fs.closeSync(handle);
  }
}

function writeFileTool(
  place: ToolPlace,
  requested: string,
  content: string,
): string {
  const file = resolveInside(place.groupDir, place.groupDir, requested);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return `Wrote ${Buffer.byteLength(content)} bytes to ${path.relative(place.groupDir, file)}`;
}

function listFilesTool(
  place: ToolPlace,
  requested: string,
  recursive: boolean,
): string {
  const dir = resolveInside(place.workspace, place.groupDir, requested);
  const lines: string[] = [];
  let more = 0;
  const walk = (current: string, prefix: string) => {
    const entries = fs
      .readdirSync(current, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (lines.length >= LIST_FILES_CAP) {
        more++;
        continue;
      }
      const name = prefix + entry.name;
      if (entry.isDirectory()) {
        lines.push(`${name}/`);
        if (recursive) walk(path.join(current, entry.name), `${name}/`);
      } else if (entry.isFile()) {
        lines.push(
          `${name} (${fs.statSync(path.join(current, entry.name)).size} bytes)`,
        );
      } else {
        lines.push(name);
      }
    }
  };
  walk(dir, '');
  if (more) lines.push(`[${more} more entries not shown]`);
  return lines.length ? lines.join('\n') : '(empty folder)';
}

function stringArg(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string')
    throw new Error(`argument "${name}" must be a string`);
  return value;
}

async function runTool(
  call: FunctionCallItem,
  place: ToolPlace,
): Promise<string> {
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(call.arguments || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('expected a JSON object');
    }
    args = parsed as Record<string, unknown>;
  } catch (err) {
    return `Error: the arguments are not valid JSON (${errorMessage(err)})`;
  }
  try {
    switch (call.name) {
      case 'bash': {
        const requested = Number(args.timeout_seconds);
        const timeout =
          Number.isFinite(requested) && requested > 0
            ? Math.min(requested, BASH_MAX_TIMEOUT_S)
            : BASH_DEFAULT_TIMEOUT_S;
        return await runBash(
          stringArg(args, 'command'),
          timeout,
          place.groupDir,
        );
      }
      case 'read_file':
        return readFileTool(place, stringArg(args, 'path'));
      case 'write_file':
        return writeFileTool(
          place,
          stringArg(args, 'path'),
          stringArg(args, 'content'),
        );
      case 'list_files':
        return listFilesTool(
          place,
          typeof args.path === 'string' && args.path ? args.path : '.',
          args.recursive === true,
        );
      default:
        return `Error: there is no tool named ${call.name}; use ${TOOLS.map((t) => t.name).join(', ')}`;
    }
  } catch (err) {
    return `Error: ${errorMessage(err)}`;
  }
}

// ---- Server-sent events ---------------------------------------------------------

export interface SseMessage {
  event: string;
  data: string;
}

/**
 * An incremental SSE parser: bytes in (split anywhere, even inside a UTF-8
 * character or between \r and \n), whole events out.
 */
export function createSseParser(onMessage: (message: SseMessage) => void): {
  push(chunk: Uint8Array): void;
  end(): void;
} {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let event = '';
  let data: string[] = [];

  const dispatch = () => {
    if (data.length)
      onMessage({ event: event || 'message', data: data.join('\n') });
    event = '';
    data = [];
  };
  const processLine = (line: string) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  const drain = (final: boolean) => {
    const lineEnd = /[\r\n]/g;
    let start = 0;
    for (;;) {
      lineEnd.lastIndex = start;
      const match = lineEnd.exec(buffer);
      if (!match) break;
      const at = match.index;
      if (buffer[at] === '\r') {
        // A \r at the very end may be the first half of \r\n.
        if (at + 1 === buffer.length && !final) break;
        processLine(buffer.slice(start, at));
        start = buffer[at + 1] === '\n' ? at + 2 : at + 1;
      } else {
        processLine(buffer.slice(start, at));
        start = at + 1;
      }
    }
    buffer = buffer.slice(start);
  };

  return {
    push(chunk) {
      buffer += decoder.decode(chunk, { stream: true });
      drain(false);
    },
    end() {
      buffer += decoder.decode();
      drain(true);
      // An event without its closing blank line is incomplete: dropped, as the spec says.
      buffer = '';
    },
  };
}

// ---- One request ----------------------------------------------------------------

interface RoundResult {
  items: InputItem[];
  usage?: { input_tokens?: number; output_tokens?: number };
}

function asRecord(value: unknown): Record<string, any> {
  return value && typeof value === 'object'
    ? (value as Record<string, any>)
    : {};
}

/** Turns the event stream of one response into its output items. */
function createRoundCollector(onText: (text: string) => void) {
  const items: InputItem[] = [];
  const deltas = new Map<string, string>();
  let completed = false;
  let usage: RoundResult['usage'];

  const handle = (message: SseMessage) => {
    let payload: Record<string, any>;
    try {
      payload = asRecord(JSON.parse(message.data));
    } catch {
      log(`Ignoring an event that is not JSON (${message.event})`);
      return;
    }
    const type =
      typeof payload.type === 'string' ? payload.type : message.event;
    switch (type) {
      case 'response.output_text.delta':
        if (
          typeof payload.item_id === 'string' &&
          typeof payload.delta === 'string'
        ) {
          deltas.set(
            payload.item_id,
            (deltas.get(payload.item_id) ?? '') + payload.delta,
          );
        }
        return;
      case 'response.output_item.done':
        return addItem(asRecord(payload.item));
      case 'response.completed':
        completed = true;
        usage = asRecord(payload.response).usage;
        return;
      case 'response.failed': {
        const error = asRecord(asRecord(payload.response).error);
        throw new ProviderError(
          `Codex could not finish the answer: ${error.message || 'the response failed'}` +
            (error.code ? ` (${error.code})` : ''),
        );
      }
      case 'response.incomplete': {
        const details = asRecord(asRecord(payload.response).incomplete_details);
        throw new ProviderError(
          `Codex stopped before finishing the answer (${details.reason || 'incomplete'}).`,
        );
      }
      case 'error': {
        const error = asRecord(payload.error ?? payload);
        throw new ProviderError(
          `Codex reported an error: ${error.message || message.data}` +
            (error.code ? ` (${error.code})` : ''),
        );
      }
      default:
      // Other events (created, added, deltas of arguments, new kinds) add nothing we need.
    }
  };

  const addItem = (item: Record<string, any>) => {
    if (item.type === 'message') {
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
      if (!text) return;
      items.push(assistantMessage(text));
      onText(text);
    } else if (item.type === 'function_call') {
      items.push({
        type: 'function_call',
        call_id: String(item.call_id ?? item.id ?? ''),
        name: String(item.name ?? ''),
        arguments: typeof item.arguments === 'string' ? item.arguments : '{}',
      });
    } else if (item.type === 'reasoning') {
      items.push({
        type: 'reasoning',
        summary: Array.isArray(item.summary) ? item.summary : [],
        ...(typeof item.encrypted_content === 'string'
          ? { encrypted_content: item.encrypted_content }
          : {}),
      });
    }
  };

  return {
    handle,
    finish(): RoundResult {
      if (!completed) {
        throw new ProviderError(
          'The Codex answer stopped before it was complete (the stream ended without response.completed). Send your message again.',
        );
      }
      return { items, usage };
    },
  };
}

interface HttpFailure {
  message: string;
  /** Set when waiting and retrying may help. */
  retryAfterMs?: number;
}

function serverDetail(bodyText: string): {
  detail: string;
  body: Record<string, any>;
} {
  try {
    const body = asRecord(JSON.parse(bodyText));
    const error = asRecord(body.error);
    const detail =
      (typeof body.detail === 'string' && body.detail) ||
      (typeof error.message === 'string' && error.message) ||
      (typeof body.message === 'string' && body.message) ||
      '';
    return { detail, body };
  } catch {
    return { detail: bodyText.trim().slice(0, 500), body: {} };
  }
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Seconds until Codex accepts requests again, from whichever hint the server gave. */
function resetSeconds(
  headers: Headers,
  body: Record<string, any>,
): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, (date - Date.now()) / 1000);
  }
  const error = asRecord(body.error);
  if (typeof error.resets_in_seconds === 'number')
    return error.resets_in_seconds;
  if (typeof error.resets_at === 'number') {
    return Math.max(0, error.resets_at - Date.now() / 1000);
  }
  const windows = ['primary', 'secondary']
    .map((name) => ({
      used: headerNumber(headers, `x-codex-${name}-used-percent`),
      reset: headerNumber(headers, `x-codex-${name}-reset-after-seconds`),
    }))
    .filter(
      (w): w is { used: number | undefined; reset: number } =>
        w.reset !== undefined,
    );
  const exhausted = windows.filter((w) => (w.used ?? 0) >= 100);
  if (exhausted.length) return Math.max(...exhausted.map((w) => w.reset));
  if (windows.length) return Math.min(...windows.map((w) => w.reset));
  return undefined;
}

function describeDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

function describeHttpFailure(
  status: number,
  headers: Headers,
  bodyText: string,
  settings: Settings,
  attempt: number,
): HttpFailure {
  const { detail, body } = serverDetail(bodyText);
  const said = detail ? `: ${detail}` : '';
  if (status === 401) {
    return {
      message:
        `Codex rejected the sign-in (HTTP 401${said}): the access token has expired or was revoked. ` +
        `On the NanoClaw host run \`${AUTH_COMMAND}\` to sign in again, then send your message again.`,
    };
  }
  if (status === 429) {
    const seconds = resetSeconds(headers, body);
    const plan = asRecord(body.error).plan_type;
    if (seconds === undefined) {
      return {
        message: `Codex is limiting requests (HTTP 429${said}). Wait a minute, then send your message again.`,
        retryAfterMs: backoffMs(attempt),
      };
    }
    const when = new Date(Date.now() + seconds * 1000)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ');
    return {
      message:
        `Codex usage limit reached${plan ? ` for your ChatGPT ${plan} plan` : ''}${said}. ` +
        `It resets in ${describeDuration(seconds)} (around ${when} UTC); send your message again then, ` +
        'or switch to Claude meanwhile with AGENT_PROVIDER=claude in .env.',
      retryAfterMs: seconds * 1000,
    };
  }
  if (status >= 500) {
    const seconds = resetSeconds(headers, body);
    return {
      message: `Codex is having trouble (HTTP ${status}${said}). Try again in a few minutes.`,
      retryAfterMs: seconds !== undefined ? seconds * 1000 : backoffMs(attempt),
    };
  }
  return {
    message:
      `Codex rejected the request (HTTP ${status}${said}). ` +
      `Model ${settings.model}, reasoning effort ${settings.effort}: check CODEX_MODEL and CODEX_REASONING_EFFORT in .env.`,
  };
}

function backoffMs(attempt: number): number {
  return 1000 * 2 ** (attempt - 1);
}

function describeNetworkError(err: unknown): string {
  const cause = asRecord(asRecord(err).cause);
  const code = typeof cause.code === 'string' ? cause.code : '';
  const detail =
    typeof cause.message === 'string' ? cause.message : errorMessage(err);
  return code && !detail.includes(code) ? `${code} ${detail}` : detail;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function requestRound(
  settings: Settings,
  sessionId: string,
  body: Record<string, unknown>,
  onText: (text: string) => void,
): Promise<RoundResult> {
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    const mayWait = (ms: number) =>
      attempt < MAX_ATTEMPTS && waitedMs + ms <= settings.maxRetryWaitMs;

    let response: Response;
    try {
      response = await fetch(settings.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${settings.accessToken}`,
          'chatgpt-account-id': settings.accountId,
          'OpenAI-Beta': 'responses=experimental',
          originator: 'codex_cli_rs',
          session_id: sessionId.slice(SESSION_PREFIX.length),
          accept: 'text/event-stream',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    } catch (err) {
      const delay = backoffMs(attempt);
      if (mayWait(delay)) {
        log(
          `Could not reach ${settings.url} (${describeNetworkError(err)}); retrying in ${delay / 1000} s`,
        );
        await sleep(delay);
        waitedMs += delay;
        continue;
      }
      throw new ProviderError(
        `Could not reach Codex at ${settings.url}: ${describeNetworkError(err)}. ` +
          'Check that the container has network access (and CODEX_API_URL, if you set it).',
      );
    }

    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      const failure = describeHttpFailure(
        response.status,
        response.headers,
        text,
        settings,
        attempt,
      );
      const delay = failure.retryAfterMs;
      if (delay !== undefined && mayWait(delay)) {
        log(
          `Codex answered HTTP ${response.status}; retrying in ${describeDuration(delay / 1000)}`,
        );
        await sleep(delay);
        waitedMs += delay;
        continue;
      }
      throw new ProviderError(failure.message);
    }

    const collector = createRoundCollector(onText);
    const parser = createSseParser(collector.handle);
    const reader = response.body.getReader();
    try {
      for (;;) {
        const chunk = await reader.read().catch((err: unknown) => {
          throw new ProviderError(
            `The connection to ${settings.url} dropped while Codex was answering (${describeNetworkError(err)}). Send your message again.`,
          );
        });
        if (chunk.done) break;
        parser.push(chunk.value);
      }
      parser.end();
    } finally {
      reader.cancel().catch(() => {});
    }
    return collector.finish();
  }
}

// ---- The run ----------------------------------------------------------------------

export async function runProvider(input: ContainerInputLike): Promise<void> {
  const configured = readSettings(input);
  if ('error' in configured) {
    log(`Codex provider cannot start: ${configured.error}`);
    writeOutput({ status: 'error', result: null, error: configured.error });
    return;
  }
  const settings = configured.settings;
  const sessionId = pickSessionId(input.sessionId);
  const history = loadTurns(settings.sessionsDir, sessionId);
  const place: ToolPlace = {
    workspace: settings.workspace,
    groupDir: path.join(settings.workspace, 'group'),
  };
  log(
    `Using codex provider: model ${settings.model}, reasoning ${settings.effort}, ` +
      `session ${sessionId} (${history.length} earlier turns)`,
  );

  const prompt = input.isScheduledTask
    ? `(Scheduled task: this message was sent automatically, not by someone in the chat just now.)\n\n${input.prompt}`
    : input.prompt;
  const turn: InputItem[] = [userMessage(prompt)];
  const instructions = buildInstructions(input, settings.workspace);
  let wroteText = false;
  const onText = (text: string) => {
    wroteText = true;
    writeOutput({ status: 'success', result: text, newSessionId: sessionId });
  };

  try {
    for (let round = 1; ; round++) {
      const result = await requestRound(
        settings,
        sessionId,
        {
          model: settings.model,
          instructions,
          input: [...history.flat(), ...turn],
          tools: TOOLS,
          tool_choice: 'auto',
          parallel_tool_calls: false,
          reasoning: { effort: settings.effort, summary: 'auto' },
          store: false,
          stream: true,
          include: ['reasoning.encrypted_content'],
          prompt_cache_key: sessionId.slice(SESSION_PREFIX.length),
        },
        onText,
      );
      turn.push(...result.items);
      if (result.usage) {
        log(
          `Codex round ${round}: ${result.usage.input_tokens ?? '?'} tokens in, ${result.usage.output_tokens ?? '?'} out`,
        );
      }
      const calls = result.items.filter(
        (item): item is FunctionCallItem => item.type === 'function_call',
      );
      if (!calls.length) break;
      if (round > MAX_TOOL_ROUNDS) {
        throw new ProviderError(
          `Codex was still calling tools after ${MAX_TOOL_ROUNDS} rounds, so NanoClaw stopped it. Ask again with a smaller step.`,
        );
      }
      for (const call of calls) {
        log(`Tool call: ${call.name}`);
        const output = await runTool(call, place);
        turn.push({
          type: 'function_call_output',
          call_id: call.call_id,
          output,
        });
      }
    }
  } catch (err) {
    const message =
      err instanceof ProviderError
        ? err.message
        : `Codex provider failed: ${errorMessage(err)}`;
    log(message);
    saveIfAnswered(settings, sessionId, history, turn);
    writeOutput({
      status: 'error',
      result: null,
      error: message,
      newSessionId: sessionId,
    });
    return;
  }

  saveIfAnswered(settings, sessionId, history, turn);
  // Each message was written as it arrived; the host still needs the session id.
  if (!wroteText)
    writeOutput({ status: 'success', result: null, newSessionId: sessionId });
  log('Codex run finished');
}

/** A turn with no answer at all is not remembered, so resending it does not repeat it. */
function saveIfAnswered(
  settings: Settings,
  sessionId: string,
  history: InputItem[][],
  turn: InputItem[],
): void {
  if (turn.length > 1)
    saveTurns(settings.sessionsDir, sessionId, [...history, turn]);
}
