/**
 * The host half of the codex plugin: what getSecrets hands the container, and
 * that host.ts builds the way a NanoClaw checkout builds plugins.
 */
import { execFile } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { pathToFileURL } from 'url';
import { promisify } from 'util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const pluginSource = path.join(repo, 'templates/plugins/codex');
const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');

/** A miniature NanoClaw checkout holding the plugin and a stand-in codex-oauth. */
function makeTarget(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-host-'));
  fs.cpSync(pluginSource, path.join(root, 'plugins/codex'), {
    recursive: true,
  });
  fs.cpSync(
    path.join(import.meta.dirname, 'codex-oauth-stand-in'),
    path.join(root, 'node_modules/codex-oauth'),
    { recursive: true },
  );
  fs.symlinkSync(
    path.join(repo, 'node_modules/@types'),
    path.join(root, 'node_modules/@types'),
  );
  fs.copyFileSync(
    path.join(repo, 'test/fixtures/nanoclaw/tsconfig.json'),
    path.join(root, 'tsconfig.json'),
  );
  fs.copyFileSync(
    path.join(repo, 'templates/tsconfig.plugins.json'),
    path.join(root, 'tsconfig.plugins.json'),
  );
  fs.mkdirSync(path.join(root, 'data'));
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
  return { plugin, logs };
}

function writeTokens(root: string, tokens: Record<string, unknown>): void {
  fs.writeFileSync(
    path.join(root, 'data/codex-tokens.json'),
    JSON.stringify(tokens),
  );
}

const SETTING_KEYS = ['CODEX_MODEL', 'CODEX_REASONING_EFFORT', 'CODEX_API_URL'];

describe('codex plugin host', () => {
  let root: string;
  const savedEnv: Record<string, string | undefined> = {};

  beforeAll(() => {
    // The process environment overrides .env; keep the developer's out of it.
    for (const key of SETTING_KEYS) {
      savedEnv[key] = process.env[key];
      delete process.env[key];
    }
    root = makeTarget();
  });

  afterAll(() => {
    for (const key of SETTING_KEYS) {
      if (savedEnv[key] !== undefined) process.env[key] = savedEnv[key];
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('describes itself by the contract', async () => {
    const { plugin } = await loadPlugin(root);
    expect(plugin.name).toBe('codex');
    expect(plugin.containerProvider).toBe('provider-codex.ts');
    expect(
      fs.existsSync(path.join(pluginSource, plugin.containerProvider)),
    ).toBe(true);
  });

  it('hands over a fresh token, the account and the default settings', async () => {
    writeTokens(root, {
      accessToken: 'token-1',
      accountId: 'acct-1',
      expiresAt: Date.now() + 600_000,
    });
    const { plugin, logs } = await loadPlugin(root);
    expect(await plugin.getSecrets()).toEqual({
      CODEX_ACCESS_TOKEN: 'token-1',
      CODEX_ACCOUNT_ID: 'acct-1',
      CODEX_MODEL: 'gpt-5.1-codex',
      CODEX_REASONING_EFFORT: 'medium',
    });
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(await plugin.isAuthenticated()).toBe(true);
  });

  it('refreshes an expired token and passes the .env settings', async () => {
    writeTokens(root, {
      accessToken: 'stale',
      refreshedAccessToken: 'token-2',
      accountId: 'acct-1',
      expiresAt: Date.now() - 1000,
    });
    const { plugin } = await loadPlugin(root, {
      CODEX_MODEL: 'gpt-5.2-codex',
      CODEX_REASONING_EFFORT: 'high',
      CODEX_API_URL: 'http://127.0.0.1:9/responses',
      ANTHROPIC_API_KEY: 'not-for-codex',
    });
    expect(await plugin.getSecrets()).toEqual({
      CODEX_ACCESS_TOKEN: 'token-2',
      CODEX_ACCOUNT_ID: 'acct-1',
      CODEX_MODEL: 'gpt-5.2-codex',
      CODEX_REASONING_EFFORT: 'high',
      CODEX_API_URL: 'http://127.0.0.1:9/responses',
    });
  });

  it('returns {} and logs why when the refresh fails', async () => {
    writeTokens(root, {
      accessToken: 'stale',
      accountId: 'acct-1',
      expiresAt: Date.now() - 1000,
      refreshError: 'Refresh token was revoked (invalid_grant)',
    });
    const { plugin, logs } = await loadPlugin(root);
    expect(await plugin.getSecrets()).toEqual({});
    const errors = logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toContain('invalid_grant');
    expect(errors[0].msg).toContain('npx tsx setup/index.ts --step codex-auth');
    expect(errors[0].obj).toMatchObject({
      reason: 'Refresh token was revoked (invalid_grant)',
    });
  });

  it('returns {} when nobody signed in', async () => {
    fs.rmSync(path.join(root, 'data/codex-tokens.json'), { force: true });
    const { plugin, logs } = await loadPlugin(root);
    expect(await plugin.getSecrets()).toEqual({});
    expect(await plugin.isAuthenticated()).toBe(false);
    expect(logs.some((l) => l.msg?.includes('Not signed in'))).toBe(true);
  });

  it('reports an unknown model by name, listing the known ones', async () => {
    writeTokens(root, {
      accessToken: 'token-1',
      accountId: 'acct-1',
      expiresAt: Date.now() + 600_000,
    });
    const { plugin, logs } = await loadPlugin(root, { CODEX_MODEL: 'gpt-4o' });
    const secrets = await plugin.getSecrets();
    // No token travels when the run cannot work; the container shows this error.
    expect(Object.keys(secrets)).toEqual(['CODEX_CONFIG_ERROR']);
    const known = [
      'gpt-5.2-codex',
      'gpt-5.1-codex',
      'gpt-5.1-codex-max',
      'gpt-5.1-codex-mini',
      'gpt-5.2',
      'gpt-5.1',
    ];
    for (const model of ['gpt-4o', ...known]) {
      expect(secrets.CODEX_CONFIG_ERROR).toContain(model);
    }
    expect(logs.find((l) => l.level === 'error')?.msg).toBe(
      secrets.CODEX_CONFIG_ERROR,
    );
  });

  it('reports an unknown reasoning effort', async () => {
    const { plugin } = await loadPlugin(root, {
      CODEX_REASONING_EFFORT: 'extreme',
    });
    const secrets = await plugin.getSecrets();
    expect(secrets.CODEX_CONFIG_ERROR).toMatch(
      /CODEX_REASONING_EFFORT "extreme".*none, minimal, low, medium, high, xhigh/,
    );
  });

  it('signs in through codex-oauth on setup', async () => {
    fs.rmSync(path.join(root, 'data/codex-tokens.json'), { force: true });
    const { plugin, logs } = await loadPlugin(root);
    await plugin.setup({ noBrowser: true });
    const saved = JSON.parse(
      fs.readFileSync(path.join(root, 'data/codex-tokens.json'), 'utf-8'),
    );
    expect(saved.loginOptions).toEqual({ noBrowser: true });
    expect(await plugin.isAuthenticated()).toBe(true);
    expect(logs.some((l) => l.msg === 'Signed in to Codex')).toBe(true);
  });

  it('compiles with tsconfig.plugins.json and loads as plain Node ESM', async () => {
    await run(process.execPath, [tsc, '-p', 'tsconfig.plugins.json'], {
      cwd: root,
    }).catch((err) => {
      throw new Error(`tsc failed:\n${err.stdout}${err.stderr}`);
    });
    const built = path.join(root, 'dist/plugins/codex/host.js');
    expect(fs.existsSync(built)).toBe(true);
    // The container file is not part of the host build.
    expect(
      fs.existsSync(path.join(root, 'dist/plugins/codex/provider-codex.js')),
    ).toBe(false);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(built).href)});
         const p = m.createPlugin({ projectRoot: '.', dataDir: ${JSON.stringify(path.join(root, 'data'))},
           logger: console, readEnv: () => ({}) });
         console.log(p.name, p.containerProvider);`,
      ],
      { cwd: root },
    );
    expect(stdout.trim()).toBe('codex provider-codex.ts');
  });
});
