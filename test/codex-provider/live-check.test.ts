/**
 * The live check (templates/add-codex-provider/plugins/codex/lib/live-check.ts) against a local
 * Codex backend: one tiny streamed answer, timed to its first token, and for
 * every way it can fail, the fix a person needs.
 */
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_API_URL } from '../../templates/add-codex-provider/plugins/codex/container/provider-codex/identity.js';
import { fixes } from '../../templates/add-codex-provider/plugins/codex/lib/failures.js';
import { runLiveCheck } from '../../templates/add-codex-provider/plugins/codex/lib/live-check.js';
import type { CodexSettings } from '../../templates/add-codex-provider/plugins/codex/lib/settings.js';

const level = (effort: string) => ({ effort, description: effort });
const CATALOG = [
  {
    slug: 'gpt-5.6-terra',
    visibility: 'list',
    priority: 2,
    default_reasoning_level: 'medium',
    supported_reasoning_levels: ['low', 'medium', 'high'].map(level),
  },
  {
    slug: 'gpt-5.6-sol',
    visibility: 'list',
    priority: 1,
    default_reasoning_level: 'high',
    supported_reasoning_levels: ['low', 'medium', 'high', 'xhigh'].map(level),
  },
  {
    slug: 'gpt-5.6-luna',
    visibility: 'list',
    priority: 3,
    default_reasoning_level: 'low',
    supported_reasoning_levels: ['minimal', 'low'].map(level),
  },
];

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

const sse = (event: Record<string, unknown>) =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/** Streams a delta, then holds the stream open: the check must stop it. */
const answering: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(sse({ type: 'response.created', response: { id: 'r1' } }));
  setTimeout(() => {
    res.write(sse({ type: 'response.output_text.delta', delta: 'OK' }));
  }, 20);
};

describe('live check', () => {
  let server: http.Server;
  let base: string;
  let dataDir: string;
  const dataDirs: string[] = [];
  const requests: Recorded[] = [];
  const routes: { models: Handler; responses: Handler } = {
    models: json(200, { models: CATALOG }),
    responses: answering,
  };
  const closedStreams: string[] = [];

  const settings = (more: Partial<CodexSettings> = {}): CodexSettings => ({
    model: '',
    effort: '',
    apiUrl: `${base}/backend-api/codex/responses`,
    clientVersion: '',
    tokenFile: '',
    ...more,
  });
  const check = (more: Partial<CodexSettings> = {}, timeoutMs = 5_000) =>
    runLiveCheck({
      getCredentials: async () => ({ accessToken: 'tok', accountId: 'acct' }),
      settings: settings(more),
      dataDir,
      timeoutMs,
    });

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf-8');
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      res.on('close', () => closedStreams.push(req.url ?? ''));
      if (req.url?.startsWith('/backend-api/codex/models?'))
        routes.models(req, res);
      else if (req.url === '/backend-api/codex/responses')
        routes.responses(req, res);
      else json(404, { detail: 'not here' })(req, res);
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    requests.length = 0;
    closedStreams.length = 0;
    routes.models = json(200, { models: CATALOG });
    routes.responses = answering;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-live-'));
    dataDirs.push(dataDir);
  });

  afterAll(async () => {
    for (const dir of dataDirs)
      fs.rmSync(dir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('streams one tiny answer to the default model and times the first token', async () => {
    const result = await check();
    expect(result).toMatchObject({ ok: true, model: 'gpt-5.6-sol' });
    if (!result.ok) throw new Error('unreachable');
    expect(result.firstTokenMs).toBeGreaterThanOrEqual(15);
    expect(result.firstTokenMs).toBeLessThan(5_000);

    const [models, post] = requests;
    expect(models.url).toMatch(
      /\/codex\/models\?client_version=\d+\.\d+\.\d+$/,
    );
    expect(post.method).toBe('POST');
    expect(post.headers).toMatchObject({
      authorization: 'Bearer tok',
      'chatgpt-account-id': 'acct',
      originator: 'nanoclaw',
      accept: 'text/event-stream',
      'content-type': 'application/json',
    });
    expect(post.headers['user-agent']).toMatch(/^nanoclaw-codex\//);
    expect(post.body).toEqual({
      model: 'gpt-5.6-sol',
      instructions: expect.stringMatching(/\S/),
      input: [
        {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: 'Reply with OK.' }],
        },
      ],
      store: false,
      stream: true,
      reasoning: { effort: 'high' },
    });
    // The catalog it fetched is the next container run's cache.
    const cache = JSON.parse(
      fs.readFileSync(path.join(dataDir, 'codex-models.json'), 'utf-8'),
    );
    expect(cache.models).toHaveLength(3);
    // The held-open stream was dropped after the first token.
    await expect
      .poll(() => closedStreams.includes('/backend-api/codex/responses'))
      .toBe(true);
  });

  it('uses the pinned model and effort', async () => {
    const result = await check({
      model: 'gpt-5.6-luna',
      effort: 'minimal',
    });
    expect(result).toMatchObject({ ok: true, model: 'gpt-5.6-luna' });
    expect(requests[1].body).toMatchObject({
      model: 'gpt-5.6-luna',
      reasoning: { effort: 'minimal' },
    });
  });

  it('a response that completes without text still counts as an answer', async () => {
    routes.responses = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ type: 'response.completed', response: { id: 'r1' } }));
    };
    expect(await check()).toMatchObject({ ok: true });
  });

  it('not signed in: sign in', async () => {
    const result = await runLiveCheck({
      getCredentials: async () => {
        throw Object.assign(new Error('Not signed in to Codex'), {
          code: 'not_logged_in',
        });
      },
      settings: settings(),
      dataDir,
    });
    expect(result).toMatchObject({
      ok: false,
      error: 'Not signed in to Codex',
      fix: 'Sign in: npx tsx setup/index.ts --step codex-auth',
    });
    expect(requests).toHaveLength(0);
  });

  it('a refresh the issuer rejects: sign in again', async () => {
    const result = await runLiveCheck({
      getCredentials: async () => {
        throw Object.assign(new Error('Refresh token was revoked'), {
          code: 'login_required',
        });
      },
      settings: settings(),
      dataDir,
    });
    expect(result).toMatchObject({
      ok: false,
      fix: 'Sign in again: npx tsx setup/index.ts --step codex-auth --reauth',
    });
  });

  it('HTTP 401 from the backend: sign in again', async () => {
    routes.responses = json(401, { detail: 'token expired' });
    const result = await check();
    expect(result).toMatchObject({ ok: false, model: 'gpt-5.6-sol' });
    if (result.ok) throw new Error('unreachable');
    expect(result.error).toMatch(/HTTP 401: token expired/);
    expect(result.fix).toContain('--step codex-auth --reauth');
  });

  it('bot protection on /models: said as such, with what to try', async () => {
    routes.models = (_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>Just a moment...</body></html>');
    };
    const result = await check();
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringContaining("blocked by the backend's bot protection"),
    });
    if (result.ok) throw new Error('unreachable');
    expect(result.fix).toMatch(/not a sign-in or model problem/);
    expect(result.fix).toMatch(/proxy, VPN or firewall/);
    expect(requests).toHaveLength(1);
  });

  it('bot protection on the answer too', async () => {
    routes.responses = (_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html>Attention required</html>');
    };
    const result = await check();
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringContaining('bot protection'),
    });
  });

  it('a pinned model the catalog lacks: set or unset CODEX_MODEL', async () => {
    const result = await check({ model: 'gpt-4o' });
    expect(result).toMatchObject({ ok: false, model: 'gpt-4o' });
    if (result.ok) throw new Error('unreachable');
    expect(result.error).toContain('gpt-4o');
    expect(result.fix).toBe(
      "Set CODEX_MODEL in .env to one of: gpt-5.6-sol, gpt-5.6-terra, gpt-5.6-luna, or remove the line to use Codex's default (now gpt-5.6-sol); then copy .env to data/env/env.",
    );
    expect(requests).toHaveLength(1); // no answer was asked for
  });

  it('HTTP 400 "model not supported": set or unset CODEX_MODEL', async () => {
    routes.responses = json(400, {
      detail:
        "The 'gpt-5.6-sol' model is not supported when using Codex with a ChatGPT account.",
    });
    const result = await check();
    if (result.ok) throw new Error('expected a failure');
    expect(result.error).toMatch(
      /HTTP 400: The 'gpt-5\.6-sol' model is not supported/,
    );
    expect(result.fix).toMatch(
      /^Set CODEX_MODEL in \.env to one of: gpt-5\.6-sol/,
    );
  });

  it('an effort the model does not list: the allowed ones', async () => {
    const result = await check({ model: 'gpt-5.6-luna', effort: 'xhigh' });
    if (result.ok) throw new Error('expected a failure');
    expect(result.error).toMatch(/CODEX_REASONING_EFFORT "xhigh"/);
    expect(result.fix).toBe(
      "Set CODEX_REASONING_EFFORT in .env to one of: minimal, low, or remove the line for the model's default (low); then copy .env to data/env/env.",
    );
  });

  it('HTTP 400 about the effort: the allowed ones', async () => {
    routes.responses = json(400, {
      error: {
        message:
          "Unsupported value: 'high' is not supported with this model for reasoning.effort.",
      },
    });
    const result = await check({ model: 'gpt-5.6-terra', effort: 'high' });
    if (result.ok) throw new Error('expected a failure');
    expect(result.fix).toMatch(
      /^Set CODEX_REASONING_EFFORT in \.env to one of: low, medium, high/,
    );
  });

  it('usage limit: when it resets', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 2 * 3600 + 5 * 60;
    routes.responses = json(429, {
      error: {
        type: 'usage_limit_reached',
        message: 'The usage limit has been reached',
        plan_type: 'plus',
        resets_at: resetsAt,
      },
    });
    const result = await check();
    if (result.ok) throw new Error('expected a failure');
    expect(result.error).toBe(
      'Codex usage limit reached for the ChatGPT plus plan (HTTP 429)',
    );
    const when = new Date(resetsAt * 1000).toISOString().slice(11, 16);
    expect(result.fix).toMatch(
      /^It resets in 2 h [45] min \(around \d{4}-\d\d-\d\d /,
    );
    expect(result.fix).toContain(`${when} UTC`);
  });

  it('plain rate limiting and a plan without Codex are told apart', async () => {
    routes.responses = json(429, { error: { message: 'slow down' } });
    expect(await check()).toMatchObject({
      ok: false,
      error: 'Codex is limiting requests (HTTP 429)',
      fix: expect.stringMatching(/^Wait a minute/),
    });
    routes.responses = json(429, { error: { type: 'usage_not_included' } });
    expect(await check()).toMatchObject({
      ok: false,
      error: 'this ChatGPT plan does not include Codex (HTTP 429)',
      fix: expect.stringContaining('Plus or Pro'),
    });
  });

  it('the network fix names CODEX_API_URL only when it is set', () => {
    expect(fixes.network(DEFAULT_API_URL)).not.toContain('CODEX_API_URL');
    expect(fixes.network(DEFAULT_API_URL)).toContain('chatgpt.com');
    expect(fixes.network('http://127.0.0.1:9/x')).toContain(
      'CODEX_API_URL in .env (now http://127.0.0.1:9/x;',
    );
  });

  it('a failed response in the stream: its reason', async () => {
    routes.responses = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        sse({
          type: 'response.failed',
          response: { error: { message: 'The model gpt-5.6-sol is gone.' } },
        }),
      );
    };
    const result = await check();
    if (result.ok) throw new Error('expected a failure');
    expect(result.error).toBe(
      'Codex could not answer: The model gpt-5.6-sol is gone.',
    );
    expect(result.fix).toMatch(/^Set CODEX_MODEL/);
  });

  it('no route to the backend: check the connection and CODEX_API_URL', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) =>
      closed.listen(0, '127.0.0.1', resolve),
    );
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const apiUrl = `http://127.0.0.1:${port}/backend-api/codex/responses`;
    const result = await check({ apiUrl });
    if (result.ok) throw new Error('expected a failure');
    expect(result.error).toMatch(/could not reach .*ECONNREFUSED/);
    expect(result.fix).toMatch(/internet connection .* CODEX_API_URL/);
  });

  it('a backend that never answers: bounded by the timeout', async () => {
    routes.responses = () => {}; // holds the request forever
    const started = Date.now();
    const result = await check({}, 2_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    if (result.ok) throw new Error('expected a failure');
    expect(result.error).toMatch(/no answer from .* within 2 s/);
    expect(result.fix).toMatch(/internet connection/);
  });
});
