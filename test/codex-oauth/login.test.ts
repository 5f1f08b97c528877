/**
 * codex-oauth login through the real CLI, against a real issuer on 127.0.0.1.
 */
import fs from 'node:fs';
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

import {
  FAKE_CLIENT_ID,
  startFakeIssuer,
  type FakeIssuer,
  type FakeIssuerOptions,
} from '../helpers/fake-issuer.js';
import {
  buildPackage,
  findLeak,
  followAsBrowser,
  freePort,
  httpGet,
  makeTempDir,
  occupyPort,
  portIsFree,
  runCli,
  startCli,
  withFakeOpen,
  type BuiltPackage,
  type CliResult,
  removeTempDirs,
} from './harness.js';

// Each case takes well under a second; a hang should fail fast, not after the global 2 minutes.
vi.setConfig({ testTimeout: 30_000 });

let built: BuiltPackage;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  built = await buildPackage();
});

afterAll(() => removeTempDirs());

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Scene {
  issuer: FakeIssuer;
  port: number;
  tokenFile: string;
  env: Record<string, string>;
}

async function scene(options: FakeIssuerOptions = {}): Promise<Scene> {
  const issuer = await startFakeIssuer(options);
  cleanups.push(() => issuer.close());
  const port = await freePort();
  const tokenFile = path.join(
    makeTempDir('codex-oauth-login-'),
    'data/codex-tokens.json',
  );
  return {
    issuer,
    port,
    tokenFile,
    env: { CODEX_OAUTH_ISSUER: issuer.url, CODEX_OAUTH_PORT: String(port) },
  };
}

function login(
  s: Scene,
  flags: string[] = [],
  env: Record<string, string> = {},
  cli = built.cli,
) {
  const run = startCli(cli, ['login', '--token-file', s.tokenFile, ...flags], {
    ...s.env,
    ...env,
  });
  cleanups.push(() => {
    if (run.child.exitCode === null) run.child.kill();
  });
  return run;
}

function expectNoLeak(s: Scene, ...results: CliResult[]): void {
  const texts = results.flatMap((r) => [r.stdout, r.stderr]);
  expect(findLeak(texts, s.issuer.issuedSecrets())).toBeUndefined();
}

describe('browser sign-in', () => {
  it('prints the authorize URL alone on a line, takes the callback, saves tokens 0600', async () => {
    const s = await scene();
    const run = login(s);
    const url = new URL(await run.authorizeUrl());

    expect(url.origin + url.pathname).toBe(`${s.issuer.url}/oauth/authorize`);
    const q = url.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(FAKE_CLIENT_ID);
    expect(q.get('redirect_uri')).toBe(
      `http://localhost:${s.port}/auth/callback`,
    );
    expect(q.get('scope')).toBe('openid profile email offline_access');
    expect(url.search).toContain(
      'scope=openid%20profile%20email%20offline_access',
    );
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('id_token_add_organizations')).toBe('true');
    expect(q.get('codex_cli_simplified_flow')).toBe('true');
    expect(q.get('originator')).toBe('codex_cli_rs');
    expect(q.get('state')!.length).toBeGreaterThanOrEqual(32);

    const { callback } = await followAsBrowser(url.href);
    expect(callback.status).toBe(200);
    expect(callback.headers.connection).toBe('close');
    expect(callback.body).toContain('Signed in');
    expect(fs.existsSync(s.tokenFile)).toBe(true); // saved before the page said so

    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Signed in to ChatGPT account acct…wxyz');

    // Exchanged with the PKCE verifier (the issuer checked it against the challenge).
    const [exchange] = s.issuer.tokenRequests('authorization_code');
    expect(exchange.contentType).toContain('application/x-www-form-urlencoded');
    expect(exchange.body).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: `http://localhost:${s.port}/auth/callback`,
      client_id: FAKE_CLIENT_ID,
    });
    expect(exchange.body.code_verifier).toMatch(/^[A-Za-z0-9_~.-]{43,128}$/);

    expect(fs.statSync(s.tokenFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(fs.readFileSync(s.tokenFile, 'utf8'));
    expect(saved.accountId).toBe('acct_fake1234567890wxyz');
    expect(s.issuer.activeRefreshTokens()).toContain(saved.refreshToken);
    expect(saved.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
    expect(fs.readdirSync(path.dirname(s.tokenFile))).toEqual([
      'codex-tokens.json',
    ]);

    expect(await portIsFree(s.port)).toBe(true);
    expectNoLeak(s, result);
  });

  it('takes the account id from sub when the auth claim is missing', async () => {
    const s = await scene({ omitAccountClaim: true });
    const run = login(s);
    await followAsBrowser(await run.authorizeUrl());
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(s.tokenFile, 'utf8')).accountId).toBe(
      'user-fake-sub-0001',
    );
  });

  it('opens the browser through the optional `open` package, with the URL as one argument', async () => {
    const s = await scene();
    const { cli, openLog } = withFakeOpen(built);
    const run = login(s, [], {}, cli);
    const url = await run.authorizeUrl();
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(openLog, 'utf8'))).toEqual([url]);
    expect(result.stdout).toContain(
      'Your browser should now show the sign-in page.',
    );
  });

  it('does not open a browser with --no-browser', async () => {
    const s = await scene();
    const { cli, openLog } = withFakeOpen(built);
    const run = login(s, ['--no-browser'], {}, cli);
    await followAsBrowser(await run.authorizeUrl());
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.existsSync(openLog)).toBe(false);
  });
});

describe('headless sign-in by paste', () => {
  it('completes with the final redirect URL pasted on stdin', async () => {
    const s = await scene();
    const run = login(s, ['--no-browser', '--paste']);
    const url = await run.authorizeUrl();
    await run.waitForLine(/paste it here/);
    // The browser is elsewhere: its redirect to localhost goes nowhere; the user copies it.
    const authorize = await httpGet(url);
    run.child.stdin.write('this is not it\n');
    run.child.stdin.write(`${authorize.headers.location}\n`);
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('That is not a sign-in address or code');
    expect(result.stdout).toContain('Signed in to ChatGPT account');
    expect(fs.statSync(s.tokenFile).mode & 0o777).toBe(0o600);
    expect(await portIsFree(s.port)).toBe(true);
    expectNoLeak(s, result);
  });

  it('accepts the bare code', async () => {
    const s = await scene();
    const run = login(s, ['--no-browser', '--paste']);
    const authorize = await httpGet(await run.authorizeUrl());
    run.child.stdin.write(
      `${new URL(authorize.headers.location!).searchParams.get('code')}\n`,
    );
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('refuses a pasted address whose state belongs to another login', async () => {
    const s = await scene({ wrongState: true });
    const run = login(s, ['--no-browser', '--paste']);
    const authorize = await httpGet(await run.authorizeUrl());
    run.child.stdin.write(`${authorize.headers.location}\n`);
    const result = await run.done;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('state mismatch');
    expect(s.issuer.tokenRequests('authorization_code')).toHaveLength(0);
    expect(fs.existsSync(s.tokenFile)).toBe(false);
  });

  it('whichever comes first wins: the callback while stdin stays open', async () => {
    const s = await scene();
    const run = login(s, ['--no-browser', '--paste']);
    await followAsBrowser(await run.authorizeUrl());
    const result = await run.done; // exits although stdin was never closed
    expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe('device-code sign-in', () => {
  it('shows the code and page, polls until approved, exchanges with the device redirect', async () => {
    const s = await scene({ devicePendingPolls: 2 });
    const run = login(s, ['--device-auth']);
    await run.waitForLine(new RegExp(`^${s.issuer.url}/codex/device$`));
    const codeLine = await run.waitForLine(
      /enter this code: [0-9A-F]{4}-[0-9A-F]{4}$/,
    );
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);

    const userCodeRequest = s.issuer.requests.find(
      (r) => r.path === '/api/accounts/deviceauth/usercode',
    )!;
    expect(userCodeRequest.body).toEqual({ client_id: FAKE_CLIENT_ID });
    const polls = s.issuer.requests.filter(
      (r) => r.path === '/api/accounts/deviceauth/token',
    );
    expect(polls).toHaveLength(3);
    expect(polls[0].body.user_code).toBe(codeLine.split(': ')[1]);
    const [exchange] = s.issuer.tokenRequests('authorization_code');
    expect(exchange.body.redirect_uri).toBe(
      `${s.issuer.url}/deviceauth/callback`,
    );
    expect(fs.statSync(s.tokenFile).mode & 0o777).toBe(0o600);
    expect(await portIsFree(s.port)).toBe(true); // no callback server needed
    expectNoLeak(s, result);
  });
});

describe('sign-in failures', () => {
  it('state mismatch: the browser gets a failure page, nothing is saved', async () => {
    const s = await scene({ wrongState: true });
    const run = login(s);
    const { callback } = await followAsBrowser(await run.authorizeUrl());
    expect(callback.status).toBe(400);
    expect(callback.body).toContain('state mismatch');
    const result = await run.done;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/codex-oauth: .*state mismatch/);
    expect(s.issuer.tokenRequests('authorization_code')).toHaveLength(0);
    expect(fs.existsSync(s.tokenFile)).toBe(false);
  });

  it('error=access_denied ends the login with that reason', async () => {
    const s = await scene({ denyAuthorize: true });
    const run = login(s);
    const { callback } = await followAsBrowser(await run.authorizeUrl());
    expect(callback.status).toBe(400);
    expect(callback.headers.connection).toBe('close');
    const result = await run.done;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('access_denied');
    expect(result.stderr).toContain('The user cancelled the sign-in');
    expect(await portIsFree(s.port)).toBe(true);
  });

  it.each([
    [
      400,
      { error: 'invalid_grant', error_description: 'code expired' },
      /HTTP 400: invalid_grant - code expired/,
    ],
    [500, { error: 'server_error' }, /HTTP 500: server_error/],
  ])(
    'token endpoint %i: clear error, failure page, nothing saved',
    async (status, body, message) => {
      const s = await scene({ tokenFailure: { status, body } });
      const run = login(s);
      const { callback } = await followAsBrowser(await run.authorizeUrl());
      expect(callback.body).toContain('Sign-in failed');
      const result = await run.done;
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(fs.existsSync(s.tokenFile)).toBe(false);
    },
  );

  it('a malformed access token is a clear error', async () => {
    const s = await scene({ malformedAccessToken: true });
    const run = login(s);
    await followAsBrowser(await run.authorizeUrl());
    const result = await run.done;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('is not a JWT');
    expect(fs.existsSync(s.tokenFile)).toBe(false);
  });

  it('times out with a clear message and frees the port', async () => {
    const s = await scene();
    const started = Date.now();
    const result = await runCli(
      built.cli,
      ['login', '--token-file', s.tokenFile],
      {
        ...s.env,
        CODEX_OAUTH_TIMEOUT_MS: '600',
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('No sign-in arrived within 600 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await portIsFree(s.port)).toBe(true);
  });

  it('device sign-in times out too', async () => {
    const s = await scene({ devicePendingPolls: 1_000 });
    const result = await runCli(
      built.cli,
      ['login', '--device-auth', '--token-file', s.tokenFile],
      {
        ...s.env,
        CODEX_OAUTH_TIMEOUT_MS: '400',
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('No sign-in arrived within 400 ms');
  });
});

describe('callback port', () => {
  it('a foreign program on the port and on port+2: names the port and how to find it', async () => {
    const s = await scene();
    const first = await occupyPort(s.port);
    const second = await occupyPort(s.port + 2);
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    const result = await runCli(
      built.cli,
      ['login', '--token-file', s.tokenFile],
      s.env,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`Ports ${s.port} and ${s.port + 2}`);
    expect(result.stderr).toContain(`lsof -i :${s.port}`);
    expect(result.stderr).toContain('ss -ltnp');
    expect(s.issuer.requests).toHaveLength(0);
  });

  it('a foreign program on the port only: falls back to port+2', async () => {
    const s = await scene();
    const first = await occupyPort(s.port);
    cleanups.push(() => first.close());
    const run = login(s);
    const url = new URL(await run.authorizeUrl());
    expect(url.searchParams.get('redirect_uri')).toBe(
      `http://localhost:${s.port + 2}/auth/callback`,
    );
    await followAsBrowser(url.href);
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('an earlier login of ours is cancelled through /cancel and the new one takes the port', async () => {
    const s = await scene();
    const earlier = login(s);
    await earlier.authorizeUrl();
    const later = login(s);
    const url = new URL(await later.authorizeUrl());
    expect(url.searchParams.get('redirect_uri')).toBe(
      `http://localhost:${s.port}/auth/callback`,
    );

    const cancelled = await earlier.done;
    expect(cancelled.exitCode).toBe(1);
    expect(cancelled.stderr).toContain(
      'cancelled because another Codex login started',
    );

    await followAsBrowser(url.href);
    const result = await later.done;
    expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe('CLI usage', () => {
  it('--help exits 0 with the usage', async () => {
    const result = await runCli(built.cli, ['--help'], {});
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: codex-oauth <command>');
  });

  it.each([
    [[], 'No command given.'],
    [['frobnicate'], 'Unknown command "frobnicate".'],
    [['login', '--bogus'], "Unknown option '--bogus'"],
    [['status', '--paste'], '--paste only applies to login.'],
    [
      ['login', '--device-auth', '--paste'],
      '--paste has no effect with --device-auth',
    ],
  ])('%j exits 2', async (args, message) => {
    const result = await runCli(built.cli, args, {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: codex-oauth');
  });

  it('a bad CODEX_OAUTH_PORT is named', async () => {
    const result = await runCli(
      built.cli,
      ['login', '--token-file', '/nonexistent/x.json'],
      {
        CODEX_OAUTH_ISSUER: 'http://127.0.0.1:9',
        CODEX_OAUTH_PORT: 'abc',
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('CODEX_OAUTH_PORT "abc" is not a TCP port');
  });
});
