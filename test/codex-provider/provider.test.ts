/**
 * The container half of the codex plugin, run as the container runs it: the
 * plugin's container folder copied next to the sample agent runner and compiled
 * with its tsconfig, started as a child process, fed one ContainerInput on
 * stdin, talking to a strict fake of the Codex backend on 127.0.0.1, and fed
 * follow-up messages through the IPC folder the way NanoClaw's host does.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  type FakeResponsesServer,
  type Reply,
  createGate,
  doneReply,
  failedReply,
  phasedReply,
  stallingReply,
  startFakeResponsesServer,
  statusReply,
  textReply,
  toolCallReply,
  truncatedReply,
} from '../helpers/fake-responses-server.js';
import { buildCodexRunner } from '../helpers/codex-runner.js';

interface ContainerOutput {
  status: 'success' | 'error';
  result: string | null;
  newSessionId?: string;
  error?: string;
}

interface AgentRun {
  outputs: ContainerOutput[];
  stderr: string;
  code: number | null;
}

let runnerDir: string;

/** A group's view of the container: /workspace and the session folder. */
interface Place {
  root: string;
  workspace: string;
  groupDir: string;
  sessionsDir: string;
  /** /workspace/ipc/input; only there when the test asked for follow-ups. */
  inbox: string;
}

function makePlace(options: { ipc?: boolean } = {}): Place {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-place-'));
  const workspace = path.join(root, 'workspace');
  const groupDir = path.join(workspace, 'group');
  const inbox = path.join(workspace, 'ipc', 'input');
  fs.mkdirSync(groupDir, { recursive: true });
  fs.mkdirSync(path.join(workspace, 'global'));
  if (options.ipc) fs.mkdirSync(inbox, { recursive: true });
  fs.writeFileSync(
    path.join(groupDir, 'CLAUDE.md'),
    '# Andy\n\nGroup memory: the family dog is called Rex.\n',
  );
  fs.writeFileSync(
    path.join(workspace, 'global', 'CLAUDE.md'),
    '# Global\n\nGlobal memory: answer in English.\n',
  );
  return {
    root,
    workspace,
    groupDir,
    sessionsDir: path.join(root, 'sessions'),
    inbox,
  };
}

let sequence = 0;

/** Write a chat message the way the host does: a .tmp file, then renamed. */
function sendMessage(place: Place, text: string): string {
  const name = `${Date.now()}-${String(++sequence).padStart(4, '0')}.json`;
  const file = path.join(place.inbox, name);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ type: 'message', text }));
  fs.renameSync(`${file}.tmp`, file);
  return name;
}

interface AgentHandle {
  outputs: ContainerOutput[];
  stderr(): string;
  waitForOutputs(count: number): Promise<void>;
  done: Promise<AgentRun>;
}

function parseOutputs(stdout: string): ContainerOutput[] {
  return [
    ...stdout.matchAll(
      /---NANOCLAW_OUTPUT_START---\n(.*?)\n---NANOCLAW_OUTPUT_END---/gs,
    ),
  ].map((m) => JSON.parse(m[1]) as ContainerOutput);
}

function startAgent(
  place: Place,
  input: Record<string, unknown>,
  env: Record<string, string> = {},
): AgentHandle {
  const child = spawn(
    process.execPath,
    [path.join(runnerDir, 'dist/main.js')],
    {
      // A clean environment, so the developer's own CODEX_* settings stay out.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: place.root,
        TZ: 'UTC',
        NANOCLAW_WORKSPACE: place.workspace,
        NANOCLAW_CODEX_SESSIONS_DIR: place.sessionsDir,
        CODEX_MAX_RETRY_WAIT_SECONDS: '5',
        CODEX_IPC_POLL_MS: '25',
        CODEX_IDLE_TIMEOUT_MS: '5000',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const outputs: ContainerOutput[] = [];
  const listeners = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    outputs.splice(0, outputs.length, ...parseOutputs(stdout));
    listeners.forEach((listener) => listener());
  });
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<AgentRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      listeners.forEach((listener) => listener());
      resolve({ outputs: parseOutputs(stdout), stderr, code });
    });
  });
  child.stdin.end(JSON.stringify(input));
  return {
    outputs,
    stderr: () => stderr,
    done,
    waitForOutputs: (count) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (outputs.length >= count) resolve();
          else if (child.exitCode !== null) {
            reject(new Error(`The agent exited early:\n${stderr}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

function runAgent(
  place: Place,
  input: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<AgentRun> {
  return startAgent(place, input, env).done;
}

function input(
  server: FakeResponsesServer | { url: string },
  extra: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
): Record<string, unknown> {
  return {
    prompt: 'What is the dog called?',
    groupFolder: 'main',
    chatJid: 'main@local',
    isMain: true,
    assistantName: 'Andy',
    provider: 'codex',
    secrets: {
      CODEX_ACCESS_TOKEN: 'tok-secret',
      CODEX_ACCOUNT_ID: 'acct-123',
      CODEX_MODEL: 'gpt-5.6-terra',
      CODEX_REASONING_EFFORT: 'medium',
      CODEX_API_URL: server.url,
      ...secrets,
    },
    ...extra,
  };
}

/** The function_call_output items of a recorded request, by call order. */
function toolOutputs(body: any): string[] {
  return body.input
    .filter((item: any) => item.type === 'function_call_output')
    .map((item: any) => item.output);
}

/** A request's input as short lines, for comparing whole conversations. */
function transcript(body: any): string[] {
  return body.input.map((item: any) => {
    if (item.type !== 'message') return item.type;
    const text: string = item.content.map((part: any) => part.text).join('');
    if (text.startsWith('<context>')) return 'context';
    return `${item.role}${item.phase ? ` (${item.phase})` : ''}: ${text}`;
  });
}

function contextText(body: any): string {
  return body.input[0].content[0].text;
}

const sessionFile = (place: Place, sessionId: string) =>
  path.join(place.sessionsDir, `${sessionId.slice('codex:'.length)}.json`);

let server: FakeResponsesServer;
let place: Place;

beforeAll(async () => {
  runnerDir = await buildCodexRunner(
    fs.mkdtempSync(path.join(os.tmpdir(), 'codex-runner-')),
  );
});

afterAll(() => {
  fs.rmSync(runnerDir, { recursive: true, force: true });
});

afterEach(async () => {
  await server?.close();
  if (place) fs.rmSync(place.root, { recursive: true, force: true });
});

async function start(...replies: Reply[]) {
  place = makePlace();
  server = await startFakeResponsesServer(replies);
}

async function startWithInbox(...replies: Reply[]) {
  place = makePlace({ ipc: true });
  server = await startFakeResponsesServer(replies);
}

describe('the provider in a child process', () => {
  it('answers a plain question with the request Codex expects', async () => {
    await start(textReply(['The dog ', 'is called Rex.']));
    const { outputs, stderr, code } = await runAgent(place, input(server));

    expect(code).toBe(0);
    expect(outputs).toHaveLength(1);
    const [output] = outputs;
    expect(output).toMatchObject({
      status: 'success',
      result: 'The dog is called Rex.',
    });
    expect(output.newSessionId).toMatch(/^codex:[0-9a-f-]{36}$/);
    expect(stderr).toContain(
      '[agent-runner] Using codex provider: model gpt-5.6-terra, reasoning medium',
    );

    const [request] = server.requests;
    expect(request.rejected).toBeUndefined();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/backend-api/codex/responses');
    expect(request.headers).toMatchObject({
      authorization: 'Bearer tok-secret',
      'chatgpt-account-id': 'acct-123',
      originator: 'nanoclaw',
      session_id: output.newSessionId!.slice('codex:'.length),
      accept: 'text/event-stream',
      'content-type': 'application/json',
    });
    // Our own name, never Node's default nor OpenAI's own client.
    expect(request.headers['user-agent']).toMatch(
      /^nanoclaw-codex\/\d+\.\d+\.\d+ \(/,
    );
    expect(JSON.stringify(request.headers)).not.toContain('codex_cli_rs');
    const body = request.body;
    expect(body).toMatchObject({
      model: 'gpt-5.6-terra',
      tool_choice: 'auto',
      parallel_tool_calls: false,
      store: false,
      stream: true,
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    expect(body.instructions).toContain('the family dog is called Rex');
    expect(body.instructions).toContain('You are Andy');
    // The main group's own CLAUDE.md is the global memory; the mount is for others.
    expect(body.instructions).not.toContain('Global memory');
    // The time opens the turn; the instructions stay the same from run to run.
    const year = String(new Date().getUTCFullYear());
    expect(body.instructions).not.toContain(year);
    expect(contextText(body)).toContain('Current time:');
    expect(contextText(body)).toContain(year);
    expect(body.input.slice(1)).toEqual([
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'What is the dog called?' }],
      },
    ]);
    expect(body.tools.map((t: any) => t.name)).toEqual([
      'bash',
      'read_file',
      'write_file',
      'list_files',
    ]);
    expect(body.tools.every((t: any) => t.type === 'function')).toBe(true);
  });

  it('gives other groups the global memory too', async () => {
    await start(textReply('Hi'));
    await runAgent(
      place,
      input(server, { groupFolder: 'family', isMain: false }),
    );
    const { instructions } = server.requests[0].body;
    expect(instructions).toContain('Group memory');
    expect(instructions).toContain('Global memory: answer in English.');
  });

  it('sends byte-identical instructions in runs at different times; the time and task note open the turn', async () => {
    await start(textReply('One.'), textReply('Two.'));
    await runAgent(place, input(server));
    await new Promise((r) => setTimeout(r, 20));
    await runAgent(place, input(server, { isScheduledTask: true }), {
      TZ: 'Asia/Tokyo',
    });
    const [first, second] = server.requests.map((r) => r.body);
    expect(second.instructions).toBe(first.instructions);
    expect(contextText(second)).not.toBe(contextText(first));
    expect(contextText(first)).not.toContain('Scheduled task');
    expect(contextText(second)).toContain('Scheduled task');
    expect(second.instructions).not.toContain('Scheduled');
    // The scheduled prompt itself is passed on untouched.
    expect(second.input[1].content[0].text).toBe('What is the dog called?');
  });

  it('reassembles text cut inside UTF-8 characters, data: lines and \\r\\n', async () => {
    const pieces = ['Grüße ', '👋🏽 — ', '日本語', ' and ', 'ça va'];
    await start(
      textReply(pieces, {
        split: 'awkward',
        lineEnding: '\r\n',
        multilineData: true,
        noise: true,
      }),
    );
    const { outputs } = await runAgent(place, input(server));
    expect(outputs.map((o) => o.result)).toEqual([pieces.join('')]);
  });

  it('runs two rounds of tools, sends the results back and keeps the note on the way out of the chat', async () => {
    await start(
      toolCallReply(
        [
          {
            name: 'bash',
            arguments: { command: 'echo hi > note.txt && echo done' },
          },
        ],
        { text: 'Let me write a note.' },
      ),
      toolCallReply([{ name: 'read_file', arguments: { path: 'note.txt' } }]),
      textReply('The note says hi.'),
    );
    const { outputs, stderr } = await runAgent(place, input(server));

    // A phase-less message beside a tool call is commentary: logged, not sent.
    expect(outputs.map((o) => o.result)).toEqual(['The note says hi.']);
    expect(outputs.every((o) => o.status === 'success')).toBe(true);
    expect(stderr).toContain('Codex (commentary): Let me write a note.');
    expect(stderr).toContain('[agent-runner] Tool call: bash');
    expect(stderr).toContain('[agent-runner] Tool call: read_file');
    expect(
      fs.readFileSync(path.join(place.groupDir, 'note.txt'), 'utf-8'),
    ).toBe('hi\n');

    expect(server.requests).toHaveLength(3);
    const second = server.requests[1].body;
    expect(toolOutputs(second)).toEqual(['done\n[exit code 0]']);
    expect(transcript(second)).toEqual([
      'context',
      'user: What is the dog called?',
      'reasoning',
      'assistant (commentary): Let me write a note.',
      'function_call',
      'function_call_output',
    ]);
    const call = second.input[4];
    expect(call.name).toBe('bash');
    expect(second.input[5].call_id).toBe(call.call_id);
    // Reasoning travels back encrypted within the turn; server item ids do not.
    expect(second.input[2].encrypted_content).toMatch(/^encrypted-/);
    expect(second.input.some((item: any) => 'id' in item)).toBe(false);

    const third = server.requests[2].body;
    expect(toolOutputs(third)).toEqual(['done\n[exit code 0]', 'hi\n']);
  });

  it('sends only final answers to the chat, logs commentary, and replays every phase', async () => {
    await start(
      phasedReply({
        commentary: 'Checking the notes first.',
        calls: [{ name: 'bash', arguments: { command: 'echo 7' } }],
        finalAnswer: 'Early answer: 7.',
      }),
      textReply('All done: 7.', { phase: 'final_answer' }),
    );
    const { outputs, stderr } = await runAgent(place, input(server));
    expect(outputs.map((o) => o.result)).toEqual([
      'Early answer: 7.',
      'All done: 7.',
    ]);
    expect(stderr).toContain('Codex (commentary): Checking the notes first.');
    const replay = transcript(server.requests[1].body);
    expect(replay).toContain(
      'assistant (commentary): Checking the notes first.',
    );
    expect(replay).toContain('assistant (final_answer): Early answer: 7.');
    expect(server.requests.every((r) => !r.rejected)).toBe(true);
  });

  it('takes response.done as the end of a response', async () => {
    await start(doneReply('Finished with done.'));
    const { outputs } = await runAgent(place, input(server));
    expect(outputs).toEqual([
      expect.objectContaining({
        status: 'success',
        result: 'Finished with done.',
      }),
    ]);
  });

  it('retries a response.failed for a rate limit or a server error', async () => {
    await start(
      failedReply(
        'Rate limit reached. Please try again in 0.2s.',
        'rate_limit_exceeded',
      ),
      failedReply('The server had an error', 'server_error'),
      textReply('Third time lucky.'),
    );
    const { outputs, stderr } = await runAgent(place, input(server));
    expect(outputs.map((o) => o.result)).toEqual(['Third time lucky.']);
    expect(server.requests).toHaveLength(3);
    expect(stderr).toContain('Codex reported rate_limit_exceeded; retrying');
    expect(stderr).toContain('Codex reported server_error; retrying');
  });

  it('reports response.failed with the server message once the retry budget is spent', async () => {
    await start(failedReply('The model is overloaded', 'server_is_overloaded'));
    const { outputs } = await runAgent(place, input(server), {
      CODEX_MAX_RETRY_WAIT_SECONDS: '0',
    });
    expect(outputs.at(-1)).toMatchObject({ status: 'error', result: null });
    expect(outputs.at(-1)?.error).toContain(
      'The model is overloaded (server_is_overloaded)',
    );
  });

  it('gives up on a stalled stream after CODEX_STREAM_IDLE_TIMEOUT_MS and tries again', async () => {
    await start(stallingReply('Never finish'), textReply('Second try.'));
    const started = Date.now();
    const { outputs, stderr } = await runAgent(place, input(server), {
      CODEX_STREAM_IDLE_TIMEOUT_MS: '300',
    });
    expect(outputs.map((o) => o.result)).toEqual(['Second try.']);
    expect(server.requests).toHaveLength(2);
    expect(stderr).toContain('No data from Codex for 1 s');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a stalled stream when no retry is left', async () => {
    await start(stallingReply('Never finish'));
    const { outputs } = await runAgent(place, input(server), {
      CODEX_STREAM_IDLE_TIMEOUT_MS: '200',
      CODEX_MAX_RETRY_WAIT_SECONDS: '0',
    });
    expect(outputs.at(-1)?.status).toBe('error');
    expect(outputs.at(-1)?.error).toContain('Codex sent nothing for 1 s');
  });

  it('retries a stream that ends without response.completed, and reports it when out of retries', async () => {
    await start(truncatedReply('Half an ans'), textReply('Whole answer.'));
    const retried = await runAgent(place, input(server));
    expect(retried.outputs.map((o) => o.result)).toEqual(['Whole answer.']);

    server.reply(truncatedReply('Half an ans'));
    const { outputs } = await runAgent(place, input(server), {
      CODEX_MAX_RETRY_WAIT_SECONDS: '0',
    });
    expect(outputs.at(-1)?.status).toBe('error');
    expect(outputs.at(-1)?.error).toContain(
      'stream ended without response.completed',
    );
  });

  it('retries a connection dropped mid-stream, and reports it when out of retries', async () => {
    await start(
      { ...textReply('Never finished'), dropAfter: 2 },
      textReply('Reconnected.'),
    );
    const retried = await runAgent(place, input(server));
    expect(retried.outputs.map((o) => o.result)).toEqual(['Reconnected.']);
    expect(retried.stderr).toContain('The connection dropped');

    server.reply({ ...textReply('Never finished'), dropAfter: 2 });
    const { outputs } = await runAgent(place, input(server), {
      CODEX_MAX_RETRY_WAIT_SECONDS: '0',
    });
    expect(outputs.at(-1)?.status).toBe('error');
    expect(outputs.at(-1)?.error).toContain(
      `The connection to ${server.url} dropped while Codex was answering`,
    );
  });

  it('explains a 401 and how to sign in again', async () => {
    await start(statusReply(401, { detail: 'Could not validate credentials' }));
    const { outputs } = await runAgent(place, input(server));
    expect(outputs).toHaveLength(1);
    const { error } = outputs[0];
    expect(error).toContain('HTTP 401');
    expect(error).toContain('expired or was revoked');
    expect(error).toContain('npx tsx setup/index.ts --step codex-auth');
  });

  it('waits out a 429 with retry-after and tries again', async () => {
    await start(
      statusReply(429, { detail: 'Too many requests' }, { 'retry-after': '1' }),
      textReply('Made it.'),
    );
    const started = Date.now();
    const { outputs, stderr } = await runAgent(place, input(server));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(outputs.map((o) => o.result)).toEqual(['Made it.']);
    expect(server.requests).toHaveLength(2);
    expect(stderr).toContain('Codex answered HTTP 429; retrying in 1 s');
  });

  it('reports a usage limit with its reset time from the x-codex headers, without retrying', async () => {
    const now = Math.floor(Date.now() / 1000);
    await start(
      statusReply(
        429,
        {
          error: {
            type: 'usage_limit_reached',
            message: 'The usage limit has been reached',
            plan_type: 'plus',
          },
        },
        {
          'x-codex-primary-used-percent': '100',
          'x-codex-primary-reset-at': String(now + 13873),
          'x-codex-secondary-used-percent': '80',
          'x-codex-secondary-reset-at': String(now + 316705),
        },
      ),
    );
    const { outputs } = await runAgent(place, input(server));
    expect(server.requests).toHaveLength(1);
    const { error } = outputs[0];
    expect(error).toContain('usage limit reached for your ChatGPT plus plan');
    expect(error).toContain('resets in 3 h 52 min');
    expect(error).toContain('AGENT_PROVIDER=claude');
  });

  it('reports a usage limit that arrives as a failed event, with resets_in_seconds', async () => {
    await start(
      failedReply('You have hit your usage limit', 'usage_limit_reached', {
        resets_in_seconds: 600,
      }),
    );
    const { outputs } = await runAgent(place, input(server));
    expect(server.requests).toHaveLength(1);
    expect(outputs.at(-1)?.error).toContain('Codex usage limit reached');
    expect(outputs.at(-1)?.error).toContain('resets in 10 min');
  });

  it('says when the plan does not include Codex, without retrying', async () => {
    await start(
      statusReply(429, {
        error: { type: 'usage_not_included', message: 'Not included' },
      }),
    );
    const { outputs } = await runAgent(place, input(server));
    expect(server.requests).toHaveLength(1);
    expect(outputs[0].error).toContain('does not include Codex');
  });

  it("reports the backend's bot protection as such, never as a model or sign-in problem", async () => {
    await start(
      statusReply(
        403,
        '<!DOCTYPE html><html><body>Just a moment...</body></html>',
        { 'content-type': 'text/html; charset=utf-8' },
      ),
    );
    const { outputs } = await runAgent(place, input(server));
    expect(server.requests).toHaveLength(1);
    const { error } = outputs[0];
    expect(error).toContain("blocked by the backend's bot protection");
    expect(error).not.toMatch(/CODEX_MODEL|CODEX_REASONING_EFFORT|codex-auth/);
  });

  it("shows a 400's detail", async () => {
    await start(statusReply(400, { detail: 'Something odd in the request' }));
    const { outputs } = await runAgent(place, input(server));
    expect(outputs[0].status).toBe('error');
    expect(outputs[0].error).toContain(
      'HTTP 400: Something odd in the request',
    );
  });

  it('asks for the auth step when credentials are missing, without calling out', async () => {
    await start();
    const { outputs } = await runAgent(place, {
      ...input(server),
      secrets: { CODEX_API_URL: server.url },
    });
    expect(outputs).toEqual([
      expect.objectContaining({ status: 'error', result: null }),
    ]);
    expect(outputs[0].error).toContain(
      'npx tsx setup/index.ts --step codex-auth',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('shows a host-side configuration error as is', async () => {
    await start();
    const { outputs } = await runAgent(place, {
      ...input(server),
      secrets: { CODEX_CONFIG_ERROR: 'Unknown CODEX_MODEL "gpt-4o" in .env.' },
    });
    expect(outputs[0].error).toBe('Unknown CODEX_MODEL "gpt-4o" in .env.');
  });

  it('names the URL it could not reach', async () => {
    place = makePlace();
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/backend-api/codex/responses`;
    await new Promise((r) => closed.close(r));
    const { outputs } = await runAgent(place, input({ url }), {
      CODEX_MAX_RETRY_WAIT_SECONDS: '0',
    });
    expect(outputs[0].status).toBe('error');
    expect(outputs[0].error).toContain(`Could not reach Codex at ${url}`);
    expect(outputs[0].error).toContain('ECONNREFUSED');
  });
});

describe('models and efforts', () => {
  it("uses the catalog's default model when the host sent none", async () => {
    await start(textReply('Hello from the default.'));
    const { outputs, stderr } = await runAgent(
      place,
      input(server, {}, { CODEX_MODEL: '', CODEX_REASONING_EFFORT: '' }),
    );
    expect(outputs.map((o) => o.result)).toEqual(['Hello from the default.']);
    // gpt-5.7-nova needs a newer client than we announce, so sol comes first.
    expect(server.catalogRequests[0].path).toMatch(
      /\/backend-api\/codex\/models\?client_version=\d+\.\d+\.\d+$/,
    );
    expect(server.requests[0].body.model).toBe('gpt-5.6-sol');
    expect(server.requests[0].body.reasoning).toEqual({
      effort: 'medium',
      summary: 'auto',
    });
    expect(stderr).toContain("using the catalog's default, gpt-5.6-sol");
  });

  it("sends no effort when CODEX_REASONING_EFFORT is empty, so the model's default applies", async () => {
    await start(textReply('Default effort.'));
    await runAgent(place, input(server, {}, { CODEX_REASONING_EFFORT: '' }));
    expect(server.requests[0].body.reasoning).toEqual({ summary: 'auto' });
    expect(server.catalogRequests).toHaveLength(0);
  });

  it("switches to the catalog's default once when the model is retired and was not pinned", async () => {
    await startWithInbox(
      textReply('Answered by sol.'),
      textReply('Sol again.'),
    );
    server.retire('gpt-5.6-terra');
    const handle = startAgent(
      place,
      input(server, {}, { CODEX_REASONING_EFFORT: 'max' }),
    );
    await handle.waitForOutputs(1);
    sendMessage(place, 'And again?');
    await handle.waitForOutputs(2);
    fs.writeFileSync(path.join(place.inbox, '_close'), '');
    const { outputs, stderr } = await handle.done;

    expect(outputs.map((o) => o.result)).toEqual([
      'Answered by sol.',
      'Sol again.',
    ]);
    const [refused, retried, followUp] = server.requests;
    expect(refused.rejected?.status).toBe(400);
    expect(refused.rejected?.body).toEqual({
      detail:
        "The 'gpt-5.6-terra' model is not supported when using Codex with a ChatGPT account.",
    });
    expect(retried.body.model).toBe('gpt-5.6-sol');
    expect(retried.body.reasoning.effort).toBe('medium');
    // The switch holds for the rest of the session.
    expect(followUp.body.model).toBe('gpt-5.6-sol');
    expect(server.requests).toHaveLength(3);
    expect(server.catalogRequests).toHaveLength(1);
    expect(stderr).toContain("switching to the catalog's default gpt-5.6-sol");
  });

  it('names the models to choose from when the rejected model was pinned in .env', async () => {
    await start(textReply('never sent'));
    const { outputs } = await runAgent(
      place,
      input(server, {}, { CODEX_MODEL: 'gpt-5.6', CODEX_MODEL_PINNED: '1' }),
    );
    expect(server.requests).toHaveLength(1);
    const { error } = outputs.at(-1)!;
    expect(error).toContain('gpt-5.6');
    expect(error).toContain(
      'Models your ChatGPT account can use: gpt-5.6-sol, gpt-5.6-terra, gpt-5.6-luna.',
    );
    expect(error).toContain('CODEX_MODEL in .env');
  });

  it('names the efforts the model offers when the backend refuses ours', async () => {
    await start(textReply('never sent'));
    const { outputs } = await runAgent(
      place,
      input(server, {}, { CODEX_REASONING_EFFORT: 'ultra' }),
    );
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].rejected?.status).toBe(400);
    const { error } = outputs.at(-1)!;
    expect(error).toContain('"ultra" is not offered for gpt-5.6-terra');
    expect(error).toContain('low, medium, high, xhigh, max');
    expect(error).toContain('CODEX_REASONING_EFFORT');
  });
});

describe('tools', () => {
  it('never lets a path from the model reach a shell, nor leave the workspace', async () => {
    const canary = path.join(
      os.tmpdir(),
      `codex-canary-${process.pid}-${Date.now()}`,
    );
    await start(
      toolCallReply([
        { name: 'list_files', arguments: { path: `; touch ${canary}` } },
      ]),
      toolCallReply([
        { name: 'list_files', arguments: { path: `$(touch ${canary})` } },
      ]),
      toolCallReply([
        { name: 'read_file', arguments: { path: '/etc/passwd' } },
      ]),
      toolCallReply([
        {
          name: 'write_file',
          arguments: { path: '../global/CLAUDE.md', content: 'x' },
        },
      ]),
      toolCallReply([{ name: 'list_files', arguments: { path: '../..' } }]),
      textReply('Done.'),
    );
    const { outputs } = await runAgent(place, input(server));
    expect(outputs.at(-1)?.result).toBe('Done.');
    expect(fs.existsSync(canary)).toBe(false);

    const results = toolOutputs(server.requests.at(-1)!.body);
    expect(results[0]).toMatch(/^Error: ENOENT/);
    expect(results[1]).toMatch(/^Error: ENOENT/);
    expect(results[2]).toBe(`Error: /etc/passwd is outside ${place.workspace}`);
    expect(results[3]).toBe(
      `Error: ../global/CLAUDE.md is outside ${place.groupDir}`,
    );
    expect(results[4]).toBe(`Error: ../.. is outside ${place.workspace}`);
    expect(
      fs.readFileSync(path.join(place.workspace, 'global/CLAUDE.md'), 'utf-8'),
    ).toContain('Global memory');
  });

  it('keeps credentials out of the environment bash sees', async () => {
    await start(
      toolCallReply([{ name: 'bash', arguments: { command: 'env' } }]),
      textReply('Checked.'),
    );
    await runAgent(place, input(server), {
      CODEX_ACCESS_TOKEN: 'leak-codex',
      ANTHROPIC_API_KEY: 'leak-anthropic',
      CLAUDE_CODE_OAUTH_TOKEN: 'leak-claude',
      KEEP_ME: 'visible',
    });
    const [envOutput] = toolOutputs(server.requests[1].body);
    expect(envOutput).toContain('KEEP_ME=visible');
    expect(envOutput).not.toMatch(/leak-|tok-secret|acct-123/);
    expect(envOutput).not.toMatch(/^(CODEX|ANTHROPIC|CLAUDE)_/m);
  });

  it('cuts long tool output and stops slow commands', async () => {
    await start(
      toolCallReply([
        {
          name: 'bash',
          arguments: { command: "head -c 50000 /dev/zero | tr '\\0' a" },
        },
      ]),
      toolCallReply([
        {
          name: 'bash',
          arguments: { command: 'sleep 30', timeout_seconds: 1 },
        },
      ]),
      toolCallReply([{ name: 'read_file', arguments: { path: 'big.txt' } }]),
      textReply('Ok.'),
    );
    fs.writeFileSync(path.join(place.groupDir, 'big.txt'), 'b'.repeat(100_000));
    const started = Date.now();
    await runAgent(place, input(server));
    expect(Date.now() - started).toBeLessThan(15_000);
    const [long, slow, big] = toolOutputs(server.requests[3].body);
    expect(long).toContain(
      '[output truncated: 30000 more characters not shown]',
    );
    expect(long.length).toBeLessThan(20_200);
    expect(slow).toBe('[killed after the 1 s timeout]');
    expect(big).toBe(
      `${'b'.repeat(20_000)}\n[output truncated: 80000 more characters not shown]`,
    );
  });

  it('stops after 20 rounds of tool calls', async () => {
    const rounds = Array.from({ length: 21 }, () =>
      toolCallReply([{ name: 'list_files', arguments: {} }]),
    );
    await start(...rounds);
    const { outputs } = await runAgent(place, input(server));
    expect(server.requests).toHaveLength(21);
    expect(outputs.at(-1)?.status).toBe('error');
    expect(outputs.at(-1)?.error).toContain('after 20 rounds');
  });
});

describe('conversation memory', () => {
  it('remembers the conversation of a session across runs, phases included', async () => {
    await start(
      toolCallReply([{ name: 'bash', arguments: { command: 'echo 42' } }]),
      textReply('Noted: your number is 42.'),
      textReply('You told me 42.'),
    );
    const first = await runAgent(
      place,
      input(server, { prompt: 'My number is 42.' }),
    );
    const sessionId = first.outputs.at(-1)?.newSessionId;
    expect(sessionId).toMatch(/^codex:[0-9a-f-]{36}$/);

    const saved = fs.readFileSync(sessionFile(place, sessionId!), 'utf-8');
    expect(saved).toContain('My number is 42.');
    // Encrypted reasoning only serves the turn that produced it.
    expect(saved).not.toContain('encrypted');

    const second = await runAgent(
      place,
      input(server, { prompt: 'What is my number?', sessionId }),
    );
    expect(second.outputs.map((o) => o.result)).toEqual(['You told me 42.']);
    expect(second.outputs[0].newSessionId).toBe(sessionId);
    expect(second.stderr).toContain(`session ${sessionId} (1 earlier turns)`);

    const request = server.requests[2];
    expect(request.headers.session_id).toBe(sessionId!.slice('codex:'.length));
    expect(transcript(request.body)).toEqual([
      'context',
      'user: My number is 42.',
      'function_call',
      'function_call_output',
      'assistant (final_answer): Noted: your number is 42.',
      'context',
      'user: What is my number?',
    ]);
  });

  it('drops the oldest turns and tries once more when the context is too long', async () => {
    place = makePlace();
    const sessionId = 'codex:7c1e4a52-3d7b-4f39-9a51-0f6a2b8c9d10';
    // Saved before phases were kept: replayed with one all the same.
    const turn = (n: number) => [
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: `question ${n} ${'x'.repeat(200)}` },
        ],
      },
      {
        type: 'message',
        role: 'assistant',
        id: `msg_${n}`,
        content: [{ type: 'output_text', text: `answer ${n}` }],
      },
    ];
    fs.mkdirSync(place.sessionsDir, { recursive: true });
    fs.writeFileSync(
      sessionFile(place, sessionId),
      JSON.stringify({
        version: 1,
        sessionId,
        turns: [turn(1), turn(2), turn(3)],
      }),
    );
    server = await startFakeResponsesServer([
      failedReply(
        'Your input exceeds the context window of this model.',
        'context_length_exceeded',
      ),
      textReply('Fits now.'),
      failedReply(
        'Your input exceeds the context window of this model.',
        'context_length_exceeded',
      ),
      failedReply(
        'Your input exceeds the context window of this model.',
        'context_length_exceeded',
      ),
    ]);
    const { outputs, stderr } = await runAgent(
      place,
      input(server, { sessionId }),
    );
    expect(outputs.map((o) => o.result)).toEqual(['Fits now.']);
    const [tooLong, trimmed] = server.requests.map((r) => transcript(r.body));
    expect(tooLong.slice(0, 6)).toEqual([
      expect.stringMatching(/^user: question 1/),
      'assistant (final_answer): answer 1',
      expect.stringMatching(/^user: question 2/),
      'assistant (final_answer): answer 2',
      expect.stringMatching(/^user: question 3/),
      'assistant (final_answer): answer 3',
    ]);
    expect(trimmed.join('\n')).not.toMatch(/question [12]/);
    expect(trimmed.join('\n')).toContain('question 3');
    expect(stderr).toContain('dropped the oldest turns');
    expect(
      fs.readFileSync(sessionFile(place, sessionId), 'utf-8'),
    ).not.toContain('question 1');

    // Only once per turn: a second overflow is reported.
    const again = await runAgent(place, input(server, { sessionId }));
    expect(server.requests).toHaveLength(4);
    expect(again.outputs.at(-1)?.status).toBe('error');
    expect(again.outputs.at(-1)?.error).toContain('context_length_exceeded');
  });
});

describe('follow-up messages in one session', () => {
  it('answers a follow-up that arrived during a tool round in the same turn', async () => {
    const gate = createGate();
    await startWithInbox(
      toolCallReply([{ name: 'bash', arguments: { command: 'echo rex' } }], {
        waitFor: gate.promise,
      }),
      textReply('Rex, and the cat is Tom.'),
    );
    const handle = startAgent(place, input(server), {
      CODEX_IDLE_TIMEOUT_MS: '300',
    });
    await server.nextRequest();
    const name = sendMessage(place, 'And what is the cat called?');
    gate.open();
    const { outputs, code } = await handle.done;

    expect(code).toBe(0);
    expect(outputs.map((o) => o.result)).toEqual(['Rex, and the cat is Tom.']);
    expect(server.requests).toHaveLength(2);
    expect(transcript(server.requests[1].body).slice(-3)).toEqual([
      'function_call',
      'function_call_output',
      'user: And what is the cat called?',
    ]);
    expect(fs.existsSync(path.join(place.inbox, name))).toBe(false);
  });

  it('starts a new turn with the history for a follow-up after the answer, until _close', async () => {
    await startWithInbox(textReply('Rex.'), textReply('He is 4.'));
    // A _close left by an earlier container must not end this one.
    fs.writeFileSync(path.join(place.inbox, '_close'), '');
    const handle = startAgent(place, input(server), {
      CODEX_IDLE_TIMEOUT_MS: '20000',
    });
    await handle.waitForOutputs(1);
    sendMessage(place, 'How old is he?');
    await handle.waitForOutputs(2);
    const closedAt = Date.now();
    fs.writeFileSync(path.join(place.inbox, '_close'), '');
    const { outputs, stderr, code } = await handle.done;

    expect(code).toBe(0);
    expect(Date.now() - closedAt).toBeLessThan(5000);
    expect(stderr).toContain('Removed a stale _close');
    expect(stderr).toContain('The host closed the session');
    expect(outputs.map((o) => o.result)).toEqual(['Rex.', 'He is 4.']);
    expect(new Set(outputs.map((o) => o.newSessionId)).size).toBe(1);
    expect(transcript(server.requests[1].body)).toEqual([
      'context',
      'user: What is the dog called?',
      'assistant (final_answer): Rex.',
      'context',
      'user: How old is he?',
    ]);
    const saved = JSON.parse(
      fs.readFileSync(sessionFile(place, outputs[0].newSessionId!), 'utf-8'),
    );
    expect(saved.turns).toHaveLength(2);
    expect(fs.existsSync(path.join(place.inbox, '_close'))).toBe(false);
  });

  it('takes messages waiting at the start into the first prompt, skipping .tmp and unreadable files', async () => {
    await startWithInbox(textReply('Both seen.'));
    sendMessage(place, 'Also: the cat is Tom.');
    fs.writeFileSync(path.join(place.inbox, '9-half.json.tmp'), '{"type":');
    fs.writeFileSync(path.join(place.inbox, '1-bad.json'), 'not json');
    const { outputs, stderr } = await runAgent(place, input(server), {
      CODEX_IDLE_TIMEOUT_MS: '200',
    });
    expect(outputs.map((o) => o.result)).toEqual(['Both seen.']);
    expect(server.requests[0].body.input[1].content[0].text).toBe(
      'What is the dog called?\nAlso: the cat is Tom.',
    );
    expect(stderr).toContain('Skipping input file 1-bad.json');
    expect(fs.readdirSync(place.inbox).sort()).toEqual([
      '1-bad.json',
      '9-half.json.tmp',
    ]);
  });

  it('answers messages still waiting when _close comes, then ends', async () => {
    await startWithInbox(textReply('First.'), textReply('Second.'));
    const handle = startAgent(place, input(server), {
      CODEX_IDLE_TIMEOUT_MS: '20000',
    });
    await handle.waitForOutputs(1);
    // Both at once: the message was written before _close, so it is answered.
    sendMessage(place, 'One more thing.');
    fs.writeFileSync(path.join(place.inbox, '_close'), '');
    const { outputs, code } = await handle.done;
    expect(code).toBe(0);
    expect(outputs.map((o) => o.result)).toEqual(['First.', 'Second.']);
  });

  it('ends the session when no message comes within CODEX_IDLE_TIMEOUT_MS', async () => {
    await startWithInbox(textReply('Alone.'));
    const started = Date.now();
    const { outputs, stderr, code } = await runAgent(place, input(server), {
      CODEX_IDLE_TIMEOUT_MS: '300',
    });
    expect(code).toBe(0);
    expect(outputs.map((o) => o.result)).toEqual(['Alone.']);
    expect(stderr).toContain('No message came within CODEX_IDLE_TIMEOUT_MS');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('leaves unread messages for the next container after a fatal error', async () => {
    const gate = createGate();
    await startWithInbox({
      ...statusReply(401, { detail: 'Token revoked' }),
      waitFor: gate.promise,
    });
    const waiting = sendMessage(place, 'Sent before the container was up.');
    const handle = startAgent(place, input(server));
    await server.nextRequest();
    const during = sendMessage(place, 'Sent while Codex was busy.');
    gate.open();
    const { outputs, code } = await handle.done;

    expect(code).toBe(0);
    expect(outputs.at(-1)?.status).toBe('error');
    expect(outputs.at(-1)?.error).toContain('HTTP 401');
    // The one taken into the failed prompt is handed back under its own name.
    expect(fs.readdirSync(place.inbox).sort()).toEqual(
      [waiting, during].sort(),
    );
    const back = JSON.parse(
      fs.readFileSync(path.join(place.inbox, waiting), 'utf-8'),
    );
    expect(back).toEqual({
      type: 'message',
      text: 'Sent before the container was up.',
    });
  });
});

describe('the strict fake backend', () => {
  it("refuses Node's default client with the bot-protection page", async () => {
    await start();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: 'Bearer x',
        'chatgpt-account-id': 'a',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('refuses a catalog request without a client version', async () => {
    await start();
    const response = await fetch(server.url.replace(/responses$/, 'models'), {
      headers: {
        authorization: 'Bearer x',
        'chatgpt-account-id': 'a',
        'user-agent': 'test/1.0',
      },
    });
    expect(response.status).toBe(400);
  });
});
