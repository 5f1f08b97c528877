/**
 * The host's Codex relay (templates/add-codex-provider/plugins/codex/lib/relay.ts) for NanoClaw
 * releases that keep every secret out of containers: it admits only the keys
 * it issued to running containers, signs each request with the host's sign-in
 * (refreshed on the host), streams the answer through as it comes, and the
 * container side completes a turn through it without ever holding a token.
 * Also the plugin loader's part: start, container arguments, release, stop.
 * Every server listens on 127.0.0.1.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { pathToFileURL } from 'url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { CodexAuth } from '../../templates/add-codex-provider/packages/codex-oauth/src/index.js';
import {
  createRelay,
  type CodexRelay,
} from '../../templates/add-codex-provider/plugins/codex/lib/relay.js';
import {
  DEFAULT_RELAY_PORT,
  relayBindHost,
  relayPort,
} from '../../templates/add-codex-provider/plugins/codex/lib/relay-config.js';
import { writeTokenFile } from '../helpers/codex-host.js';
import { startFakeIssuer } from '../helpers/fake-issuer.js';
import {
  createGate,
  encodeEvent,
  startFakeResponsesServer,
  textReply,
  toolCallReply,
  type FakeResponsesServer,
} from '../helpers/fake-responses-server.js';
import { buildCodexRunner } from '../helpers/codex-runner.js';

const repo = path.resolve(import.meta.dirname, '../..');
const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};

interface LogCall {
  level: string;
  obj: unknown;
  msg?: string;
}

function captureLogger() {
  const calls: LogCall[] = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      calls.push({ level, obj, msg });
    };
  return {
    calls,
    logger: {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    },
  };
}

const HOST_TOKEN = 'host-access-token-1';
const HOST_ACCOUNT = 'acct-host-42';

/** A request body the strict fake backend accepts. */
const BODY = {
  model: 'gpt-5.6-terra',
  instructions: 'Be brief.',
  input: [
    {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'Hi' }],
    },
  ],
  reasoning: { effort: 'medium', summary: 'auto' },
  store: false,
  stream: true,
};

interface Started {
  relay: CodexRelay;
  base: string;
  logs: LogCall[];
}

const relays: CodexRelay[] = [];
const closers: (() => Promise<void>)[] = [];

async function startRelay(
  responsesUrl: string,
  credentials: () => Promise<{
    accessToken: string;
    accountId: string;
  }> = async () => ({
    accessToken: HOST_TOKEN,
    accountId: HOST_ACCOUNT,
  }),
): Promise<Started> {
  const { calls, logger } = captureLogger();
  const relay = createRelay({
    logger,
    credentials,
    responsesUrl: () => responsesUrl,
  });
  relays.push(relay);
  const port = await relay.listen('127.0.0.1', 0);
  return { relay, base: `http://127.0.0.1:${port}`, logs: calls };
}

function post(base: string, key: string | undefined, body: unknown = BODY) {
  return fetch(`${base}/responses`, {
    method: 'POST',
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      'content-type': 'application/json',
      accept: 'text/event-stream',
      session_id: 'session-abc',
      'OpenAI-Beta': 'responses=experimental',
      'user-agent': 'nanoclaw-codex/1.1.0 (container)',
    },
    body: JSON.stringify(body),
  });
}

afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.close();
  for (const close of closers.splice(0)) await close();
});

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the relay admits only keys it issued to running containers', () => {
  let backend: FakeResponsesServer;

  beforeAll(async () => {
    backend = await startFakeResponsesServer();
  });
  afterAll(() => backend.close());

  it('refuses no key, a wrong key and a released key with a JSON 401, and never calls out', async () => {
    const { relay, base, logs } = await startRelay(backend.url);
    const key = relay.issueKey('nanoclaw-main-1');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const before = backend.requests.length;

    const refusals = [
      await post(base, undefined),
      await post(base, 'not-a-key-it-issued'),
      await post(base, `${key}x`),
      await fetch(`${base}/models?client_version=0.130.0`, {
        headers: { authorization: 'Basic abc' },
      }),
    ];
    relay.revokeKey('nanoclaw-main-1');
    refusals.push(await post(base, key));
    for (const response of refusals) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toMatchObject({
        error: { code: 'nanoclaw_relay_key_rejected' },
      });
    }
    expect(backend.requests.length).toBe(before);
    expect(backend.catalogRequests).toHaveLength(0);
    // The log says what was refused, never with the key.
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(5);
    expect(JSON.stringify(logs)).not.toContain(key);
  });

  it('refuses every other path and method with 404, a valid key or not', async () => {
    const { relay, base } = await startRelay(backend.url);
    const key = relay.issueKey('nanoclaw-main-2');
    const auth = { authorization: `Bearer ${key}` };
    const attempts: [string, string][] = [
      ['GET', '/responses'],
      ['POST', '/models?client_version=0.130.0'],
      ['GET', '/'],
      ['POST', '/responses/extra'],
      ['POST', '/backend-api/codex/responses'],
      ['DELETE', '/responses'],
      ['PUT', '/models'],
      ['GET', '/shutdown'],
    ];
    for (const [method, where] of attempts) {
      for (const headers of [auth, {}]) {
        const response = await fetch(`${base}${where}`, { method, headers });
        expect(response.status, `${method} ${where}`).toBe(404);
        await response.body?.cancel();
      }
    }
    expect(backend.requests).toHaveLength(0);
  });
});

describe('forwarding', () => {
  let backend: FakeResponsesServer;

  beforeAll(async () => {
    backend = await startFakeResponsesServer();
  });
  afterAll(() => backend.close());

  it('sends a valid request on with the host’s token, account and our identity, not the relay key', async () => {
    const { relay, base, logs } = await startRelay(backend.url);
    const key = relay.issueKey('nanoclaw-main-3');
    backend.reply(textReply('Hello through the relay.'));
    const response = await post(base, key);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    expect(text).toContain('Hello through the relay.');
    expect(text).toContain('event: response.completed');

    const request = backend.requests.at(-1)!;
    expect(request.rejected).toBeUndefined();
    expect(request.path).toBe('/backend-api/codex/responses');
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${HOST_TOKEN}`,
      'chatgpt-account-id': HOST_ACCOUNT,
      originator: 'nanoclaw',
      session_id: 'session-abc',
      'openai-beta': 'responses=experimental',
      accept: 'text/event-stream',
    });
    expect(request.headers['user-agent']).toMatch(
      /^nanoclaw-codex\/\d+\.\d+\.\d+ \(/,
    );
    expect(request.headers.host).toBe(new URL(backend.url).host);
    expect(request.body).toEqual(BODY);
    expect(JSON.stringify(request.headers)).not.toContain(key);
    expect(JSON.stringify(logs)).not.toMatch(
      new RegExp(`${key}|${HOST_TOKEN}`),
    );
  });

  it('passes the backend’s refusals on as they are: status, headers and body', async () => {
    const { relay, base } = await startRelay(backend.url);
    const key = relay.issueKey('nanoclaw-main-4');
    backend.reply({
      kind: 'status',
      status: 429,
      body: { detail: 'Too many requests' },
      headers: { 'retry-after': '7', 'x-codex-primary-used-percent': '100' },
    });
    const response = await post(base, key);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('x-codex-primary-used-percent')).toBe('100');
    expect(await response.json()).toEqual({ detail: 'Too many requests' });
  });

  it('forwards the catalog GET with the client_version the container asked for', async () => {
    const { relay, base } = await startRelay(backend.url);
    const key = relay.issueKey('nanoclaw-main-5');
    const response = await fetch(`${base}/models?client_version=0.128.0`, {
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    const { models } = (await response.json()) as {
      models: { slug: string }[];
    };
    expect(models.map((m) => m.slug)).toContain('gpt-5.6-sol');
    expect(models.map((m) => m.slug)).not.toContain('gpt-5.7-nova');
    const request = backend.catalogRequests.at(-1)!;
    expect(request.method).toBe('GET');
    expect(request.path).toBe(
      '/backend-api/codex/models?client_version=0.128.0',
    );
    expect(request.headers.authorization).toBe(`Bearer ${HOST_TOKEN}`);
    expect(request.headers['chatgpt-account-id']).toBe(HOST_ACCOUNT);
  });

  it('gives two running containers their own keys; releasing one leaves the other working', async () => {
    const { relay, base } = await startRelay(backend.url);
    const first = relay.issueKey('nanoclaw-family-1');
    const second = relay.issueKey('nanoclaw-work-2');
    expect(first).not.toBe(second);
    backend.reply(textReply('One.'), textReply('Two.'), textReply('Three.'));
    const answers = await Promise.all([post(base, first), post(base, second)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await Promise.all(answers.map((a) => a.text()));

    relay.revokeKey('nanoclaw-family-1');
    expect((await post(base, first)).status).toBe(401);
    const still = await post(base, second);
    expect(still.status).toBe(200);
    expect(await still.text()).toContain('Three.');
  });

  it('answers 502 when the backend is unreachable, and a refused host sign-in as 401 without calling out', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/backend-api/codex/responses`;
    await new Promise((r) => closed.close(r));
    const offline = await startRelay(url);
    const response = await post(offline.base, offline.relay.issueKey('c'));
    expect(response.status).toBe(502);
    expect(((await response.json()) as { detail: string }).detail).toContain(
      'ECONNREFUSED',
    );

    const before = backend.requests.length;
    const signedOut = await startRelay(backend.url, async () => {
      throw new Error('Not signed in: the token file does not exist');
    });
    const refused = await post(signedOut.base, signedOut.relay.issueKey('c'));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(
      /sign-in on the NanoClaw host is unusable: Not signed in/,
    );
    expect(backend.requests.length).toBe(before);
  });
});

/** A backend that sends one event, then the rest once `gate` opens; it records when the client left. */
async function startGatedBackend(gate: Promise<void>) {
  const state = { closedEarly: false, finished: false };
  const first = encodeEvent(
    { type: 'response.created', data: { response: { id: 'r1' } } },
    '\n',
    false,
  );
  const rest = encodeEvent(
    { type: 'response.completed', data: { response: { id: 'r1' } } },
    '\n',
    false,
  );
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(first);
    res.on('close', () => {
      if (!state.finished) state.closedEarly = true;
    });
    gate.then(() => {
      if (res.destroyed) return;
      state.finished = true;
      res.end(rest);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backend-api/codex/responses`;
  return { url, state, first, rest };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not arrive within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('streaming', () => {
  it('streams unbuffered: the first event reaches the container before the rest is released', async () => {
    const gate = createGate();
    const backend = await startGatedBackend(gate.promise);
    const { relay, base } = await startRelay(backend.url);
    const response = await post(base, relay.issueKey('nanoclaw-main-6'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('\n\n')) {
      // A relay that buffers would hold this until the gate opens: never.
      const chunk = await within(reader.read(), 5000, 'the first event');
      expect(chunk.done).toBe(false);
      seen += decoder.decode(chunk.value, { stream: true });
    }
    expect(seen).toBe(backend.first);
    gate.open();
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      seen += decoder.decode(chunk.value, { stream: true });
    }
    expect(seen).toBe(backend.first + backend.rest);
  });

  it('drops the backend request when the container goes away mid-stream', async () => {
    const gate = createGate();
    const backend = await startGatedBackend(gate.promise);
    const { relay, base } = await startRelay(backend.url);
    const controller = new AbortController();
    const response = await fetch(`${base}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${relay.issueKey('c')}` },
      body: JSON.stringify(BODY),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect
      .poll(() => backend.state.closedEarly, { timeout: 5000 })
      .toBe(true);
    gate.open();
  });
});

describe('the host sign-in behind the relay', () => {
  it('refreshes an access token that expired mid-session on the host; the next request carries the new one', async () => {
    const issuer = await startFakeIssuer();
    closers.push(() => issuer.close());
    const backend = await startFakeResponsesServer([
      textReply('First.'),
      textReply('Second.'),
      textReply('Third.'),
    ]);
    closers.push(() => backend.close());
    const tokenFile = path.join(tempDir('codex-relay-tokens-'), 'tokens.json');
    const seeded = issuer.seedTokens(3600);
    writeTokenFile(tokenFile, seeded);
    const auth = new CodexAuth({ tokenFile, issuer: issuer.url });
    const { relay, base, logs } = await startRelay(backend.url, () =>
      auth.getTokens(),
    );
    const key = relay.issueKey('nanoclaw-main-long');

    expect(await (await post(base, key)).text()).toContain('First.');
    expect(backend.requests[0].headers.authorization).toBe(
      `Bearer ${seeded.accessToken}`,
    );
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(0);

    // An hour later: the stored access token has expired.
    const stored = JSON.parse(fs.readFileSync(tokenFile, 'utf-8'));
    writeTokenFile(tokenFile, { ...stored, expiresAt: Date.now() - 1000 });
    expect(await (await post(base, key)).text()).toContain('Second.');
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    const renewed = JSON.parse(fs.readFileSync(tokenFile, 'utf-8'));
    expect(renewed.accessToken).not.toBe(seeded.accessToken);
    expect(backend.requests[1].headers.authorization).toBe(
      `Bearer ${renewed.accessToken}`,
    );
    expect(backend.requests[1].rejected).toBeUndefined();

    // Fresh again: no further refresh.
    expect(await (await post(base, key)).text()).toContain('Third.');
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    for (const secret of issuer.issuedSecrets()) {
      expect(JSON.stringify(logs)).not.toContain(secret);
    }
  });
});

// ---- The container side, run as the container runs it ----------------------

interface AgentRun {
  outputs: { status: string; result: string | null; error?: string }[];
  stderr: string;
}

function runAgent(
  runner: string,
  workspace: string,
  stdin: string,
  env: Record<string, string>,
): Promise<AgentRun> {
  const child = spawn(process.execPath, [path.join(runner, 'dist/main.js')], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.dirname(workspace),
      NANOCLAW_WORKSPACE: workspace,
      NANOCLAW_CODEX_SESSIONS_DIR: path.join(
        path.dirname(workspace),
        'sessions',
      ),
      CODEX_MAX_RETRY_WAIT_SECONDS: '0',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () =>
      resolve({
        outputs: [
          ...stdout.matchAll(
            /---NANOCLAW_OUTPUT_START---\n(.*?)\n---NANOCLAW_OUTPUT_END---/gs,
          ),
        ].map((m) => JSON.parse(m[1])),
        stderr,
      }),
    );
  });
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(dir, rel))
    .filter((file) => fs.lstatSync(file).isFile());
}

describe('the container through the relay', () => {
  let runner: string;

  beforeAll(async () => {
    runner = await buildCodexRunner(tempDir('codex-relay-runner-'));
  });

  function makeWorkspace(): string {
    const root = tempDir('codex-relay-place-');
    const workspace = path.join(root, 'workspace');
    fs.mkdirSync(path.join(workspace, 'group'), { recursive: true });
    fs.writeFileSync(
      path.join(workspace, 'group', 'CLAUDE.md'),
      '# Andy\n\nThe family dog is called Rex.\n',
    );
    return workspace;
  }

  const input = JSON.stringify({
    prompt: 'What is the dog called?',
    groupFolder: 'main',
    chatJid: 'main@local',
    isMain: true,
    assistantName: 'Andy',
    provider: 'codex',
    secrets: {},
  });

  it('completes a turn with a tool round; no token in its stdin, environment, files or tools', async () => {
    const backend = await startFakeResponsesServer([
      toolCallReply([{ name: 'bash', arguments: { command: 'env' } }]),
      textReply('The dog is called Rex.'),
    ]);
    closers.push(() => backend.close());
    const { relay, base } = await startRelay(backend.url);
    const key = relay.issueKey('nanoclaw-main-container');
    const env = {
      CODEX_RELAY_URL: base,
      CODEX_RELAY_KEY: key,
      CODEX_MODEL: '',
      CODEX_MODEL_PINNED: '0',
      CODEX_REASONING_EFFORT: '',
    };
    const workspace = makeWorkspace();
    const run = await runAgent(runner, workspace, input, env);

    expect(run.outputs.at(-1)).toMatchObject({
      status: 'success',
      result: 'The dog is called Rex.',
    });
    // No model was set: the catalog came through the relay, signed on the host.
    expect(backend.catalogRequests).toHaveLength(1);
    expect(backend.catalogRequests[0].path).toMatch(
      /^\/backend-api\/codex\/models\?client_version=\d+\.\d+\.\d+$/,
    );
    expect(backend.catalogRequests[0].headers.authorization).toBe(
      `Bearer ${HOST_TOKEN}`,
    );
    expect(backend.requests).toHaveLength(2);
    for (const request of backend.requests) {
      expect(request.rejected).toBeUndefined();
      expect(request.headers.authorization).toBe(`Bearer ${HOST_TOKEN}`);
      expect(request.headers['chatgpt-account-id']).toBe(HOST_ACCOUNT);
      expect(JSON.stringify(request.headers)).not.toContain(key);
    }
    expect(backend.requests[0].body.model).toBe('gpt-5.6-sol');

    // What the container had: stdin and environment hold no token; the key only in its variable.
    expect(input).not.toContain(HOST_TOKEN);
    expect(JSON.stringify(env)).not.toContain(HOST_TOKEN);
    expect(input).not.toContain(key);
    // Nothing it wrote holds the token or the key; nor did the bash tool see the key.
    const root = path.dirname(workspace);
    const written = filesUnder(root);
    expect(written.some((f) => f.includes('sessions'))).toBe(true);
    for (const file of written) {
      const text = fs.readFileSync(file, 'utf-8');
      expect(text, file).not.toContain(HOST_TOKEN);
      expect(text, file).not.toContain(key);
    }
    const toolOutput = backend.requests[1].body.input.find(
      (item: { type: string }) => item.type === 'function_call_output',
    ).output;
    expect(toolOutput).toContain('NANOCLAW_WORKSPACE=');
    expect(toolOutput).not.toContain(key);
    expect(toolOutput).not.toMatch(/^CODEX_/m);
    expect(run.stderr).not.toContain(key);
  });

  it('says so when the relay no longer takes its key, without retrying', async () => {
    const backend = await startFakeResponsesServer();
    closers.push(() => backend.close());
    const { relay, base } = await startRelay(backend.url);
    const key = relay.issueKey('nanoclaw-main-gone');
    relay.revokeKey('nanoclaw-main-gone');
    const run = await runAgent(runner, makeWorkspace(), input, {
      CODEX_RELAY_URL: base,
      CODEX_RELAY_KEY: key,
      CODEX_MODEL: 'gpt-5.6-terra',
      CODEX_MODEL_PINNED: '1',
      CODEX_REASONING_EFFORT: 'medium',
    });
    expect(run.outputs).toHaveLength(1);
    expect(run.outputs[0].status).toBe('error');
    expect(run.outputs[0].error).toMatch(
      /Codex relay no longer accepts this container's key/,
    );
    expect(backend.requests).toHaveLength(0);
  });

  it('names the relay it could not reach', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const run = await runAgent(runner, makeWorkspace(), input, {
      CODEX_RELAY_URL: base,
      CODEX_RELAY_KEY: 'some-key',
      CODEX_MODEL: 'gpt-5.6-terra',
    });
    expect(run.outputs[0].error).toContain(
      `Could not reach the NanoClaw host's Codex relay at ${base}/responses`,
    );
    expect(run.outputs[0].error).toContain('CODEX_RELAY_PORT');
  });
});

// ---- The plugin loader's part ----------------------------------------------

/** A NanoClaw src/ with the loader, its three imports stubbed, and a plugin "fake". */
function makeLoaderTree(): string {
  const root = tempDir('codex-relay-loader-');
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  for (const file of ['plugin-loader.ts', 'provider-plugin.ts']) {
    fs.copyFileSync(
      path.join(repo, 'templates/add-codex-provider/src', file),
      path.join(src, file),
    );
  }
  fs.writeFileSync(
    path.join(src, 'config.ts'),
    [
      "export let AGENT_PROVIDER = 'fake';",
      'export function setProvider(name: string) { AGENT_PROVIDER = name; }',
      `export const DATA_DIR = ${JSON.stringify(path.join(root, 'data'))};`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(src, 'env.ts'),
    'export function readEnvFile(_keys: string[]) { return {}; }\n',
  );
  fs.writeFileSync(
    path.join(src, 'logger.ts'),
    [
      'export const logged: { level: string; obj: unknown; msg?: string }[] = [];',
      'const at = (level: string) => (obj: unknown, msg?: string) => { logged.push({ level, obj, msg }); };',
      "export const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };",
      '',
    ].join('\n'),
  );
  fs.mkdirSync(path.join(root, 'plugins/fake'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'plugins/fake/host.ts'),
    `
export const calls: unknown[][] = [];
export function createPlugin() {
  return {
    name: 'fake',
    containerProvider: 'container',
    getSecrets: async () => ({}),
    isAuthenticated: async () => true,
    setup: async () => {},
    async start(options: unknown) {
      await new Promise((r) => setTimeout(r, 50));
      calls.push(['start', options]);
    },
    async stop() { calls.push(['stop']); },
    containerArgs(name: string) {
      calls.push(['containerArgs', name]);
      return ['-e', 'FAKE_KEY=' + name];
    },
    releaseContainer(name: string) { calls.push(['releaseContainer', name]); },
  };
}
`,
  );
  return root;
}

describe('the plugin loader', () => {
  it('starts the active plugin before returning, adds its docker args, releases and stops it', async () => {
    const root = makeLoaderTree();
    const url = (file: string) => pathToFileURL(path.join(root, file)).href;
    const loader = await import(url('src/plugin-loader.ts'));
    const config = await import(url('src/config.ts'));
    const fake = await import(url('plugins/fake/host.ts'));

    // A release that passes secrets on stdin: nothing is started.
    await loader.loadPlugins();
    expect(fake.calls).toEqual([]);

    await loader.loadPlugins({ containerRelay: { bindHost: '172.17.0.1' } });
    expect(fake.calls).toEqual([['start', { bindHost: '172.17.0.1' }]]);
    // Loading again starts nothing twice.
    await loader.loadPlugins({ containerRelay: {} });
    expect(fake.calls).toHaveLength(1);

    expect(loader.providerContainerArgs('nanoclaw-main-1')).toEqual([
      '-e',
      'FAKE_KEY=nanoclaw-main-1',
    ]);
    loader.releaseProviderContainer('nanoclaw-main-1');
    expect(fake.calls.slice(1)).toEqual([
      ['containerArgs', 'nanoclaw-main-1'],
      ['releaseContainer', 'nanoclaw-main-1'],
    ]);

    // Claude: no arguments, nothing released.
    config.setProvider('claude');
    expect(loader.providerContainerArgs('nanoclaw-main-2')).toEqual([]);
    loader.releaseProviderContainer('nanoclaw-main-2');
    expect(fake.calls).toHaveLength(3);
    config.setProvider('fake');

    await loader.stopPlugins();
    await loader.stopPlugins();
    expect(fake.calls.at(-1)).toEqual(['stop']);
    expect(fake.calls.filter((c: unknown[]) => c[0] === 'stop')).toHaveLength(
      1,
    );
  });

  it('logs a plugin that cannot start and goes on', async () => {
    const root = makeLoaderTree();
    const hostFile = path.join(root, 'plugins/fake/host.ts');
    fs.writeFileSync(
      hostFile,
      fs
        .readFileSync(hostFile, 'utf-8')
        .replace(
          "calls.push(['start', options]);",
          "calls.push(['start', options]); throw new Error('CODEX_RELAY_PORT 3011 is in use');",
        ),
    );
    const loader = await import(
      pathToFileURL(path.join(root, 'src/plugin-loader.ts')).href
    );
    const { logged } = await import(
      pathToFileURL(path.join(root, 'src/logger.ts')).href
    );
    await loader.loadPlugins({ containerRelay: {} });
    const error = logged.find((l: LogCall) => l.level === 'error');
    expect(error?.msg).toBe(
      'Plugin fake could not start: CODEX_RELAY_PORT 3011 is in use',
    );
    await loader.stopPlugins();
  });
});

describe('where the relay listens', () => {
  const saved = {
    host: process.env.CREDENTIAL_PROXY_HOST,
    port: process.env.CODEX_RELAY_PORT,
  };
  afterEach(() => {
    for (const [key, value] of [
      ['CREDENTIAL_PROXY_HOST', saved.host],
      ['CODEX_RELAY_PORT', saved.port],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("binds where NanoClaw's credential proxy does: the host's choice, else CREDENTIAL_PROXY_HOST, else detected", () => {
    process.env.CREDENTIAL_PROXY_HOST = '10.0.0.7';
    expect(relayBindHost('172.17.0.1')).toBe('172.17.0.1');
    expect(relayBindHost()).toBe('10.0.0.7');
    delete process.env.CREDENTIAL_PROXY_HOST;
    const docker0 = os
      .networkInterfaces()
      .docker0?.find((a) => a.family === 'IPv4')?.address;
    const expected =
      os.platform() === 'darwin' ||
      fs.existsSync('/proc/sys/fs/binfmt_misc/WSLInterop')
        ? '127.0.0.1'
        : (docker0 ?? '0.0.0.0');
    expect(relayBindHost()).toBe(expected);
  });

  it('takes CODEX_RELAY_PORT from the environment, then .env, else 3011; a bad value names the setting', () => {
    delete process.env.CODEX_RELAY_PORT;
    expect(relayPort(() => ({}))).toBe(DEFAULT_RELAY_PORT);
    expect(DEFAULT_RELAY_PORT).toBe(3011);
    expect(relayPort(() => ({ CODEX_RELAY_PORT: '3111' }))).toBe(3111);
    process.env.CODEX_RELAY_PORT = '3222';
    expect(relayPort(() => ({ CODEX_RELAY_PORT: '3111' }))).toBe(3222);
    process.env.CODEX_RELAY_PORT = 'http';
    expect(() => relayPort(() => ({}))).toThrow(/CODEX_RELAY_PORT "http"/);
    process.env.CODEX_RELAY_PORT = '70000';
    expect(() => relayPort(() => ({}))).toThrow(/CODEX_RELAY_PORT/);
  });
});
