/**
 * templates/add-codex-provider/setup/codex-auth-step.ts run as NanoClaw runs it
 * (npx tsx setup/index.ts --step codex-auth), first with a stand-in plugin for
 * each status field, then with the real codex plugin, codex-oauth, an issuer and
 * a local Codex backend (models and responses).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
} from 'vitest';

import { startFakeIssuer } from '../helpers/fake-issuer.js';
import {
  CliRun,
  buildPackage,
  findLeak,
  followAsBrowser,
  freePort,
  makeTempDir,
  type BuiltPackage,
  type CliResult,
  removeTempDirs,
} from './harness.js';

vi.setConfig({ testTimeout: 60_000 });

const TOOL_ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(TOOL_ROOT, 'test/fixtures/nanoclaw');
const TSX = path.join(TOOL_ROOT, 'node_modules/tsx/dist/cli.mjs');

const STAND_IN_PLUGIN = `import fs from 'fs';
import path from 'path';

// Stand-in for plugins/codex/host.ts, steered by data/stand-in.json.
export function createPlugin(context) {
  const read = () => {
    const file = path.join(context.dataDir, 'stand-in.json');
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  };
  return {
    name: 'codex',
    containerProvider: 'provider-codex.ts',
    async getSecrets() {
      return {};
    },
    async isAuthenticated() {
      return read().authenticated === true;
    },
    async setup(options) {
      fs.writeFileSync(
        path.join(context.dataDir, 'setup-call.json'),
        JSON.stringify({ options, dataDir: context.dataDir, projectRoot: context.projectRoot }),
      );
      if (read().failWith) throw new Error(read().failWith);
    },
    async models() {
      return read().models ?? {
        models: [{ slug: 'gpt-5.6-sol' }, { slug: 'gpt-5.6-terra' }],
        defaultModel: 'gpt-5.6-sol',
        current: '',
      };
    },
    async pinModel(slug) {
      if (read().pinError) throw new Error(read().pinError);
      fs.writeFileSync(path.join(context.dataDir, 'pinned.txt'), slug);
    },
    async liveCheck() {
      return read().live ?? { ok: true, model: 'gpt-5.6-sol', firstTokenMs: 42 };
    },
  };
}
`;

let built: BuiltPackage;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  built = await buildPackage();
});

afterAll(() => removeTempDirs());

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A NanoClaw checkout cut down to what the step touches, with the step registered. */
function nanoclaw(plugin: 'stand-in' | 'real'): string {
  const root = fs.realpathSync(makeTempDir('codex-auth-step-'));
  fs.writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ name: 'nanoclaw', type: 'module' }),
  );
  for (const file of ['setup/status.ts', 'src/logger.ts', 'src/env.ts']) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(FIXTURE, file), path.join(root, file));
  }
  const index = fs.readFileSync(path.join(FIXTURE, 'setup/index.ts'), 'utf8');
  const anchor = "verify: () => import('./verify.js'),";
  expect(index).toContain(anchor);
  fs.writeFileSync(
    path.join(root, 'setup/index.ts'),
    index.replace(
      anchor,
      `${anchor}\n  'codex-auth': () => import('./codex-auth-step.js'),`,
    ),
  );
  fs.copyFileSync(
    path.join(
      TOOL_ROOT,
      'templates/add-codex-provider/setup/codex-auth-step.ts',
    ),
    path.join(root, 'setup/codex-auth-step.ts'),
  );
  fs.copyFileSync(
    path.join(TOOL_ROOT, 'templates/add-codex-provider/src/provider-plugin.ts'),
    path.join(root, 'src/provider-plugin.ts'),
  );
  fs.mkdirSync(path.join(root, 'plugins/codex'), { recursive: true });
  fs.mkdirSync(path.join(root, 'data'));
  if (plugin === 'stand-in') {
    fs.writeFileSync(path.join(root, 'plugins/codex/host.ts'), STAND_IN_PLUGIN);
  } else {
    fs.cpSync(
      path.join(TOOL_ROOT, 'templates/add-codex-provider/plugins/codex'),
      path.join(root, 'plugins/codex'),
      { recursive: true },
    );
    fs.mkdirSync(path.join(root, 'node_modules'));
    // What `npm install ./packages/codex-oauth` leaves: a link to the built package.
    fs.symlinkSync(
      built.packageDir,
      path.join(root, 'node_modules/codex-oauth'),
    );
  }
  return root;
}

/** The step with a home of its own: no test touches the real ~/.config. */
function step(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): CliRun {
  const run = new CliRun(
    TSX,
    ['setup/index.ts', '--step', 'codex-auth', ...args],
    { HOME: path.join(root, 'home'), ...env },
    root,
  );
  cleanups.push(() => {
    if (run.child.exitCode === null) run.child.kill();
  });
  return run;
}

async function runStep(
  root: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const run = step(root, args, env);
  run.child.stdin.end();
  return run.done;
}

/** Python's pty module gives the step a terminal, so it asks for a model. */
const PTY =
  'import os, pty, sys\nsys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';
const hasPython = spawnSync('python3', ['-c', 'import pty']).status === 0;

/** Run the step on a terminal and type `answer` at the model prompt. */
function stepInTerminal(
  root: string,
  args: string[],
  answer: string,
): Promise<CliResult> {
  const child = spawn(
    'python3',
    [
      '-c',
      PTY,
      process.execPath,
      TSX,
      'setup/index.ts',
      '--step',
      'codex-auth',
      ...args,
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: path.join(root, 'home') },
    },
  );
  cleanups.push(() => {
    if (child.exitCode === null) child.kill();
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const asked = !stdout.includes('Model number or name');
    stdout += chunk;
    if (asked && stdout.includes('Model number or name'))
      child.stdin.write(`${answer}\r`);
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code) =>
      // A terminal ends lines with \r\n.
      resolve({
        exitCode: code ?? -1,
        stdout: stdout.replace(/\r\n/g, '\n'),
        stderr,
      }),
    ),
  );
}

/** The fields of the step's status block, which must be its only one and its last output. */
function statusBlock(stdout: string): Record<string, string> {
  const match = stdout.match(
    /=== NANOCLAW SETUP: CODEX-AUTH ===\n([\s\S]*?)\n=== END ===\n$/,
  );
  expect(match, stdout).not.toBeNull();
  expect(stdout.split('=== NANOCLAW SETUP:')).toHaveLength(2);
  return Object.fromEntries(
    match![1]
      .split('\n')
      .map((line) => [
        line.slice(0, line.indexOf('=')),
        line.slice(line.indexOf('=') + 1),
      ]),
  );
}

const setupCall = (root: string) => {
  const file = path.join(root, 'data/setup-call.json');
  return fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, 'utf8'))
    : undefined;
};
const steer = (root: string, state: object) =>
  fs.writeFileSync(
    path.join(root, 'data/stand-in.json'),
    JSON.stringify(state),
  );

const MODEL_FIELDS = {
  MODELS: 'gpt-5.6-sol,gpt-5.6-terra',
  DEFAULT_MODEL: 'gpt-5.6-sol',
  CURRENT_MODEL: '',
};
const LIVE_OK = {
  LIVE_CHECK: 'ok',
  LIVE_MODEL: 'gpt-5.6-sol',
  FIRST_TOKEN_MS: '42',
};

describe('codex-auth setup step (stand-in plugin)', () => {
  it('already signed in: AUTH_STATUS=already_authenticated, the models, the live check', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { authenticated: true });
    const result = await runStep(root);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'already_authenticated',
      ...MODEL_FIELDS,
      ...LIVE_OK,
    });
    expect(setupCall(root)).toBeUndefined();
  });

  it('not signed in: runs setup with the flags, AUTH_STATUS=authenticated', async () => {
    const root = nanoclaw('stand-in');
    const result = await runStep(root, ['--no-browser', '--device-auth']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toMatchObject({
      AUTH_STATUS: 'authenticated',
    });
    expect(setupCall(root)).toEqual({
      options: { noBrowser: true, deviceAuth: true },
      dataDir: path.join(root, 'data'),
      projectRoot: root,
    });
  });

  it('--reauth signs in again even when signed in', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { authenticated: true });
    const result = await runStep(root, ['--reauth']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toMatchObject({
      AUTH_STATUS: 'authenticated',
    });
    expect(setupCall(root).options).toEqual({});
  });

  it('a failed login: AUTH_STATUS=failed, ERROR on one line, exit 1, nothing else', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { failWith: 'Port 1455 is busy.\nFind it with lsof -i :1455' });
    const result = await runStep(root);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'failed',
      ERROR: 'Port 1455 is busy. Find it with lsof -i :1455',
    });
  });

  it('--no-check leaves the live check out; --no-model-prompt asks nothing', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { authenticated: true });
    const result = await runStep(root, ['--no-check', '--no-model-prompt']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'already_authenticated',
      ...MODEL_FIELDS,
    });
    expect(fs.existsSync(path.join(root, 'data/pinned.txt'))).toBe(false);
  });

  it('--model pins the model through the plugin: MODEL, CURRENT_MODEL', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { authenticated: true });
    const result = await runStep(root, ['--model', 'gpt-5.6-terra']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statusBlock(result.stdout)).toMatchObject({
      CURRENT_MODEL: 'gpt-5.6-terra',
      MODEL: 'gpt-5.6-terra',
    });
    expect(fs.readFileSync(path.join(root, 'data/pinned.txt'), 'utf8')).toBe(
      'gpt-5.6-terra',
    );
  });

  it('--model the plugin refuses: MODEL_ERROR, exit 1', async () => {
    const root = nanoclaw('stand-in');
    steer(root, { authenticated: true, pinError: 'not offered:\nsol, terra' });
    const result = await runStep(root, ['--model', 'gpt-4o', '--no-check']);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'already_authenticated',
      ...MODEL_FIELDS,
      MODEL_ERROR: 'not offered: sol, terra',
    });
  });

  it('a failed live check after sign-in: LIVE_ERROR and LIVE_FIX, sign-in still counts', async () => {
    const root = nanoclaw('stand-in');
    steer(root, {
      authenticated: true,
      live: {
        ok: false,
        model: 'gpt-5.6-sol',
        error: 'HTTP 429\nlimit',
        fix: 'Wait.',
      },
    });
    const result = await runStep(root);
    expect(result.exitCode).toBe(0);
    expect(statusBlock(result.stdout)).toEqual({
      AUTH_STATUS: 'already_authenticated',
      ...MODEL_FIELDS,
      LIVE_CHECK: 'failed',
      LIVE_MODEL: 'gpt-5.6-sol',
      LIVE_ERROR: 'HTTP 429 limit',
      LIVE_FIX: 'Wait.',
    });
  });

  it('--check signs nothing in and prints only the live check; exit 1 when it fails', async () => {
    const root = nanoclaw('stand-in');
    const ok = await runStep(root, ['--check']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(statusBlock(ok.stdout)).toEqual(LIVE_OK);
    expect(setupCall(root)).toBeUndefined();

    steer(root, {
      live: { ok: false, error: 'Not signed in', fix: 'Sign in.' },
    });
    const failed = await runStep(root, ['--check']);
    expect(failed.exitCode).toBe(1);
    expect(statusBlock(failed.stdout)).toEqual({
      LIVE_CHECK: 'failed',
      LIVE_MODEL: '',
      LIVE_ERROR: 'Not signed in',
      LIVE_FIX: 'Sign in.',
    });
  });

  it('an unknown option fails the step with its name', async () => {
    const root = nanoclaw('stand-in');
    const result = await runStep(root, ['--bogus']);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout)).toMatchObject({ AUTH_STATUS: 'failed' });
    expect(statusBlock(result.stdout).ERROR).toContain("'--bogus'");
  });

  it('a plugin that cannot load names codex-oauth and how to build it', async () => {
    const root = nanoclaw('stand-in');
    fs.writeFileSync(
      path.join(root, 'plugins/codex/host.ts'),
      "export { CodexAuth } from 'codex-oauth';\n",
    );
    const result = await runStep(root);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout).ERROR).toContain(
      'npm install ./packages/codex-oauth',
    );
    const check = await runStep(root, ['--check']);
    expect(check.exitCode).toBe(1);
    expect(statusBlock(check.stdout)).toMatchObject({ LIVE_CHECK: 'failed' });
  });
});

// ---- A local Codex backend: the catalog and one streamed answer ------------

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
    supported_reasoning_levels: ['low', 'medium', 'high'].map(level),
  },
  {
    slug: 'gpt-5.6-luna',
    visibility: 'list',
    priority: 3,
    default_reasoning_level: 'low',
    supported_reasoning_levels: ['low'].map(level),
  },
];

interface Backend {
  url: string;
  /** Status for POST /responses; 200 streams "OK". */
  responsesStatus: number;
  posts: { model: string; authorization: string }[];
  close(): Promise<void>;
}

async function startBackend(): Promise<Backend> {
  const backend: Backend = {
    url: '',
    responsesStatus: 200,
    posts: [],
    close: async () => {},
  };
  const server = http.createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (req.method === 'GET' && req.url?.includes('/codex/models?')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: CATALOG }));
      return;
    }
    backend.posts.push({
      model: JSON.parse(text).model,
      authorization: String(req.headers.authorization),
    });
    if (backend.responsesStatus !== 200) {
      res.writeHead(backend.responsesStatus, {
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ detail: 'token expired' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const delta = { type: 'response.output_text.delta', delta: 'OK' };
    res.end(`event: ${delta.type}\ndata: ${JSON.stringify(delta)}\n\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  backend.url = `http://127.0.0.1:${port}/backend-api/codex/responses`;
  backend.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return backend;
}

describe('codex-auth setup step (real plugin and codex-oauth)', () => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(() => backend.close());

  /** A checkout pointed at the local backend, with `.env` lines of its own. */
  function realCheckout(envLines: string[] = []): string {
    const root = nanoclaw('real');
    fs.writeFileSync(
      path.join(root, '.env'),
      ['AGENT_PROVIDER=codex', `CODEX_API_URL=${backend.url}`, ...envLines]
        .map((line) => `${line}\n`)
        .join(''),
    );
    return root;
  }
  const defaultTokenFile = (root: string) =>
    path.join(root, 'home/.config/nanoclaw/codex-tokens.json');
  function seedTokens(file: string, accessToken = 'access-seeded'): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify({
        accessToken,
        refreshToken: 'refresh-seeded',
        accountId: 'acct_seeded',
        expiresAt: Date.now() + 3600_000,
      }),
      { mode: 0o600 },
    );
  }

  it('signs in through the issuer into ~/.config/nanoclaw, then reports already_authenticated', async () => {
    const issuer = await startFakeIssuer();
    cleanups.push(() => issuer.close());
    const root = realCheckout();
    const env = {
      CODEX_OAUTH_ISSUER: issuer.url,
      CODEX_OAUTH_PORT: String(await freePort()),
    };

    const run = step(root, ['--no-browser', '--no-model-prompt'], env);
    run.child.stdin.end();
    await followAsBrowser(await run.authorizeUrl());
    const first = await run.done;
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(statusBlock(first.stdout)).toMatchObject({
      AUTH_STATUS: 'authenticated',
      MODELS: 'gpt-5.6-sol,gpt-5.6-terra,gpt-5.6-luna',
      LIVE_CHECK: 'ok',
    });
    const tokenFile = defaultTokenFile(root);
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(root, 'data/codex-tokens.json'))).toBe(
      false,
    );

    const again = step(root, ['--no-check'], env);
    again.child.stdin.end();
    const second = await again.done;
    expect(second.exitCode, second.stderr).toBe(0);
    expect(statusBlock(second.stdout)).toMatchObject({
      AUTH_STATUS: 'already_authenticated',
    });

    const texts = [first.stdout, first.stderr, second.stdout, second.stderr];
    expect(findLeak(texts, issuer.issuedSecrets())).toBeUndefined();
  });

  it('already signed in: the offered models, the current one, and a timed live check', async () => {
    const root = realCheckout();
    seedTokens(defaultTokenFile(root));
    const result = await runStep(root, ['--no-model-prompt']);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const fields = statusBlock(result.stdout);
    expect(fields).toEqual({
      AUTH_STATUS: 'already_authenticated',
      MODELS: 'gpt-5.6-sol,gpt-5.6-terra,gpt-5.6-luna',
      DEFAULT_MODEL: 'gpt-5.6-sol',
      CURRENT_MODEL: '',
      LIVE_CHECK: 'ok',
      LIVE_MODEL: 'gpt-5.6-sol',
      FIRST_TOKEN_MS: expect.stringMatching(/^\d+$/),
    });
    // The catalog the step fetched is the host's cache for the next run.
    const cache = JSON.parse(
      fs.readFileSync(path.join(root, 'data/codex-models.json'), 'utf8'),
    );
    expect(cache.models).toHaveLength(3);
    expect(
      findLeak(
        [result.stdout, result.stderr],
        ['access-seeded', 'refresh-seeded'],
      ),
    ).toBeUndefined();
  });

  it('--model writes CODEX_MODEL into .env and copies .env to data/env/env', async () => {
    const root = realCheckout(['CODEX_MODEL=gpt-5.6-terra', '# a comment']);
    seedTokens(defaultTokenFile(root));
    const result = await runStep(root, ['--model', 'gpt-5.6-luna']);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(statusBlock(result.stdout)).toMatchObject({
      CURRENT_MODEL: 'gpt-5.6-luna',
      MODEL: 'gpt-5.6-luna',
      LIVE_CHECK: 'ok',
      LIVE_MODEL: 'gpt-5.6-luna',
    });
    const text = fs.readFileSync(path.join(root, '.env'), 'utf8');
    expect(text).toBe(
      `AGENT_PROVIDER=codex\nCODEX_API_URL=${backend.url}\nCODEX_MODEL=gpt-5.6-luna\n# a comment\n`,
    );
    expect(fs.readFileSync(path.join(root, 'data/env/env'), 'utf8')).toBe(text);
  });

  it('--model the catalog lacks: MODEL_ERROR naming the offered ones, .env untouched', async () => {
    const root = realCheckout();
    seedTokens(defaultTokenFile(root));
    const before = fs.readFileSync(path.join(root, '.env'), 'utf8');
    const result = await runStep(root, ['--model', 'gpt-4o', '--no-check']);
    expect(result.exitCode).toBe(1);
    const fields = statusBlock(result.stdout);
    expect(fields.MODEL_ERROR).toMatch(
      /"gpt-4o".*gpt-5\.6-sol, gpt-5\.6-terra, gpt-5\.6-luna/,
    );
    expect(fields.MODEL).toBeUndefined();
    expect(fs.readFileSync(path.join(root, '.env'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(root, 'data/env/env'))).toBe(false);
  });

  it('--check: the live check alone; a refused sign-in fails it with the fix', async () => {
    const root = realCheckout();
    const tokenFile = path.join(root, 'elsewhere/tokens.json');
    seedTokens(tokenFile, 'access-check');
    const env = { CODEX_TOKEN_FILE: tokenFile };
    const ok = await runStep(root, ['--check'], env);
    expect(ok.exitCode, ok.stderr + ok.stdout).toBe(0);
    expect(Object.keys(statusBlock(ok.stdout))).toEqual([
      'LIVE_CHECK',
      'LIVE_MODEL',
      'FIRST_TOKEN_MS',
    ]);
    expect(backend.posts.at(-1)).toEqual({
      model: 'gpt-5.6-sol',
      authorization: 'Bearer access-check',
    });

    backend.responsesStatus = 401;
    cleanups.push(() => {
      backend.responsesStatus = 200;
    });
    const refused = await runStep(root, ['--check'], env);
    expect(refused.exitCode).toBe(1);
    expect(statusBlock(refused.stdout)).toMatchObject({
      LIVE_CHECK: 'failed',
      LIVE_ERROR: 'Codex refused the sign-in (HTTP 401: token expired)',
      LIVE_FIX:
        'Sign in again: npx tsx setup/index.ts --step codex-auth --reauth',
    });
  });

  it('--check when nobody signed in: exit 1, how to sign in', async () => {
    const root = realCheckout();
    const result = await runStep(root, ['--check']);
    expect(result.exitCode).toBe(1);
    expect(statusBlock(result.stdout)).toMatchObject({
      LIVE_CHECK: 'failed',
      LIVE_FIX: 'Sign in: npx tsx setup/index.ts --step codex-auth',
    });
  });

  it('moves tokens an earlier version left in data/ out of the checkout', async () => {
    const root = realCheckout();
    const legacy = path.join(root, 'data/codex-tokens.json');
    seedTokens(legacy, 'access-legacy');
    const result = await runStep(root, ['--no-model-prompt', '--no-check']);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(statusBlock(result.stdout)).toMatchObject({
      AUTH_STATUS: 'already_authenticated',
      MODELS: 'gpt-5.6-sol,gpt-5.6-terra,gpt-5.6-luna',
    });
    expect(fs.existsSync(legacy)).toBe(false);
    const moved = JSON.parse(fs.readFileSync(defaultTokenFile(root), 'utf8'));
    expect(moved.accessToken).toBe('access-legacy');
    expect(result.stdout).toMatch(
      /Moved the Codex sign-in out of the checkout/,
    );
  });
  it.skipIf(!hasPython)(
    'on a terminal: lists the models and pins the one picked',
    async () => {
      const root = realCheckout();
      seedTokens(defaultTokenFile(root));
      const result = await stepInTerminal(root, ['--no-check'], '3');
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/1\. gpt-5\.6-sol \(default\)/);
      expect(result.stdout).toMatch(/3\. gpt-5\.6-luna/);
      expect(statusBlock(result.stdout)).toMatchObject({
        MODEL: 'gpt-5.6-luna',
        CURRENT_MODEL: 'gpt-5.6-luna',
      });
      const text = fs.readFileSync(path.join(root, '.env'), 'utf8');
      expect(text).toContain('CODEX_MODEL=gpt-5.6-luna\n');
      expect(fs.readFileSync(path.join(root, 'data/env/env'), 'utf8')).toBe(
        text,
      );
    },
  );

  it.skipIf(!hasPython)(
    'on a terminal: Enter keeps the current choice and writes nothing',
    async () => {
      const root = realCheckout(['CODEX_MODEL=gpt-5.6-terra']);
      seedTokens(defaultTokenFile(root));
      const before = fs.readFileSync(path.join(root, '.env'), 'utf8');
      const result = await stepInTerminal(root, ['--no-check'], '');
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('[Enter: gpt-5.6-terra]');
      const fields = statusBlock(result.stdout);
      expect(fields.CURRENT_MODEL).toBe('gpt-5.6-terra');
      expect(fields.MODEL).toBeUndefined();
      expect(fs.readFileSync(path.join(root, '.env'), 'utf8')).toBe(before);
      expect(fs.existsSync(path.join(root, 'data/env'))).toBe(false);
    },
  );
});
