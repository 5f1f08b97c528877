/**
 * A real OAuth issuer on 127.0.0.1 that behaves like auth.openai.com does for the
 * Codex CLI's ChatGPT sign-in: authorize (the user approves at once), the token
 * endpoint (PKCE S256 checked, refresh tokens rotated) and device-code sign-in.
 * It is as strict as the Codex CLI (openai/codex, codex-rs/login) needs the real
 * one to be: the code exchange is a form, a refresh is JSON with exactly
 * client_id, grant_type and refresh_token, a refused refresh token gets 401, and
 * access tokens name the account in the auth claim's chatgpt_account_id.
 *
 * Point codex-oauth at it with CODEX_OAUTH_ISSUER=issuer.url. Every request is
 * recorded, and every token it hands out is kept so tests can prove none leaks.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';

/** The whole body of a Codex CLI refresh request; anything more (a scope) is refused. */
const REFRESH_FIELDS = ['client_id', 'grant_type', 'refresh_token'];

export interface TokenFailure {
  status: number;
  body: unknown;
  /** Fail only this grant (default: both). */
  grant?: 'authorization_code' | 'refresh_token';
  /** Fail this many times, then behave again (default: always). */
  times?: number;
}

export interface FakeIssuerOptions {
  /** The chatgpt_account_id claim; default 'acct_fake1234567890wxyz'. */
  accountId?: string;
  /** Leave the https://api.openai.com/auth claim out of every token: only `sub` (a user id) is left. */
  omitAccountClaim?: boolean;
  /** Access tokens carry the auth claim without chatgpt_account_id; only the id token names the account. */
  accountIdOnlyInIdToken?: boolean;
  /** expires_in of issued access tokens, in seconds; default 3600. */
  expiresIn?: number;
  /** /oauth/authorize sends the browser back with error=access_denied. */
  denyAuthorize?: boolean;
  /** /oauth/authorize sends the browser back with someone else's state. */
  wrongState?: boolean;
  /** The token endpoint answers access_token "not-a-jwt". */
  malformedAccessToken?: boolean;
  /** Refresh answers carry no refresh_token (the client must keep its old one). */
  omitRefreshTokenOnRefresh?: boolean;
  tokenFailure?: TokenFailure;
  /** Hold each refresh answer this long, so concurrent refreshes would overlap. */
  refreshDelayMs?: number;
  /** interval in the device-code answer, in seconds, sent as a string like the real one; default 0. */
  deviceInterval?: number;
  /** How many device token polls answer 403 (pending) before success; default 1. */
  devicePendingPolls?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  /** Form or JSON body as an object ({} when empty or unreadable). */
  body: Record<string, any>;
  /** How the body was sent; 'invalid' is a JSON content type with a body that does not parse. */
  bodyFormat: 'empty' | 'json' | 'form' | 'invalid';
  /** Date.now() when the request arrived. */
  at: number;
}

export interface SeededTokens {
  accessToken: string;
  refreshToken: string;
  accountId: string;
  expiresAt: number;
}

export interface FakeIssuer {
  url: string;
  requests: RecordedRequest[];
  options: FakeIssuerOptions;
  /** Requests to /oauth/token with this grant_type. */
  tokenRequests(
    grant: 'authorization_code' | 'refresh_token',
  ): RecordedRequest[];
  /** Every access, refresh and id token handed out so far. */
  issuedSecrets(): string[];
  /** Refresh tokens the issuer still accepts (rotation removes the used one). */
  activeRefreshTokens(): string[];
  /** Revoke a refresh token (as signing out elsewhere would): refreshing with it then gets 401. */
  revokeRefreshToken(refreshToken: string): void;
  /** Tokens valid at this issuer, shaped like codex-oauth's token file, for tests that start signed in. */
  seedTokens(expiresIn?: number): SeededTokens;
  close(): Promise<void>;
}

interface PendingCode {
  challenge: string;
  redirectUri: string;
}

export async function startFakeIssuer(
  initial: FakeIssuerOptions = {},
): Promise<FakeIssuer> {
  const options: FakeIssuerOptions = { ...initial };
  const requests: RecordedRequest[] = [];
  const codes = new Map<string, PendingCode>();
  const activeRefresh = new Set<string>();
  const usedRefresh = new Set<string>();
  const revokedRefresh = new Set<string>();
  const secrets: string[] = [];
  const devices = new Map<string, { userCode: string; polls: number }>();
  let url = '';

  const accountId = () => options.accountId ?? 'acct_fake1234567890wxyz';

  function issue(expiresIn = options.expiresIn ?? 3600) {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: url,
      sub: 'user-fake-sub-0001',
      aud: ['https://api.openai.com/v1'],
      iat: now,
      exp: now + expiresIn,
      jti: randomBytes(8).toString('hex'),
    };
    const accessToken = options.malformedAccessToken
      ? 'not-a-jwt'
      : jwt({ ...claims, ...authClaim(!options.accountIdOnlyInIdToken) });
    const refreshToken = `rt_${randomBytes(24).toString('base64url')}`;
    const idToken = jwt({
      ...claims,
      ...authClaim(true),
      email: 'user@example.com',
    });
    activeRefresh.add(refreshToken);
    secrets.push(accessToken, refreshToken, idToken);
    return { accessToken, refreshToken, idToken, expiresIn };
  }

  /** The https://api.openai.com/auth claim, as the real tokens carry it. */
  function authClaim(withAccountId: boolean): Record<string, unknown> {
    if (options.omitAccountClaim) return {};
    return {
      'https://api.openai.com/auth': {
        ...(withAccountId ? { chatgpt_account_id: accountId() } : {}),
        chatgpt_plan_type: 'plus',
        chatgpt_user_id: 'user-fake-sub-0001',
      },
    };
  }

  /** The configured failure, if it applies to this grant (and counts it down). */
  function takeFailure(grant: string): TokenFailure | undefined {
    const failure = options.tokenFailure;
    if (!failure || (failure.grant && failure.grant !== grant))
      return undefined;
    if (failure.times !== undefined) {
      if (failure.times <= 0) return undefined;
      failure.times -= 1;
    }
    return failure;
  }

  async function tokenEndpoint(
    request: RecordedRequest,
    res: http.ServerResponse,
  ): Promise<void> {
    const { body } = request;
    const grant = String(body.grant_type ?? '');
    const misfit = badTokenRequest(request, grant);
    if (misfit) {
      return json(res, 400, {
        error: 'invalid_request',
        error_description: misfit,
      });
    }
    if (body.client_id !== FAKE_CLIENT_ID) {
      return json(res, 401, {
        error: 'invalid_client',
        error_description: 'unknown client_id',
      });
    }
    const failure = takeFailure(grant);
    if (failure) return json(res, failure.status, failure.body);

    if (grant === 'authorization_code') return exchangeCode(body, res);
    if (grant === 'refresh_token') return refresh(body, res);
    return json(res, 400, { error: 'unsupported_grant_type' });
  }

  /** Why the request is not shaped the way the Codex CLI sends it, if it is not. */
  function badTokenRequest(
    request: RecordedRequest,
    grant: string,
  ): string | undefined {
    if (grant === 'authorization_code' && request.bodyFormat !== 'form') {
      return 'the code exchange must be application/x-www-form-urlencoded';
    }
    if (grant !== 'refresh_token') return undefined;
    if (request.bodyFormat !== 'json') {
      return 'a refresh must be an application/json body';
    }
    const extra = Object.keys(request.body).filter(
      (field) => !REFRESH_FIELDS.includes(field),
    );
    if (extra.length) return `unexpected refresh field(s): ${extra.join(', ')}`;
    return undefined;
  }

  function exchangeCode(
    body: Record<string, any>,
    res: http.ServerResponse,
  ): void {
    const pending = codes.get(String(body.code));
    if (!pending)
      return json(res, 400, {
        error: 'invalid_grant',
        error_description: 'unknown or used code',
      });
    codes.delete(String(body.code));
    if (body.redirect_uri !== pending.redirectUri) {
      return json(res, 400, {
        error: 'invalid_grant',
        error_description: 'redirect_uri mismatch',
      });
    }
    if (
      !body.code_verifier ||
      s256(String(body.code_verifier)) !== pending.challenge
    ) {
      return json(res, 400, {
        error: 'invalid_grant',
        error_description: 'PKCE verification failed',
      });
    }
    const tokens = issue();
    json(res, 200, {
      id_token: tokens.idToken,
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      expires_in: tokens.expiresIn,
      token_type: 'Bearer',
    });
  }

  async function refresh(
    body: Record<string, any>,
    res: http.ServerResponse,
  ): Promise<void> {
    const presented = String(body.refresh_token ?? '');
    if (options.refreshDelayMs) await sleep(options.refreshDelayMs);
    // The real issuer answers 401 for every refresh token it will not take.
    if (usedRefresh.has(presented)) {
      return refused(
        res,
        'refresh_token_reused',
        'Your refresh token has already been used to generate a new access token.',
      );
    }
    if (revokedRefresh.has(presented)) {
      return refused(
        res,
        'refresh_token_invalidated',
        'Your refresh token has been invalidated.',
      );
    }
    if (!activeRefresh.has(presented)) {
      return json(res, 401, {
        error: 'invalid_grant',
        error_description: 'unknown refresh token',
      });
    }
    activeRefresh.delete(presented);
    usedRefresh.add(presented);
    const tokens = issue();
    if (options.omitRefreshTokenOnRefresh) {
      // The old token stays valid when the issuer does not rotate.
      activeRefresh.delete(tokens.refreshToken);
      usedRefresh.delete(presented);
      activeRefresh.add(presented);
    }
    json(res, 200, {
      id_token: tokens.idToken,
      access_token: tokens.accessToken,
      ...(options.omitRefreshTokenOnRefresh
        ? {}
        : { refresh_token: tokens.refreshToken }),
      expires_in: tokens.expiresIn,
    });
  }

  function authorize(query: URLSearchParams, res: http.ServerResponse): void {
    const redirectUri = query.get('redirect_uri');
    if (
      !redirectUri ||
      query.get('client_id') !== FAKE_CLIENT_ID ||
      query.get('response_type') !== 'code' ||
      query.get('code_challenge_method') !== 'S256' ||
      !query.get('code_challenge')
    ) {
      return json(res, 400, { error: 'invalid_request' });
    }
    const back = new URL(redirectUri);
    if (options.denyAuthorize) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set(
        'error_description',
        'The user cancelled the sign-in',
      );
    } else {
      const code = `ac_${randomBytes(16).toString('base64url')}`;
      codes.set(code, { challenge: query.get('code_challenge')!, redirectUri });
      back.searchParams.set('code', code);
    }
    back.searchParams.set(
      'state',
      options.wrongState ? 'someone-elses-state' : (query.get('state') ?? ''),
    );
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  function deviceUserCode(
    request: RecordedRequest,
    res: http.ServerResponse,
  ): void {
    const { body } = request;
    if (request.bodyFormat !== 'json')
      return json(res, 400, { error: 'invalid_request' });
    if (body.client_id !== FAKE_CLIENT_ID)
      return json(res, 401, { error: 'invalid_client' });
    const id = `dev_${randomBytes(8).toString('hex')}`;
    const userCode =
      `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`.toUpperCase();
    devices.set(id, { userCode, polls: 0 });
    json(res, 200, {
      device_auth_id: id,
      user_code: userCode,
      interval: String(options.deviceInterval ?? 0),
    });
  }

  function deviceToken(
    request: RecordedRequest,
    res: http.ServerResponse,
  ): void {
    const { body } = request;
    if (request.bodyFormat !== 'json')
      return json(res, 400, { error: 'invalid_request' });
    const device = devices.get(String(body.device_auth_id));
    if (!device || device.userCode !== body.user_code)
      return json(res, 404, { error: 'not found' });
    device.polls += 1;
    if (device.polls <= (options.devicePendingPolls ?? 1)) {
      return json(res, 403, { error: 'authorization_pending' });
    }
    devices.delete(String(body.device_auth_id));
    const verifier = randomBytes(48).toString('base64url');
    const challenge = s256(verifier);
    const code = `ac_${randomBytes(16).toString('base64url')}`;
    codes.set(code, { challenge, redirectUri: `${url}/deviceauth/callback` });
    json(res, 200, {
      authorization_code: code,
      code_verifier: verifier,
      code_challenge: challenge,
    });
  }

  const server = http.createServer(async (req, res) => {
    const reqUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const request: RecordedRequest = {
      method: req.method ?? '',
      path: reqUrl.pathname,
      query: Object.fromEntries(reqUrl.searchParams),
      contentType,
      ...parseBody(raw, contentType),
      at: Date.now(),
    };
    requests.push(request);
    const route = `${req.method} ${reqUrl.pathname}`;
    try {
      if (route === 'GET /oauth/authorize')
        return authorize(reqUrl.searchParams, res);
      if (route === 'POST /oauth/token')
        return await tokenEndpoint(request, res);
      if (route === 'POST /api/accounts/deviceauth/usercode')
        return deviceUserCode(request, res);
      if (route === 'POST /api/accounts/deviceauth/token')
        return deviceToken(request, res);
      json(res, 404, { error: 'not_found' });
    } catch (err) {
      json(res, 500, { error: 'server_error', error_description: String(err) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    options,
    tokenRequests: (grant) =>
      requests.filter(
        (r) => r.path === '/oauth/token' && r.body.grant_type === grant,
      ),
    issuedSecrets: () => [...secrets],
    activeRefreshTokens: () => [...activeRefresh],
    revokeRefreshToken(refreshToken) {
      activeRefresh.delete(refreshToken);
      revokedRefresh.add(refreshToken);
    },
    seedTokens(expiresIn = options.expiresIn ?? 3600) {
      const tokens = issue(expiresIn);
      return {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        accountId: accountId(),
        expiresAt: Date.now() + expiresIn * 1000,
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function jwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}.${randomBytes(32).toString('base64url')}`;
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function parseBody(
  raw: string,
  contentType: string,
): Pick<RecordedRequest, 'body' | 'bodyFormat'> {
  if (!raw) return { body: {}, bodyFormat: 'empty' };
  if (contentType.includes('application/json')) {
    try {
      const body = JSON.parse(raw);
      if (body && typeof body === 'object' && !Array.isArray(body))
        return { body, bodyFormat: 'json' };
    } catch {
      // falls through to 'invalid'
    }
    return { body: {}, bodyFormat: 'invalid' };
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return {
      body: Object.fromEntries(new URLSearchParams(raw)),
      bodyFormat: 'form',
    };
  }
  return { body: {}, bodyFormat: 'invalid' };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A refused refresh token, answered the way auth.openai.com does. */
function refused(
  res: http.ServerResponse,
  code: string,
  message: string,
): void {
  json(res, 401, { error: { code, message } });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
