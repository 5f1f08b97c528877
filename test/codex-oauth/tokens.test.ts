/**
 * getTokens(): refresh before expiry, one refresh at a time in a process and
 * across processes, rotation, and the errors that say to sign in again.
 * Also `codex-oauth status` and `logout`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
} from 'vitest';

import {
  startFakeIssuer,
  type FakeIssuer,
  type FakeIssuerOptions,
  type SeededTokens,
} from '../helpers/fake-issuer.js';
import {
  buildPackage,
  findLeak,
  makeTempDir,
  runCli,
  type BuiltPackage,
  removeTempDirs,
} from './harness.js';

vi.setConfig({ testTimeout: 30_000 });

let built: BuiltPackage;
let api: typeof import('../../templates/add-codex-provider/packages/codex-oauth/src/index.js');
/** A process that signs nothing in, only asks for a token and prints its hash. */
let getTokensScript: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  built = await buildPackage();
  api = await import(built.indexUrl);
  getTokensScript = path.join(built.root, 'get-tokens.mjs');
  fs.writeFileSync(
    getTokensScript,
    `import { createHash } from 'node:crypto';
import { CodexAuth } from ${JSON.stringify(built.indexUrl)};
const auth = new CodexAuth({ tokenFile: process.argv[2] });
try {
  const tokens = await auth.getTokens();
  const sha = createHash('sha256').update(tokens.accessToken).digest('hex');
  console.log(JSON.stringify({ ok: true, sha, accountId: tokens.accountId }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.code, message: err.message }));
  process.exitCode = 1;
}
`,
  );
});

afterAll(() => removeTempDirs());

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function issuerWith(
  options: FakeIssuerOptions = {},
): Promise<FakeIssuer> {
  const issuer = await startFakeIssuer(options);
  cleanups.push(() => issuer.close());
  return issuer;
}

function tokenFileWith(tokens: SeededTokens): string {
  const file = path.join(
    makeTempDir('codex-oauth-tokens-'),
    'codex-tokens.json',
  );
  fs.writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
  return file;
}

const readFile = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

async function getTokensInChild(issuer: FakeIssuer, tokenFile: string) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [getTokensScript, tokenFile],
    {
      env: { PATH: process.env.PATH, CODEX_OAUTH_ISSUER: issuer.url },
    },
  ).catch((err) => err);
  return JSON.parse(stdout);
}

describe('getTokens', () => {
  it('returns a token that is good for more than 5 minutes without asking the issuer', async () => {
    const issuer = await issuerWith();
    const seeded = issuer.seedTokens(3600);
    const auth = new api.CodexAuth({
      tokenFile: tokenFileWith(seeded),
      issuer: issuer.url,
    });
    const tokens = await auth.getTokens();
    expect(tokens).toEqual({
      accessToken: seeded.accessToken,
      accountId: 'acct_fake1234567890wxyz',
      expiresAt: seeded.expiresAt,
    });
    expect(issuer.requests).toHaveLength(0);
  });

  it('refreshes a token that expires within 5 minutes, rotating the refresh token', async () => {
    const issuer = await issuerWith();
    const seeded = issuer.seedTokens(240);
    const tokenFile = tokenFileWith(seeded);
    const auth = new api.CodexAuth({ tokenFile, issuer: issuer.url });
    const tokens = await auth.getTokens();

    // What the Codex CLI sends: JSON with exactly these three fields, no scope.
    const [refresh] = issuer.tokenRequests('refresh_token');
    expect(refresh.contentType).toContain('application/json');
    expect(refresh.bodyFormat).toBe('json');
    expect(refresh.body).toEqual({
      client_id: 'app_EMoamEEZ73f0CkXaXp7hrann',
      grant_type: 'refresh_token',
      refresh_token: seeded.refreshToken,
    });
    expect(tokens.accessToken).not.toBe(seeded.accessToken);
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 3500_000);

    const saved = readFile(tokenFile);
    expect(saved.accessToken).toBe(tokens.accessToken);
    expect(saved.refreshToken).not.toBe(seeded.refreshToken);
    expect(issuer.activeRefreshTokens()).toEqual([saved.refreshToken]);
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(tokenFile))).toEqual([
      'codex-tokens.json',
    ]); // no temp or lock left
  });

  it('keeps the old refresh token when the issuer returns none', async () => {
    const issuer = await issuerWith({ omitRefreshTokenOnRefresh: true });
    const seeded = issuer.seedTokens(0);
    const tokenFile = tokenFileWith(seeded);
    await new api.CodexAuth({ tokenFile, issuer: issuer.url }).getTokens();
    const saved = readFile(tokenFile);
    expect(saved.refreshToken).toBe(seeded.refreshToken);
    expect(saved.accessToken).not.toBe(seeded.accessToken);
  });

  it('merges concurrent refreshes in one process into one request', async () => {
    const issuer = await issuerWith({ refreshDelayMs: 200 });
    const tokenFile = tokenFileWith(issuer.seedTokens(0));
    const first = new api.CodexAuth({ tokenFile, issuer: issuer.url });
    const second = new api.CodexAuth({ tokenFile, issuer: issuer.url });
    const results = await Promise.all([
      first.getTokens(),
      first.getTokens(),
      second.getTokens(),
      first.getTokens(),
      second.getTokens(),
    ]);
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
  });

  it('two processes refreshing at once: exactly one refresh reaches the issuer, both get valid tokens', async () => {
    // The issuer holds its answer, so the second process starts while the first is mid-refresh.
    const issuer = await issuerWith({ refreshDelayMs: 600 });
    const tokenFile = tokenFileWith(issuer.seedTokens(60));
    const [a, b] = await Promise.all([
      getTokensInChild(issuer, tokenFile),
      getTokensInChild(issuer, tokenFile),
    ]);
    expect(a.ok, a.message).toBe(true);
    expect(b.ok, b.message).toBe(true);
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    const saved = readFile(tokenFile);
    expect(a.sha).toBe(sha(saved.accessToken));
    expect(b.sha).toBe(sha(saved.accessToken));
    expect(issuer.activeRefreshTokens()).toEqual([saved.refreshToken]);
    expect(fs.existsSync(`${tokenFile}.lock`)).toBe(false);
  });

  it('waits for another process holding the lock, then uses the tokens it wrote', async () => {
    const issuer = await issuerWith();
    const tokenFile = tokenFileWith(issuer.seedTokens(60));
    fs.writeFileSync(`${tokenFile}.lock`, '99999 someone-else\n');
    const child = getTokensInChild(issuer, tokenFile);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const refreshedElsewhere = issuer.seedTokens(3600);
    fs.writeFileSync(tokenFile, JSON.stringify(refreshedElsewhere));
    fs.unlinkSync(`${tokenFile}.lock`);
    const result = await child;
    expect(result.ok, result.message).toBe(true);
    expect(result.sha).toBe(sha(refreshedElsewhere.accessToken));
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(0);
  });

  it('takes over a lock left by a process that died (older than 30 s)', async () => {
    const issuer = await issuerWith();
    const tokenFile = tokenFileWith(issuer.seedTokens(60));
    const lock = `${tokenFile}.lock`;
    fs.writeFileSync(lock, '99999 crashed\n');
    const minuteAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, minuteAgo, minuteAgo);
    const result = await getTokensInChild(issuer, tokenFile);
    expect(result.ok, result.message).toBe(true);
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('the fake issuer refuses refresh bodies the Codex CLI would not send', async () => {
    const issuer = await issuerWith();
    const { refreshToken } = issuer.seedTokens(0);
    const post = async (contentType: string, body: string) => {
      const response = await fetch(`${issuer.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      return { status: response.status, body: await response.json() };
    };
    const fields = {
      client_id: 'app_EMoamEEZ73f0CkXaXp7hrann',
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    };
    const asForm = await post(
      'application/x-www-form-urlencoded',
      new URLSearchParams(fields).toString(),
    );
    expect(asForm.status).toBe(400);
    expect(asForm.body.error_description).toContain('application/json');
    const withScope = await post(
      'application/json',
      JSON.stringify({ ...fields, scope: 'openid profile email' }),
    );
    expect(withScope.status).toBe(400);
    expect(withScope.body.error_description).toContain('scope');
    expect(issuer.activeRefreshTokens()).toContain(refreshToken); // neither was used
  });

  it('HTTP 401 from the token endpoint is final: one request, no retry, sign in again', async () => {
    const issuer = await issuerWith({
      tokenFailure: {
        status: 401,
        body: { error: { message: 'Unauthorized' } },
        grant: 'refresh_token',
      },
    });
    const tokenFile = tokenFileWith(issuer.seedTokens(0));
    const auth = new api.CodexAuth({ tokenFile, issuer: issuer.url });
    const error = await auth.getTokens().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'login_required' });
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).toContain(
      'Sign in again with: npx tsx setup/index.ts --step codex-auth',
    );
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
    // The dead sign-in is gone, so later calls do not hammer the issuer either.
    expect(fs.existsSync(tokenFile)).toBe(false);
    await expect(auth.getTokens()).rejects.toMatchObject({
      code: 'not_logged_in',
    });
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
  });

  it('a revoked refresh token (401 refresh_token_invalidated) says to sign in again', async () => {
    const issuer = await issuerWith();
    const seeded = issuer.seedTokens(0);
    issuer.revokeRefreshToken(seeded.refreshToken);
    const error = await new api.CodexAuth({
      tokenFile: tokenFileWith(seeded),
      issuer: issuer.url,
    })
      .getTokens()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'login_required' });
    expect((error as Error).message).toContain('refresh_token_invalidated');
    expect(issuer.tokenRequests('refresh_token')).toHaveLength(1);
  });

  it('a reused refresh token says to sign in again', async () => {
    const issuer = await issuerWith();
    const seeded = issuer.seedTokens(0);
    // Two copies of one sign-in: the first refresh rotates the token the second still holds.
    await new api.CodexAuth({
      tokenFile: tokenFileWith(seeded),
      issuer: issuer.url,
    }).getTokens();
    const staleFile = tokenFileWith(seeded);
    const stale = new api.CodexAuth({
      tokenFile: staleFile,
      issuer: issuer.url,
    });
    const error = await stale.getTokens().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(api.CodexAuthError);
    expect(error).toMatchObject({ code: 'login_required' });
    expect((error as Error).message).toContain('refresh_token_reused');
    expect((error as Error).message).toContain(
      'npx tsx setup/index.ts --step codex-auth',
    );
    expect((error as Error).message).toContain(
      'apply-skill add-codex-provider',
    );
    // The dead sign-in is forgotten, so the setup step signs in anew.
    expect(fs.existsSync(staleFile)).toBe(false);
    expect(await stale.status()).toMatchObject({ loggedIn: false });
  });

  it.each([
    { error: 'refresh_token_expired' },
    { error: { code: 'refresh_token_invalidated', message: 'revoked' } },
    { error: 'invalid_grant', error_description: 'bad token' },
    { code: 'refresh_token_reused' },
  ])('permanent refresh error %j is login_required', async (body) => {
    const issuer = await issuerWith({
      tokenFailure: { status: 400, body, grant: 'refresh_token' },
    });
    const tokenFile = tokenFileWith(issuer.seedTokens(0));
    const error = await new api.CodexAuth({ tokenFile, issuer: issuer.url })
      .getTokens()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'login_required' });
    expect((error as Error).message).toMatch(
      /Sign in again with: npx tsx setup\/index\.ts --step codex-auth/,
    );
  });

  it('a server error is token_endpoint, leaves the file alone, and the next call succeeds', async () => {
    const issuer = await issuerWith({
      tokenFailure: {
        status: 500,
        body: { error: 'server_error' },
        grant: 'refresh_token',
        times: 1,
      },
    });
    const seeded = issuer.seedTokens(0);
    const tokenFile = tokenFileWith(seeded);
    const auth = new api.CodexAuth({ tokenFile, issuer: issuer.url });
    const error = await auth.getTokens().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'token_endpoint' });
    expect((error as Error).message).toContain('HTTP 500: server_error');
    expect(readFile(tokenFile)).toEqual(seeded);
    await expect(auth.getTokens()).resolves.toMatchObject({
      accountId: 'acct_fake1234567890wxyz',
    });
  });

  it('an unreachable issuer is a network error', async () => {
    const issuer = await issuerWith();
    const tokenFile = tokenFileWith(issuer.seedTokens(0));
    await issuer.close();
    const error = await new api.CodexAuth({ tokenFile, issuer: issuer.url })
      .getTokens()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network' });
    expect((error as Error).message).toContain(`Could not reach ${issuer.url}`);
  });

  it('a refresh takes the account from the id token when the access token lacks it', async () => {
    const issuer = await issuerWith();
    const tokenFile = tokenFileWith(issuer.seedTokens(0));
    Object.assign(issuer.options, {
      accountIdOnlyInIdToken: true,
      accountId: 'acct_moved0000000000abcd',
    });
    const tokens = await new api.CodexAuth({
      tokenFile,
      issuer: issuer.url,
    }).getTokens();
    expect(tokens.accountId).toBe('acct_moved0000000000abcd');
    expect(readFile(tokenFile).accountId).toBe('acct_moved0000000000abcd');
  });

  it("a refresh whose tokens name no account keeps the sign-in's account, never `sub`", async () => {
    const issuer = await issuerWith();
    const seeded = issuer.seedTokens(0);
    const tokenFile = tokenFileWith(seeded);
    issuer.options.omitAccountClaim = true;
    const tokens = await new api.CodexAuth({
      tokenFile,
      issuer: issuer.url,
    }).getTokens();
    expect(tokens.accessToken).not.toBe(seeded.accessToken);
    expect(tokens.accountId).toBe('acct_fake1234567890wxyz');
    expect(readFile(tokenFile).accountId).toBe('acct_fake1234567890wxyz');
  });

  it('a malformed refreshed access token is malformed_token', async () => {
    const issuer = await issuerWith();
    const tokenFile = tokenFileWith(issuer.seedTokens(0));
    issuer.options.malformedAccessToken = true;
    const error = await new api.CodexAuth({ tokenFile, issuer: issuer.url })
      .getTokens()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'malformed_token' });
  });

  it('no token file is not_logged_in, a broken one is token_file', async () => {
    const dir = makeTempDir('codex-oauth-none-');
    const missing = new api.CodexAuth({
      tokenFile: path.join(dir, 'codex-tokens.json'),
    });
    await expect(missing.getTokens()).rejects.toMatchObject({
      code: 'not_logged_in',
    });
    fs.writeFileSync(path.join(dir, 'broken.json'), '{"accessToken":');
    const broken = new api.CodexAuth({
      tokenFile: path.join(dir, 'broken.json'),
    });
    await expect(broken.getTokens()).rejects.toMatchObject({
      code: 'token_file',
    });
  });
});

describe('maskAccountId', () => {
  it('shows only the ends', () => {
    expect(api.maskAccountId('acct_fake1234567890wxyz')).toBe('acct…wxyz');
    expect(api.maskAccountId('abcdefgh')).toBe('ab…gh');
    expect(api.maskAccountId('abc')).toBe('…');
  });
});

describe('codex-oauth status and logout', () => {
  it('reports signed out, signed in (masked), expired; logout deletes the file', async () => {
    const issuer = await issuerWith();
    const dir = makeTempDir('codex-oauth-status-');
    const tokenFile = path.join(dir, 'data/codex-tokens.json');
    const cli = (command: string) =>
      runCli(built.cli, [command, '--token-file', tokenFile], {}, dir);

    const out = await cli('status');
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toContain(`Not signed in: ${tokenFile} does not exist`);

    fs.mkdirSync(path.dirname(tokenFile));
    fs.writeFileSync(tokenFile, JSON.stringify(issuer.seedTokens(3600)));
    const signedIn = await cli('status');
    expect(signedIn.exitCode).toBe(0);
    expect(signedIn.stdout).toContain(
      'Signed in to ChatGPT account acct…wxyz.',
    );
    expect(signedIn.stdout).toContain('Access token valid until');

    fs.writeFileSync(tokenFile, JSON.stringify(issuer.seedTokens(-10)));
    const expired = await cli('status');
    expect(expired.exitCode).toBe(0);
    expect(expired.stdout).toContain('expired at');

    const logout = await cli('logout');
    expect(logout.exitCode).toBe(0);
    expect(fs.existsSync(tokenFile)).toBe(false);
    expect((await cli('logout')).stdout).toContain('Already signed out');

    const everything = [out, signedIn, expired, logout].flatMap((r) => [
      r.stdout,
      r.stderr,
    ]);
    expect(findLeak(everything, issuer.issuedSecrets())).toBeUndefined();
    expect(issuer.requests).toHaveLength(0); // status never refreshes
  });

  it('defaults the token file to ~/.config/nanoclaw/codex-tokens.json, not the working directory', async () => {
    const home = makeTempDir('codex-oauth-home-');
    const cwd = makeTempDir('codex-oauth-cwd-');
    const result = await runCli(built.cli, ['status'], { HOME: home }, cwd);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      `Not signed in: ${path.join(home, '.config/nanoclaw/codex-tokens.json')} does not exist`,
    );
    expect(result.stdout).not.toContain('data/codex-tokens.json');
  });

  it('CODEX_TOKEN_FILE overrides the default; --token-file overrides both', async () => {
    const home = makeTempDir('codex-oauth-home-');
    const cwd = makeTempDir('codex-oauth-cwd-');
    const fromEnv = path.join(makeTempDir('codex-oauth-env-'), 'tokens.json');
    const viaEnv = await runCli(
      built.cli,
      ['status'],
      { HOME: home, CODEX_TOKEN_FILE: fromEnv },
      cwd,
    );
    expect(viaEnv.stdout).toContain(`Not signed in: ${fromEnv} does not exist`);
    const viaFlag = await runCli(
      built.cli,
      ['status', '--token-file', 'mine.json'],
      { HOME: home, CODEX_TOKEN_FILE: fromEnv },
      cwd,
    );
    expect(viaFlag.stdout).toContain(
      path.join(fs.realpathSync(cwd), 'mine.json'),
    );
  });

  it('--help names the new default and the override', async () => {
    const result = await runCli(built.cli, ['--help'], {});
    expect(result.stdout).toContain('~/.config/nanoclaw/codex-tokens.json');
    expect(result.stdout).toContain('CODEX_TOKEN_FILE');
    expect(result.stdout).not.toContain('data/codex-tokens.json');
  });
});

describe('token location', () => {
  it('defaultTokenFile: CODEX_TOKEN_FILE (resolved), else ~/.config/nanoclaw', () => {
    expect(api.defaultTokenFile({ HOME: '/home/ann' })).toBe(
      '/home/ann/.config/nanoclaw/codex-tokens.json',
    );
    expect(
      api.defaultTokenFile({
        HOME: '/home/ann',
        CODEX_TOKEN_FILE: '/x/t.json',
      }),
    ).toBe('/x/t.json');
    expect(
      api.defaultTokenFile({ HOME: '/home/ann', CODEX_TOKEN_FILE: 'rel.json' }),
    ).toBe(path.resolve('rel.json'));
    expect(
      api.defaultTokenFile({ HOME: '/home/ann', CODEX_TOKEN_FILE: '  ' }),
    ).toBe('/home/ann/.config/nanoclaw/codex-tokens.json');
  });

  it('migrateLegacyTokens moves a checkout copy out, and keeps the longer-lived one when both exist', async () => {
    const issuer = await issuerWith();
    const dir = makeTempDir('codex-oauth-migrate-');
    const legacy = path.join(dir, 'checkout', api.LEGACY_TOKEN_FILE);
    const target = path.join(dir, 'home/.config/nanoclaw/codex-tokens.json');
    const write = (file: string, tokens: SeededTokens) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
    };

    expect(await api.migrateLegacyTokens(legacy, target)).toBe('none');

    const old = issuer.seedTokens(600);
    write(legacy, old);
    expect(await api.migrateLegacyTokens(legacy, target)).toBe('moved');
    expect(readFile(target).refreshToken).toBe(old.refreshToken);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(legacy)).toBe(false);

    write(legacy, issuer.seedTokens(60)); // an older copy left behind
    expect(await api.migrateLegacyTokens(legacy, target)).toBe(
      'removed-older-copy',
    );
    expect(readFile(target).refreshToken).toBe(old.refreshToken);
    expect(fs.existsSync(legacy)).toBe(false);

    const newer = issuer.seedTokens(3600);
    write(legacy, newer);
    expect(await api.migrateLegacyTokens(legacy, target)).toBe(
      'kept-newer-copy',
    );
    expect(readFile(target).refreshToken).toBe(newer.refreshToken);
    expect(fs.existsSync(legacy)).toBe(false);

    expect(await api.migrateLegacyTokens(target, target)).toBe('none');
    expect(fs.existsSync(target)).toBe(true);
  });
});
