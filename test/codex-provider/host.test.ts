/**
 * The host half of the codex plugin: what getSecrets hands the container, the
 * cached model catalog it is based on, where the sign-in lives, and that host.ts
 * builds the way a NanoClaw checkout builds plugins.
 */
import { execFile } from 'child_process';
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { pathToFileURL } from 'url';
import { promisify } from 'util';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const pluginSource = path.join(
  repo,
  'templates/add-codex-provider/plugins/codex',
);
const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');

// codex-oauth's token-location API, on top of the stand-in's CodexAuth.
const TOKEN_LOCATION_JS = `
import os from 'os';
import path from 'path';
export const TOKEN_FILE_ENV = 'CODEX_TOKEN_FILE';
export const LEGACY_TOKEN_FILE = path.join('data', 'codex-tokens.json');
export function defaultTokenFile(env = process.env) {
  const explicit = (env.CODEX_TOKEN_FILE || '').trim();
  if (explicit) return path.resolve(explicit);
  return path.join(env.HOME || os.homedir(), '.config', 'nanoclaw', 'codex-tokens.json');
}
export async function migrateLegacyTokens(legacyFile, tokenFile) {
  if (!fs.existsSync(legacyFile)) return 'none';
  if (fs.existsSync(tokenFile)) {
    fs.rmSync(legacyFile);
    return 'removed-older-copy';
  }
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
  fs.renameSync(legacyFile, tokenFile);
  return 'moved';
}
`;
const TOKEN_LOCATION_DTS = `
export declare const TOKEN_FILE_ENV = "CODEX_TOKEN_FILE";
export declare const LEGACY_TOKEN_FILE: string;
export declare function defaultTokenFile(env?: NodeJS.ProcessEnv): string;
export type MigrationOutcome = 'none' | 'moved' | 'removed-older-copy' | 'kept-newer-copy';
export declare function migrateLegacyTokens(legacyFile: string, tokenFile: string): Promise<MigrationOutcome>;
`;

/** A miniature NanoClaw checkout holding the plugin and a stand-in codex-oauth. */
function makeTarget(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-host-'));
  fs.cpSync(pluginSource, path.join(root, 'plugins/codex'), {
    recursive: true,
  });
  const oauth = path.join(root, 'node_modules/codex-oauth');
  fs.cpSync(path.join(import.meta.dirname, 'codex-oauth-stand-in'), oauth, {
    recursive: true,
  });
  fs.appendFileSync(path.join(oauth, 'index.js'), TOKEN_LOCATION_JS);
  fs.appendFileSync(path.join(oauth, 'index.d.ts'), TOKEN_LOCATION_DTS);
  fs.symlinkSync(
    path.join(repo, 'node_modules/@types'),
    path.join(root, 'node_modules/@types'),
  );
  fs.copyFileSync(
    path.join(repo, 'test/fixtures/nanoclaw/tsconfig.json'),
    path.join(root, 'tsconfig.json'),
  );
  fs.copyFileSync(
    path.join(repo, 'templates/add-codex-provider/tsconfig.plugins.json'),
    path.join(root, 'tsconfig.plugins.json'),
  );
  return root;
}

interface LogCall {
  level: string;
  obj: unknown;
  msg?: string;
}

async function loadPlugin(root: string, env: Record<string, string> = {}) {
  const logs: LogCall[] = [];
  const logAt =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      logs.push({ level, obj, msg });
    };
  const mod = await import(
    pathToFileURL(path.join(root, 'plugins/codex/host.ts')).href
  );
  const plugin = mod.createPlugin({
    projectRoot: root,
    dataDir: path.join(root, 'data'),
    logger: {
      debug: logAt('debug'),
      info: logAt('info'),
      warn: logAt('warn'),
      error: logAt('error'),
    },
    readEnv: (keys: string[]) =>
      Object.fromEntries(Object.entries(env).filter(([k]) => keys.includes(k))),
  });
  return { plugin, logs, mod };
}

// ---- A local Codex models endpoint ----------------------------------------

const level = (effort: string) => ({ effort, description: effort });
/** Out of priority order on purpose, with a hidden model ranked first. */
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
  {
    slug: 'gpt-5.6-internal',
    visibility: 'hide',
    priority: 0,
    supported_reasoning_levels: [],
  },
];

interface ModelsServer {
  url: string;
  requests: { url: string; headers: http.IncomingHttpHeaders }[];
  models: unknown[];
  close(): Promise<void>;
}

async function startModelsServer(): Promise<ModelsServer> {
  const state: ModelsServer = {
    url: '',
    requests: [],
    models: CATALOG,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    state.requests.push({ url: req.url ?? '', headers: req.headers });
    const ok = req.method === 'GET' && /\/codex\/models\?/.test(req.url ?? '');
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { models: state.models } : { detail: 'no' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}/backend-api/codex/responses`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** A port nothing listens on: the backend is unreachable. */
async function closedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/backend-api/codex/responses`;
}

// ---- The tests --------------------------------------------------------------

const ENV_KEYS = [
  'CODEX_MODEL',
  'CODEX_REASONING_EFFORT',
  'CODEX_API_URL',
  'CODEX_CLIENT_VERSION',
  'CODEX_TOKEN_FILE',
  'CODEX_RELAY_PORT',
  'CREDENTIAL_PROXY_HOST',
  'HOME',
];

/** `-e NAME=value` pairs of docker arguments, as an object. */
function dockerEnv(args: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    expect(args[i]).toBe('-e');
    const [name, ...value] = args[i + 1].split('=');
    vars[name] = value.join('=');
  }
  return vars;
}

/** Ask the relay for the catalog with a container's key, on 127.0.0.1. */
function viaRelay(vars: Record<string, string>): Promise<Response> {
  const port = new URL(vars.CODEX_RELAY_URL).port;
  return fetch(`http://127.0.0.1:${port}/models?client_version=0.130.0`, {
    headers: { authorization: `Bearer ${vars.CODEX_RELAY_KEY}` },
  });
}

describe('codex plugin host', () => {
  let root: string;
  let home: string;
  let backend: ModelsServer;
  const savedEnv: Record<string, string | undefined> = {};
  const tokenFile = () => path.join(home, '.config/nanoclaw/codex-tokens.json');
  const cacheFile = () => path.join(root, 'data/codex-models.json');
  const readCache = () => JSON.parse(fs.readFileSync(cacheFile(), 'utf-8'));
  const modelRequests = () =>
    backend.requests.filter((r) => r.url.includes('/models'));

  function writeTokens(tokens: Record<string, unknown>, file = tokenFile()) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(tokens));
  }
  const signedIn = () =>
    writeTokens({
      accessToken: 'token-1',
      accountId: 'acct-1',
      expiresAt: Date.now() + 600_000,
    });
  /** .env of a checkout pointed at the local backend. */
  const env = (more: Record<string, string> = {}) => ({
    CODEX_API_URL: backend.url,
    ...more,
  });

  beforeAll(async () => {
    // The process environment overrides .env; keep the developer's out of it,
    // and never let a test near the real ~/.config.
    for (const key of ENV_KEYS) {
      savedEnv[key] = process.env[key];
      delete process.env[key];
    }
    root = makeTarget();
    backend = await startModelsServer();
  });

  beforeEach(() => {
    fs.rmSync(path.join(root, 'data'), { recursive: true, force: true });
    fs.mkdirSync(path.join(root, 'data'));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-home-'));
    // The stand-in's login does not create folders; codex-oauth's does.
    fs.mkdirSync(path.dirname(tokenFile()), { recursive: true });
    process.env.HOME = home;
    backend.requests.length = 0;
    backend.models = CATALOG;
  });

  afterEach(() => {
    for (const key of ENV_KEYS.filter((k) => k !== 'HOME'))
      delete process.env[key];
    fs.rmSync(home, { recursive: true, force: true });
  });

  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (savedEnv[key] !== undefined) process.env[key] = savedEnv[key];
      else delete process.env[key];
    }
    await backend.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('describes itself by the contract: the container side is a folder', async () => {
    const { plugin } = await loadPlugin(root);
    expect(plugin.name).toBe('codex');
    expect(plugin.containerProvider).toBe('container');
    const folder = path.join(pluginSource, plugin.containerProvider);
    expect(fs.statSync(folder).isDirectory()).toBe(true);
  });

  it('keeps no model list: no slugs or effort lists in the host code', async () => {
    const { mod } = await loadPlugin(root);
    for (const gone of ['KNOWN_MODELS', 'REASONING_EFFORTS', 'DEFAULT_MODEL'])
      expect(mod).not.toHaveProperty(gone);
    const files = [
      'host.ts',
      ...fs.readdirSync(path.join(pluginSource, 'lib')).map((f) => `lib/${f}`),
    ];
    for (const file of files) {
      const text = fs.readFileSync(path.join(pluginSource, file), 'utf-8');
      expect(text, file).not.toMatch(/['"`]gpt-[\w.-]+['"`]/);
      expect(text, file).not.toMatch(/['"`](minimal|xhigh)['"`]/);
    }
  });

  it('hands over the token, the account and the catalog default with its effort', async () => {
    signedIn();
    const { plugin, logs } = await loadPlugin(root, env());
    expect(await plugin.getSecrets()).toEqual({
      CODEX_ACCESS_TOKEN: 'token-1',
      CODEX_ACCOUNT_ID: 'acct-1',
      // Priority 1 among the visible ones; the hidden priority-0 model is no default.
      CODEX_MODEL: 'gpt-5.6-sol',
      CODEX_MODEL_PINNED: '0',
      CODEX_REASONING_EFFORT: 'high',
      CODEX_API_URL: backend.url,
    });
    expect(logs.filter((l) => l.level !== 'info')).toEqual([]);
    expect(await plugin.isAuthenticated()).toBe(true);
  });

  it('follows the catalog: a new first model becomes the default', async () => {
    signedIn();
    backend.models = [
      { ...CATALOG[0], slug: 'gpt-5.7-nova', priority: 0 },
      ...CATALOG,
    ];
    const { plugin } = await loadPlugin(root, env());
    const secrets = await plugin.getSecrets();
    expect(secrets.CODEX_MODEL).toBe('gpt-5.7-nova');
    expect(secrets.CODEX_REASONING_EFFORT).toBe('medium');
  });

  it('asks /models as the Codex CLI does, naming itself', async () => {
    signedIn();
    const { plugin } = await loadPlugin(root, env());
    await plugin.getSecrets();
    expect(modelRequests()).toHaveLength(1);
    const [request] = modelRequests();
    expect(request.url).toMatch(
      /^\/backend-api\/codex\/models\?client_version=\d+\.\d+\.\d+$/,
    );
    expect(request.headers['user-agent']).toMatch(/^nanoclaw-codex\/[\d.]+ /);
    expect(request.headers.originator).toBe('nanoclaw');
    expect(request.headers.authorization).toBe('Bearer token-1');
    expect(request.headers['chatgpt-account-id']).toBe('acct-1');
  });

  it('sends CODEX_CLIENT_VERSION to /models and passes it on', async () => {
    signedIn();
    const { plugin } = await loadPlugin(
      root,
      env({ CODEX_CLIENT_VERSION: '0.200.1' }),
    );
    const secrets = await plugin.getSecrets();
    expect(secrets.CODEX_CLIENT_VERSION).toBe('0.200.1');
    expect(modelRequests()[0].url).toContain('client_version=0.200.1');
  });

  it('caches the catalog with a timestamp and reuses it within a day', async () => {
    signedIn();
    const { plugin } = await loadPlugin(root, env());
    const before = Date.now();
    await plugin.getSecrets();
    const cache = readCache();
    expect(cache.fetchedAt).toBeGreaterThanOrEqual(before);
    expect(cache.fetchedAt).toBeLessThanOrEqual(Date.now());
    expect(new Date(cache.fetchedAtIso).getTime()).toBe(cache.fetchedAt);
    expect(cache.models.map((m: { slug: string }) => m.slug)).toContain(
      'gpt-5.6-sol',
    );
    // Another run, another plugin instance: the cache answers.
    const again = await loadPlugin(root, env());
    expect((await again.plugin.getSecrets()).CODEX_MODEL).toBe('gpt-5.6-sol');
    expect(modelRequests()).toHaveLength(1);
  });

  it('refreshes a cache older than a day', async () => {
    signedIn();
    const { plugin } = await loadPlugin(root, env());
    await plugin.getSecrets();
    const stale = { ...readCache(), fetchedAt: Date.now() - 25 * 3600_000 };
    fs.writeFileSync(cacheFile(), JSON.stringify(stale));
    backend.models = [{ ...CATALOG[2], priority: 0 }];
    expect((await plugin.getSecrets()).CODEX_MODEL).toBe('gpt-5.6-luna');
    expect(modelRequests()).toHaveLength(2);
    expect(readCache().fetchedAt).toBeGreaterThan(stale.fetchedAt);
  });

  it('refreshes a fresh cache that lacks the pinned model', async () => {
    signedIn();
    await (await loadPlugin(root, env())).plugin.getSecrets();
    backend.models = [...CATALOG, { ...CATALOG[0], slug: 'gpt-5.7-nova' }];
    const { plugin } = await loadPlugin(
      root,
      env({ CODEX_MODEL: 'gpt-5.7-nova' }),
    );
    const secrets = await plugin.getSecrets();
    expect(secrets).toMatchObject({
      CODEX_MODEL: 'gpt-5.7-nova',
      CODEX_MODEL_PINNED: '1',
      CODEX_REASONING_EFFORT: 'medium',
    });
    expect(modelRequests()).toHaveLength(2);
  });

  it('a pinned model the catalog does not list: a config error naming the offered ones', async () => {
    signedIn();
    const { plugin, logs } = await loadPlugin(
      root,
      env({ CODEX_MODEL: 'gpt-4o' }),
    );
    const secrets = await plugin.getSecrets();
    // No token travels when the run cannot work; the container shows this error.
    expect(Object.keys(secrets)).toEqual(['CODEX_CONFIG_ERROR']);
    const error = secrets.CODEX_CONFIG_ERROR;
    for (const slug of [
      'gpt-4o',
      'gpt-5.6-sol',
      'gpt-5.6-terra',
      'gpt-5.6-luna',
    ])
      expect(error).toContain(slug);
    expect(error).not.toContain('gpt-5.6-internal');
    expect(logs.find((l) => l.level === 'error')?.msg).toBe(error);
  });

  it('a hidden model still works when pinned', async () => {
    signedIn();
    const { plugin } = await loadPlugin(
      root,
      env({ CODEX_MODEL: 'gpt-5.6-internal' }),
    );
    expect(await plugin.getSecrets()).toMatchObject({
      CODEX_MODEL: 'gpt-5.6-internal',
      CODEX_REASONING_EFFORT: '',
    });
  });

  it('effort: the user’s when the model lists it, else an error naming the allowed ones', async () => {
    signedIn();
    const listed = await loadPlugin(
      root,
      env({ CODEX_MODEL: 'gpt-5.6-luna', CODEX_REASONING_EFFORT: 'minimal' }),
    );
    expect(await listed.plugin.getSecrets()).toMatchObject({
      CODEX_MODEL: 'gpt-5.6-luna',
      CODEX_REASONING_EFFORT: 'minimal',
    });
    const unlisted = await loadPlugin(
      root,
      env({ CODEX_MODEL: 'gpt-5.6-luna', CODEX_REASONING_EFFORT: 'xhigh' }),
    );
    const secrets = await unlisted.plugin.getSecrets();
    expect(Object.keys(secrets)).toEqual(['CODEX_CONFIG_ERROR']);
    expect(secrets.CODEX_CONFIG_ERROR).toMatch(
      /CODEX_REASONING_EFFORT "xhigh".*gpt-5\.6-luna.*minimal, low/,
    );
  });

  it('the process environment wins over .env', async () => {
    signedIn();
    process.env.CODEX_MODEL = 'gpt-5.6-terra';
    const { plugin } = await loadPlugin(
      root,
      env({ CODEX_MODEL: 'gpt-5.6-luna' }),
    );
    expect((await plugin.getSecrets()).CODEX_MODEL).toBe('gpt-5.6-terra');
  });

  it('offline with no cache: passes .env as set, warns, never blocks', async () => {
    signedIn();
    const url = await closedUrl();
    const pinned = await loadPlugin(root, {
      CODEX_API_URL: url,
      CODEX_MODEL: 'gpt-5.6-terra',
      CODEX_REASONING_EFFORT: 'whatever',
    });
    expect(await pinned.plugin.getSecrets()).toEqual({
      CODEX_ACCESS_TOKEN: 'token-1',
      CODEX_ACCOUNT_ID: 'acct-1',
      CODEX_MODEL: 'gpt-5.6-terra',
      CODEX_MODEL_PINNED: '1',
      CODEX_REASONING_EFFORT: 'whatever',
      CODEX_API_URL: url,
    });
    const warning = pinned.logs.find((l) => l.level === 'warn');
    expect(warning?.msg).toMatch(/model list unavailable/);
    const unset = await loadPlugin(root, { CODEX_API_URL: url });
    expect(await unset.plugin.getSecrets()).toMatchObject({
      CODEX_MODEL: '',
      CODEX_MODEL_PINNED: '0',
      CODEX_REASONING_EFFORT: '',
    });
  });

  it('offline with a stale cache: uses it, and says so', async () => {
    signedIn();
    await (await loadPlugin(root, env())).plugin.getSecrets();
    const stale = { ...readCache(), fetchedAt: Date.now() - 48 * 3600_000 };
    fs.writeFileSync(cacheFile(), JSON.stringify(stale));
    const original = backend.url;
    const url = await closedUrl();
    // The cache belongs to the endpoint it came from: move it with the URL.
    stale.source = stale.source.replace(
      new URL(original).host,
      new URL(url).host,
    );
    fs.writeFileSync(cacheFile(), JSON.stringify(stale));
    const { plugin, logs } = await loadPlugin(root, { CODEX_API_URL: url });
    expect((await plugin.getSecrets()).CODEX_MODEL).toBe('gpt-5.6-sol');
    expect(logs.find((l) => l.level === 'warn')?.msg).toMatch(/cached one/);
  });

  it('refreshes an expired token and passes the .env settings', async () => {
    writeTokens({
      accessToken: 'stale',
      refreshedAccessToken: 'token-2',
      accountId: 'acct-1',
      expiresAt: Date.now() - 1000,
    });
    const { plugin } = await loadPlugin(root, {
      ...env(),
      CODEX_MODEL: 'gpt-5.6-terra',
      CODEX_REASONING_EFFORT: 'high',
      ANTHROPIC_API_KEY: 'not-for-codex',
    });
    expect(await plugin.getSecrets()).toEqual({
      CODEX_ACCESS_TOKEN: 'token-2',
      CODEX_ACCOUNT_ID: 'acct-1',
      CODEX_MODEL: 'gpt-5.6-terra',
      CODEX_MODEL_PINNED: '1',
      CODEX_REASONING_EFFORT: 'high',
      CODEX_API_URL: backend.url,
    });
    expect(modelRequests()[0].headers.authorization).toBe('Bearer token-2');
  });

  it('returns {} and logs why when the refresh fails', async () => {
    writeTokens({
      accessToken: 'stale',
      accountId: 'acct-1',
      expiresAt: Date.now() - 1000,
      refreshError: 'Refresh token was revoked (invalid_grant)',
    });
    const { plugin, logs } = await loadPlugin(root, env());
    expect(await plugin.getSecrets()).toEqual({});
    const errors = logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toContain('invalid_grant');
    expect(errors[0].msg).toContain('npx tsx setup/index.ts --step codex-auth');
    expect(errors[0].obj).toMatchObject({
      reason: 'Refresh token was revoked (invalid_grant)',
    });
    expect(modelRequests()).toHaveLength(0);
  });

  it('returns {} when nobody signed in', async () => {
    const { plugin, logs } = await loadPlugin(root, env());
    expect(await plugin.getSecrets()).toEqual({});
    expect(await plugin.isAuthenticated()).toBe(false);
    expect(logs.some((l) => l.msg?.includes('Not signed in'))).toBe(true);
  });

  it('keeps the sign-in in ~/.config/nanoclaw, outside the checkout', async () => {
    const { plugin, logs } = await loadPlugin(root, env());
    await plugin.setup({ noBrowser: true });
    const saved = JSON.parse(fs.readFileSync(tokenFile(), 'utf-8'));
    expect(saved.loginOptions).toEqual({ noBrowser: true });
    expect(fs.existsSync(path.join(root, 'data/codex-tokens.json'))).toBe(
      false,
    );
    expect(await plugin.isAuthenticated()).toBe(true);
    expect(logs.find((l) => l.msg === 'Signed in to Codex')?.obj).toMatchObject(
      { tokenFile: tokenFile() },
    );
  });

  it('CODEX_TOKEN_FILE moves it: .env relative to the checkout, the environment first', async () => {
    const expected = path.join(home, 'relative/tokens.json');
    fs.mkdirSync(path.dirname(expected));
    const fromEnvFile = await loadPlugin(root, {
      CODEX_TOKEN_FILE: path.relative(root, expected),
    });
    await fromEnvFile.plugin.setup({});
    expect(fs.existsSync(expected)).toBe(true);

    const explicit = path.join(home, 'custom/codex.json');
    process.env.CODEX_TOKEN_FILE = explicit;
    writeTokens(
      { accessToken: 't', accountId: 'a', expiresAt: Date.now() + 600_000 },
      explicit,
    );
    const fromProcess = await loadPlugin(root, {
      ...env(),
      CODEX_TOKEN_FILE: '/nowhere/tokens.json',
    });
    expect((await fromProcess.plugin.getSecrets()).CODEX_ACCESS_TOKEN).toBe(
      't',
    );
  });

  it('warns when CODEX_TOKEN_FILE points into the checkout', async () => {
    const { logs } = await loadPlugin(root, {
      CODEX_TOKEN_FILE: 'data/tokens.json',
    });
    expect(logs.find((l) => l.level === 'warn')?.msg).toMatch(
      /inside the NanoClaw checkout/,
    );
  });

  it('moves tokens an earlier version left in data/ and says so', async () => {
    const legacy = path.join(root, 'data/codex-tokens.json');
    fs.writeFileSync(
      legacy,
      JSON.stringify({
        accessToken: 'old-place',
        accountId: 'acct-9',
        expiresAt: Date.now() + 600_000,
      }),
    );
    const { plugin, logs } = await loadPlugin(root, env());
    const secrets = await plugin.getSecrets();
    expect(secrets.CODEX_ACCESS_TOKEN).toBe('old-place');
    expect(fs.existsSync(legacy)).toBe(false);
    expect(JSON.parse(fs.readFileSync(tokenFile(), 'utf-8')).accountId).toBe(
      'acct-9',
    );
    const moved = logs.find((l) => l.level === 'info');
    expect(moved?.msg).toMatch(/Moved the Codex sign-in out of the checkout/);
    expect(moved?.obj).toMatchObject({
      from: legacy,
      to: tokenFile(),
      outcome: 'moved',
    });
  });

  it('models() lists the offered models; pinModel() checks and writes .env and data/env/env', async () => {
    signedIn();
    fs.writeFileSync(
      path.join(root, '.env'),
      `AGENT_PROVIDER=codex\nCODEX_API_URL=${backend.url}\n`,
    );
    const { plugin } = await loadPlugin(root, env());
    expect(await plugin.models({ refresh: true })).toMatchObject({
      models: [
        { slug: 'gpt-5.6-sol' },
        { slug: 'gpt-5.6-terra' },
        { slug: 'gpt-5.6-luna' },
      ],
      defaultModel: 'gpt-5.6-sol',
      current: '',
    });
    await expect(plugin.pinModel('gpt-4o')).rejects.toThrow(/gpt-5\.6-sol/);
    await plugin.pinModel('gpt-5.6-luna');
    const text = fs.readFileSync(path.join(root, '.env'), 'utf-8');
    expect(text).toBe(
      `AGENT_PROVIDER=codex\nCODEX_API_URL=${backend.url}\nCODEX_MODEL=gpt-5.6-luna\n`,
    );
    expect(fs.readFileSync(path.join(root, 'data/env/env'), 'utf-8')).toBe(
      text,
    );
    fs.rmSync(path.join(root, '.env'));
  });

  describe('with the relay (NanoClaw releases that pass no secrets to containers)', () => {
    it('gives each run the relay, a key of its own and the resolved model; no token', async () => {
      signedIn();
      const { plugin, logs } = await loadPlugin(
        root,
        env({ CODEX_RELAY_PORT: '0' }),
      );
      // Not started: the stdin release path, unchanged.
      expect(plugin.containerArgs('nanoclaw-main-1')).toEqual([]);
      await plugin.start({ bindHost: '127.0.0.1' });
      try {
        const first = dockerEnv(plugin.containerArgs('nanoclaw-main-1'));
        expect(first).toEqual({
          CODEX_RELAY_URL: expect.stringMatching(
            /^http:\/\/host\.docker\.internal:\d+$/,
          ),
          CODEX_RELAY_KEY: expect.stringMatching(/^[\w-]{43}$/),
          CODEX_MODEL: 'gpt-5.6-sol',
          CODEX_MODEL_PINNED: '0',
          CODEX_REASONING_EFFORT: 'high',
        });
        expect(await plugin.getSecrets()).toEqual({});
        expect(
          logs.find((l) => /Codex relay listening/.test(l.msg ?? ''))?.obj,
        ).toMatchObject({ host: '127.0.0.1' });

        const second = dockerEnv(plugin.containerArgs('nanoclaw-work-2'));
        expect(second.CODEX_RELAY_KEY).not.toBe(first.CODEX_RELAY_KEY);
        expect((await viaRelay(first)).status).toBe(200);
        const request = modelRequests().at(-1)!;
        expect(request.headers.authorization).toBe('Bearer token-1');
        expect(request.headers['chatgpt-account-id']).toBe('acct-1');

        plugin.releaseContainer('nanoclaw-main-1');
        expect((await viaRelay(first)).status).toBe(401);
        expect((await viaRelay(second)).status).toBe(200);
        expect(JSON.stringify(logs)).not.toMatch(
          new RegExp(`token-1|${first.CODEX_RELAY_KEY}`),
        );
      } finally {
        await plugin.stop();
      }
      // Stopped (NanoClaw shutting down): no key, and still no token.
      expect(
        dockerEnv(plugin.containerArgs('nanoclaw-main-3')).CODEX_CONFIG_ERROR,
      ).toMatch(/relay on the NanoClaw host is not running \(stopped\)/);
      expect(await plugin.getSecrets()).toEqual({});
    });

    it('passes CODEX_CLIENT_VERSION on, and re-resolves the model after each run', async () => {
      signedIn();
      const settings: Record<string, string> = env({
        CODEX_RELAY_PORT: '0',
        CODEX_CLIENT_VERSION: '0.200.1',
      });
      const { plugin } = await loadPlugin(root, settings);
      await plugin.start({ bindHost: '127.0.0.1' });
      try {
        const first = dockerEnv(plugin.containerArgs('nanoclaw-main-1'));
        expect(first.CODEX_CLIENT_VERSION).toBe('0.200.1');
        expect(first.CODEX_MODEL).toBe('gpt-5.6-sol');
        settings.CODEX_MODEL = 'gpt-5.6-luna';
        plugin.releaseContainer('nanoclaw-main-1');
        await expect
          .poll(() => dockerEnv(plugin.containerArgs('nanoclaw-main-2')))
          .toMatchObject({
            CODEX_MODEL: 'gpt-5.6-luna',
            CODEX_MODEL_PINNED: '1',
            CODEX_REASONING_EFFORT: 'low',
          });
      } finally {
        await plugin.stop();
      }
    });

    it('a setting the catalog rules out travels as CODEX_CONFIG_ERROR, with no key', async () => {
      signedIn();
      const { plugin } = await loadPlugin(
        root,
        env({ CODEX_RELAY_PORT: '0', CODEX_MODEL: 'gpt-4o' }),
      );
      await plugin.start({ bindHost: '127.0.0.1' });
      try {
        const args = plugin.containerArgs('nanoclaw-main-1');
        expect(Object.keys(dockerEnv(args))).toEqual(['CODEX_CONFIG_ERROR']);
        expect(dockerEnv(args).CODEX_CONFIG_ERROR).toMatch(
          /^CODEX_MODEL "gpt-4o" is not offered/,
        );
      } finally {
        await plugin.stop();
      }
    });

    it('a busy CODEX_RELAY_PORT fails start() naming the setting, and every run is told', async () => {
      signedIn();
      const busy = http.createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      const { port } = busy.address() as AddressInfo;
      try {
        const { plugin } = await loadPlugin(
          root,
          env({ CODEX_RELAY_PORT: String(port) }),
        );
        process.env.CREDENTIAL_PROXY_HOST = '127.0.0.1';
        await expect(plugin.start({})).rejects.toThrow(
          new RegExp(
            `cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use\\. Set CODEX_RELAY_PORT`,
          ),
        );
        const vars = dockerEnv(plugin.containerArgs('nanoclaw-main-1'));
        expect(Object.keys(vars)).toEqual(['CODEX_CONFIG_ERROR']);
        expect(vars.CODEX_CONFIG_ERROR).toMatch(
          /relay on the NanoClaw host is not running .*CODEX_RELAY_PORT/,
        );
        // Still no token on stdin: this release keeps secrets out of containers.
        expect(await plugin.getSecrets()).toEqual({});
        await plugin.stop();
      } finally {
        await new Promise((r) => busy.close(r));
      }
    });
  });

  it('compiles with tsconfig.plugins.json and loads as plain Node ESM', async () => {
    await run(process.execPath, [tsc, '-p', 'tsconfig.plugins.json'], {
      cwd: root,
    }).catch((err) => {
      throw new Error(`tsc failed:\n${err.stdout}${err.stderr}`);
    });
    const built = path.join(root, 'dist/plugins/codex/host.js');
    expect(fs.existsSync(built)).toBe(true);
    // The container entry is not part of the host build; its shared modules are.
    expect(
      fs.existsSync(
        path.join(root, 'dist/plugins/codex/container/provider-codex.js'),
      ),
    ).toBe(false);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(built).href)});
         const p = m.createPlugin({ projectRoot: ${JSON.stringify(root)}, dataDir: ${JSON.stringify(path.join(root, 'data'))},
           logger: console, readEnv: () => ({}) });
         console.log(p.name, p.containerProvider);`,
      ],
      { cwd: root, env: { ...process.env, HOME: home } },
    );
    expect(stdout.trim()).toBe('codex container');
  });
});
