/**
 * codex-oauth login through the real CLI, against a real issuer on 127.0.0.1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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
/** Built modules the CLI cannot reach into: ports, callback server, device polling. */
let config: typeof import('../../templates/add-codex-provider/packages/codex-oauth/src/config.js');
let callbackServer: typeof import('../../templates/add-codex-provider/packages/codex-oauth/src/callback-server.js');
let deviceFlow: typeof import('../../templates/add-codex-provider/packages/codex-oauth/src/device-flow.js');
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  built = await buildPackage();
  const load = (name: string) =>
    import(pathToFileURL(path.join(built.packageDir, 'dist', name)).href);
  config = await load('config.js');
  callbackServer = await load('callback-server.js');
  deviceFlow = await load('device-flow.js');
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

  it('takes the account id from the id token when the access token lacks it', async () => {
    const s = await scene({ accountIdOnlyInIdToken: true });
    const run = login(s);
    await followAsBrowser(await run.authorizeUrl());
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(s.tokenFile, 'utf8')).accountId).toBe(
      'acct_fake1234567890wxyz',
    );
  });

  it('never takes `sub` for the account: no chatgpt_account_id is a clear error, nothing saved', async () => {
    const s = await scene({ omitAccountClaim: true });
    const run = login(s);
    const { callback } = await followAsBrowser(await run.authorizeUrl());
    expect(callback.body).toContain('Sign-in failed');
    const result = await run.done;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('gave no ChatGPT account id');
    expect(result.stderr).toContain('Plus, Pro or Team plan');
    expect(result.stderr).toContain('run the login again');
    expect(result.stderr).not.toContain('user-fake-sub-0001');
    expect(fs.existsSync(s.tokenFile)).toBe(false);
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
    expect(userCodeRequest.contentType).toContain('application/json');
    const polls = s.issuer.requests.filter(
      (r) => r.path === '/api/accounts/deviceauth/token',
    );
    expect(polls).toHaveLength(3);
    expect(polls[0].body).toEqual({
      device_auth_id: expect.any(String),
      user_code: codeLine.split(': ')[1],
    });
    // The issuer said interval "0": polls still come at most once a second.
    for (let i = 1; i < polls.length; i++) {
      expect(polls[i].at - polls[i - 1].at).toBeGreaterThanOrEqual(990);
    }
    const [exchange] = s.issuer.tokenRequests('authorization_code');
    expect(exchange.body.redirect_uri).toBe(
      `${s.issuer.url}/deviceauth/callback`,
    );
    expect(fs.statSync(s.tokenFile).mode & 0o777).toBe(0o600);
    expect(await portIsFree(s.port)).toBe(true); // no callback server needed
    expectNoLeak(s, result);
  });

  it.each([
    ['0', 1000],
    ['0.2', 1000],
    ['1', 1000],
    ['7', 7000],
    [7, 7000],
    [undefined, 5000],
    ['soon', 5000],
  ])(
    'the issuer interval %j is polled every %i ms (never more than once a second)',
    (interval, ms) => {
      expect(deviceFlow.pollIntervalMs(interval)).toBe(ms);
    },
  );

  it('polls at the clamped interval and returns the grant once the code is entered', async () => {
    const s = await scene({ deviceInterval: 0, devicePendingPolls: 3 });
    const device = await deviceFlow.requestDeviceCode(s.issuer.url);
    expect(device.intervalMs).toBe(1000);
    const clock = fakeClock();
    const grant = await deviceFlow.pollDeviceGrant(
      s.issuer.url,
      device,
      new AbortController().signal,
      clock,
    );
    expect(grant.redirectUri).toBe(`${s.issuer.url}/deviceauth/callback`);
    expect(clock.sleeps).toEqual([1000, 1000, 1000]);
  });

  it('gives up 15 minutes after polling began, the last wait cut to the deadline', async () => {
    const s = await scene({ deviceInterval: 7, devicePendingPolls: 1_000 });
    const device = await deviceFlow.requestDeviceCode(s.issuer.url);
    const clock = fakeClock();
    const error = await deviceFlow
      .pollDeviceGrant(
        s.issuer.url,
        device,
        new AbortController().signal,
        clock,
      )
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'timeout' });
    expect((error as Error).message).toContain('within 15 minutes');
    expect(clock.elapsed).toBe(15 * 60_000);
    expect(Math.max(...clock.sleeps)).toBe(7000);
    expect(clock.sleeps.at(-1)).toBe((15 * 60_000) % 7000);
    const polls = s.issuer.requests.filter(
      (r) => r.path === '/api/accounts/deviceauth/token',
    );
    expect(polls).toHaveLength(clock.sleeps.length + 1); // one last poll at the deadline
  });
});

/** A clock for pollDeviceGrant whose sleeps return at once and only move its time on. */
function fakeClock() {
  const clock = {
    elapsed: 0,
    sleeps: [] as number[],
    now: () => 1_700_000_000_000 + clock.elapsed,
    async sleep(ms: number) {
      clock.sleeps.push(ms);
      clock.elapsed += ms;
    },
  };
  return clock;
}

describe('sign-in failures', () => {
  it('state mismatch: the browser gets a 400 page, the code is not used, the login keeps waiting', async () => {
    const s = await scene({ wrongState: true });
    const run = login(s);
    const url = await run.authorizeUrl();
    const { callback } = await followAsBrowser(url);
    expect(callback.status).toBe(400);
    expect(callback.body).toContain('state mismatch');
    await run.waitForLine(/state mismatch.*Still waiting/);
    expect(s.issuer.tokenRequests('authorization_code')).toHaveLength(0);
    expect(fs.existsSync(s.tokenFile)).toBe(false);

    s.issuer.options.wrongState = false; // the user now uses this login's link
    expect((await followAsBrowser(url)).callback.status).toBe(200);
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it("a forged ?error= without this login's state cannot end it", async () => {
    const s = await scene();
    const run = login(s);
    const url = await run.authorizeUrl();
    const callback = `http://127.0.0.1:${s.port}/auth/callback`;
    for (const forged of [
      `${callback}?error=access_denied&error_description=forged`,
      `${callback}?error=access_denied&state=someone-elses-state`,
      `${callback}?error=server_error&state=`,
    ]) {
      const answer = await httpGet(forged);
      expect(answer.status).toBe(400);
      expect(answer.body).toContain('state mismatch');
    }
    expect(run.child.exitCode).toBeNull();

    await followAsBrowser(url);
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('access_denied');
    expect(result.stdout).toContain('Signed in to ChatGPT account');
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
  it('1455 by default, falling back to 1457 only: the two redirect URIs OpenAI accepts', () => {
    expect(config.DEFAULT_PORT).toBe(1455);
    expect(config.callbackPortsFor(1455)).toEqual([1455, 1457]);
    // Any other port, 1457 included, has no fallback.
    expect(config.callbackPortsFor(1457)).toEqual([1457]);
    expect(config.callbackPortsFor(8080)).toEqual([8080]);
    expect(config.isRegisteredPort(1455)).toBe(true);
    expect(config.isRegisteredPort(1457)).toBe(true);
    expect(config.isRegisteredPort(1456)).toBe(false);
  });

  // Stand-ins for 1455 and 1457: tests never touch the real ports, where a
  // developer's own Codex login may be listening (and would answer /cancel).
  it('the first port busy with a foreign program: listens on the second', async () => {
    const [first, second] = await twoFreePorts();
    const holder = await occupyPort(first);
    cleanups.push(() => holder.close());
    const server = await callbackServer.startCallbackServer({
      ports: [first, second],
      state: 'x',
    });
    cleanups.push(() => server.close());
    expect(server.port).toBe(second);
    expect(server.redirectUri).toBe(`http://localhost:${second}/auth/callback`);
  });

  it('both ports busy: a clear error naming both and how to find their owners', async () => {
    const [first, second] = await twoFreePorts();
    const holders = [await occupyPort(first), await occupyPort(second)];
    cleanups.push(...holders.map((holder) => () => holder.close()));
    const error = await callbackServer
      .startCallbackServer({ ports: [first, second], state: 'x' })
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'port_busy' });
    const message = (error as Error).message;
    expect(message).toContain(`Ports ${first} and ${second} on 127.0.0.1`);
    expect(message).toContain(`lsof -i :${first} -i :${second}`);
    expect(message).toContain('ss -ltnp');
    expect(message).toContain('--device-auth');
  });

  it('a custom CODEX_OAUTH_PORT works, with a warning that OpenAI will likely refuse it', async () => {
    const s = await scene();
    const run = login(s);
    const warning = await run.waitForLine(/^Warning: callback port/);
    expect(warning).toContain(
      `callback port ${s.port} (set by CODEX_OAUTH_PORT)`,
    );
    expect(warning).toContain('1455 nor 1457');
    expect(warning).toContain(`http://localhost:${s.port}/auth/callback`);
    await followAsBrowser(await run.authorizeUrl());
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('a custom port held by a foreign program: no fallback to another port', async () => {
    const s = await scene();
    const holder = await occupyPort(s.port);
    cleanups.push(() => holder.close());
    const result = await runCli(
      built.cli,
      ['login', '--token-file', s.tokenFile],
      s.env,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `Port ${s.port} on 127.0.0.1 is in use by another program`,
    );
    expect(result.stderr).toContain(`lsof -i :${s.port}`);
    expect(result.stderr).toContain('ss -ltnp');
    expect(await portIsFree(s.port + 2)).toBe(true);
    expect(s.issuer.requests).toHaveLength(0);
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

/** Two ports that were free a moment ago. */
async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  return [first, first + 2]; // freePort() checked port + 2 as well
}

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
