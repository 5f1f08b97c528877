/**
 * The container half of the codex plugin, run as the container runs it: compiled
 * next to the sample agent runner with its tsconfig, started as a child process,
 * fed one ContainerInput on stdin, talking to a real SSE server on 127.0.0.1.
 */
import { execFile, spawn } from 'child_process';
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { promisify } from 'util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  type FakeResponsesServer,
  type Reply,
  failedReply,
  startFakeResponsesServer,
  statusReply,
  textReply,
  toolCallReply,
  truncatedReply,
} from '../helpers/fake-responses-server.js';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtureRunner = path.join(
  repo,
  'test/fixtures/nanoclaw/container/agent-runner',
);

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

/**
 * An agent-runner folder as a group sees it after the loader copied
 * provider-codex.ts in: the sample index.ts compiles alongside, and main.ts
 * stands in for the routing the skill adds to index.ts.
 */
async function buildRunner(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-runner-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(
    path.join(repo, 'node_modules/@types'),
    path.join(dir, 'node_modules/@types'),
  );
  fs.copyFileSync(
    path.join(fixtureRunner, 'tsconfig.json'),
    path.join(dir, 'tsconfig.json'),
  );
  fs.copyFileSync(
    path.join(fixtureRunner, 'package.json'),
    path.join(dir, 'package.json'),
  );
  fs.copyFileSync(
    path.join(fixtureRunner, 'src/index.ts'),
    path.join(dir, 'src/index.ts'),
  );
  fs.copyFileSync(
    path.join(repo, 'templates/plugins/codex/provider-codex.ts'),
    path.join(dir, 'src/provider-codex.ts'),
  );
  fs.writeFileSync(
    path.join(dir, 'src/main.ts'),
    [
      "import { runProvider } from './provider-codex.js';",
      'const chunks: Buffer[] = [];',
      'for await (const chunk of process.stdin) chunks.push(chunk as Buffer);',
      "await runProvider(JSON.parse(Buffer.concat(chunks).toString('utf-8')));",
      '',
    ].join('\n'),
  );
  await promisify(execFile)(
    process.execPath,
    [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir],
    { cwd: dir },
  ).catch((err) => {
    throw new Error(
      `The agent runner does not compile:\n${err.stdout}${err.stderr}`,
    );
  });
  return dir;
}

/** A group's view of the container: /workspace and the session folder. */
interface Place {
  root: string;
  workspace: string;
  groupDir: string;
  sessionsDir: string;
}

function makePlace(): Place {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-place-'));
  const workspace = path.join(root, 'workspace');
  const groupDir = path.join(workspace, 'group');
  fs.mkdirSync(groupDir, { recursive: true });
  fs.mkdirSync(path.join(workspace, 'global'));
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
  };
}

function runAgent(
  place: Place,
  input: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
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
          ...env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const outputs = [
        ...stdout.matchAll(
          /---NANOCLAW_OUTPUT_START---\n(.*?)\n---NANOCLAW_OUTPUT_END---/gs,
        ),
      ].map((m) => JSON.parse(m[1]) as ContainerOutput);
      resolve({ outputs, stderr, code });
    });
    child.stdin.end(JSON.stringify(input));
  });
}

function input(
  server: FakeResponsesServer | { url: string },
  extra: Record<string, unknown> = {},
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
      CODEX_MODEL: 'gpt-5.1-codex',
      CODEX_REASONING_EFFORT: 'medium',
      CODEX_API_URL: server.url,
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

describe('provider-codex.ts in a child process', () => {
  let server: FakeResponsesServer;
  let place: Place;

  beforeAll(async () => {
    runnerDir = await buildRunner();
  });

  afterAll(() => {
    fs.rmSync(runnerDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await server?.close();
    fs.rmSync(place.root, { recursive: true, force: true });
  });

  async function start(...replies: Reply[]) {
    place = makePlace();
    server = await startFakeResponsesServer(replies);
  }

  it('answers a plain question with the request Codex expects', async () => {
    await start(textReply(['The dog ', 'is called Rex.']));
    const { outputs, stderr } = await runAgent(place, input(server));

    expect(outputs).toHaveLength(1);
    const [output] = outputs;
    expect(output).toMatchObject({
      status: 'success',
      result: 'The dog is called Rex.',
    });
    expect(output.newSessionId).toMatch(/^codex:[0-9a-f-]{36}$/);
    expect(stderr).toContain(
      '[agent-runner] Using codex provider: model gpt-5.1-codex',
    );

    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/backend-api/codex/responses');
    expect(request.headers).toMatchObject({
      authorization: 'Bearer tok-secret',
      'chatgpt-account-id': 'acct-123',
      'openai-beta': 'responses=experimental',
      originator: 'codex_cli_rs',
      session_id: output.newSessionId.slice('codex:'.length),
      accept: 'text/event-stream',
      'content-type': 'application/json',
    });
    const body = request.body;
    expect(body).toMatchObject({
      model: 'gpt-5.1-codex',
      tool_choice: 'auto',
      parallel_tool_calls: false,
      store: false,
      stream: true,
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    expect(body.instructions).toContain('the family dog is called Rex');
    expect(body.instructions).toContain('You are Andy');
    expect(body.instructions).toContain(String(new Date().getUTCFullYear()));
    // The main group's own CLAUDE.md is the global memory; the mount is for others.
    expect(body.instructions).not.toContain('Global memory');
    expect(body.input).toEqual([
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

  it('runs two rounds of tools and sends the results back', async () => {
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

    // Intermediate text as it completes, the final answer last.
    expect(outputs.map((o) => o.result)).toEqual([
      'Let me write a note.',
      'The note says hi.',
    ]);
    expect(outputs.every((o) => o.status === 'success')).toBe(true);
    expect(stderr).toContain('[agent-runner] Tool call: bash');
    expect(stderr).toContain('[agent-runner] Tool call: read_file');
    expect(
      fs.readFileSync(path.join(place.groupDir, 'note.txt'), 'utf-8'),
    ).toBe('hi\n');

    expect(server.requests).toHaveLength(3);
    const second = server.requests[1].body;
    expect(toolOutputs(second)).toEqual(['done\n[exit code 0]']);
    const types = second.input.map((item: any) => item.type);
    expect(types).toEqual([
      'message',
      'reasoning',
      'message',
      'function_call',
      'function_call_output',
    ]);
    const call = second.input[3];
    expect(call.name).toBe('bash');
    expect(second.input[4].call_id).toBe(call.call_id);
    // Reasoning travels back encrypted within the run; server item ids do not.
    expect(second.input[1].encrypted_content).toMatch(/^encrypted-/);
    expect(second.input.some((item: any) => 'id' in item)).toBe(false);

    const third = server.requests[2].body;
    expect(toolOutputs(third)).toEqual(['done\n[exit code 0]', 'hi\n']);
  });

  it('reports response.failed with the server message', async () => {
    await start(failedReply('The model is overloaded', 'server_is_overloaded'));
    const { outputs } = await runAgent(place, input(server));
    expect(outputs.at(-1)).toMatchObject({ status: 'error', result: null });
    expect(outputs.at(-1)?.error).toContain(
      'The model is overloaded (server_is_overloaded)',
    );
  });

  it('reports a stream that ends without response.completed', async () => {
    await start(truncatedReply('Half an ans'));
    const { outputs } = await runAgent(place, input(server));
    expect(outputs.at(-1)?.status).toBe('error');
    expect(outputs.at(-1)?.error).toContain(
      'stream ended without response.completed',
    );
  });

  it('reports a connection dropped mid-stream', async () => {
    const reply = textReply('Never finished');
    await start({ ...reply, dropAfter: 2 });
    const { outputs } = await runAgent(place, input(server));
    expect(outputs.at(-1)?.status).toBe('error');
    expect(server.requests).toHaveLength(1);
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

  it('reports a usage limit that resets later than it is worth waiting', async () => {
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
          'x-codex-primary-reset-after-seconds': '13873',
          'x-codex-secondary-used-percent': '80',
          'x-codex-secondary-reset-after-seconds': '316705',
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

  it("shows a 400's detail", async () => {
    await start(statusReply(400, { detail: 'Instructions are required' }));
    const { outputs } = await runAgent(place, input(server));
    expect(outputs[0].status).toBe('error');
    expect(outputs[0].error).toContain('HTTP 400: Instructions are required');
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

  it('remembers the conversation of a session across runs', async () => {
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
    expect(sessionId).toBeTruthy();

    const saved = fs.readFileSync(
      path.join(place.sessionsDir, `${sessionId!.slice('codex:'.length)}.json`),
      'utf-8',
    );
    expect(saved).toContain('My number is 42.');
    // Encrypted reasoning only serves the run that produced it.
    expect(saved).not.toContain('encrypted');

    const second = await runAgent(
      place,
      input(server, { prompt: 'What is my number?', sessionId }),
    );
    expect(second.outputs.map((o) => o.result)).toEqual(['You told me 42.']);
    expect(second.outputs[0].newSessionId).toBe(sessionId);
    expect(second.stderr).toContain(`session ${sessionId} (1 earlier turns)`);

    const request = server.requests[2];
    expect(sessionId).toMatch(/^codex:[0-9a-f-]{36}$/);
    expect(request.headers.session_id).toBe(sessionId!.slice('codex:'.length));
    const replay = request.body.input.map((item: any) =>
      item.type === 'message'
        ? `${item.role}: ${item.content[0].text}`
        : item.type,
    );
    expect(replay).toEqual([
      'user: My number is 42.',
      'function_call',
      'function_call_output',
      'assistant: Noted: your number is 42.',
      'user: What is my number?',
    ]);
  });
});
