/**
 * The three exchanges with the issuer: the authorize URL the user opens, the
 * authorization code traded for tokens, and the refresh.
 */
import {
  CLIENT_ID,
  LOGIN_AGAIN,
  LOGIN_COMMAND,
  LOGIN_SCOPES,
} from './config.js';
import { CodexAuthError } from './errors.js';
import { postForm, postJson, type HttpReply } from './http.js';
import { chatgptAccountId, expiryFromJwt } from './jwt.js';
import type { StoredTokens } from './token-store.js';

/** Refresh failures that no retry can fix: only a new sign-in can. */
const PERMANENT_REFRESH_ERRORS = [
  'refresh_token_expired',
  'refresh_token_reused',
  'refresh_token_invalidated',
  'invalid_grant',
];

export interface AuthorizeRequest {
  issuer: string;
  clientId?: string;
  redirectUri: string;
  codeChallenge: string;
  state: string;
}

export function buildAuthorizeUrl(request: AuthorizeRequest): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: request.clientId ?? CLIENT_ID,
    redirect_uri: request.redirectUri,
    scope: LOGIN_SCOPES,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    id_token_add_organizations: 'true',
    codex_cli_simplified_flow: 'true',
    state: request.state,
    originator: 'codex_cli_rs',
  });
  // URLSearchParams writes spaces as "+"; %20 is what every server reads the same way.
  return `${request.issuer}/oauth/authorize?${params.toString().replace(/\+/g, '%20')}`;
}

export interface CodeExchange {
  issuer: string;
  clientId?: string;
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

export async function exchangeCode(
  exchange: CodeExchange,
): Promise<StoredTokens> {
  const reply = await postForm(`${exchange.issuer}/oauth/token`, {
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    client_id: exchange.clientId ?? CLIENT_ID,
    code_verifier: exchange.codeVerifier,
  });
  if (reply.status !== 200) {
    throw new CodexAuthError(
      'token_endpoint',
      `The sign-in server refused the authorization code (HTTP ${reply.status}${describeError(reply)}). Run the login again.`,
    );
  }
  return tokensFrom(reply);
}

export async function refreshTokens(options: {
  issuer: string;
  clientId?: string;
  current: StoredTokens;
}): Promise<StoredTokens> {
  // Exactly what the Codex CLI sends: these three fields as JSON, no scope.
  const reply = await postJson(`${options.issuer}/oauth/token`, {
    client_id: options.clientId ?? CLIENT_ID,
    grant_type: 'refresh_token',
    refresh_token: options.current.refreshToken,
  });
  if (reply.status !== 200) throw refreshFailure(reply);
  return tokensFrom(reply, options.current);
}

function refreshFailure(reply: HttpReply): CodexAuthError {
  const code = errorCode(reply);
  // 401 is the issuer refusing the refresh token itself (expired, revoked or
  // already used), whatever the body says: no retry can fix that.
  const permanent =
    reply.status === 401 ||
    (code !== undefined && PERMANENT_REFRESH_ERRORS.includes(code));
  if (permanent) {
    return new CodexAuthError(
      'login_required',
      `The Codex sign-in is no longer valid (${code ?? `HTTP ${reply.status}`}): the ChatGPT session expired, was revoked or its refresh token was already used. ${LOGIN_AGAIN}`,
    );
  }
  return new CodexAuthError(
    'token_endpoint',
    `Refreshing the Codex access token failed (HTTP ${reply.status}${describeError(reply)}). It is tried again on the next request; if this keeps happening, sign in again: ${LOGIN_COMMAND}`,
  );
}

/** The tokens in a 200 answer; `previous` is the sign-in a refresh continues. */
function tokensFrom(reply: HttpReply, previous?: StoredTokens): StoredTokens {
  const body = (reply.json ?? {}) as Record<string, unknown>;
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || !accessToken) {
    throw new CodexAuthError(
      'malformed_token',
      'The sign-in server answered without an access_token. Run the login again.',
    );
  }
  // Rotation: a new refresh token replaces the old one; none returned means keep the old one.
  const refreshToken =
    typeof body.refresh_token === 'string' && body.refresh_token
      ? body.refresh_token
      : previous?.refreshToken;
  if (!refreshToken) {
    throw new CodexAuthError(
      'malformed_token',
      'The sign-in server answered without a refresh_token, so the sign-in could not be kept. Run the login again.',
    );
  }
  // A refresh answer may leave the id token out; the account of a sign-in never changes.
  const idToken = typeof body.id_token === 'string' ? body.id_token : undefined;
  const accountId =
    chatgptAccountId(accessToken, idToken) ?? previous?.accountId;
  if (!accountId) throw noAccountId();
  const expiresIn = Number(body.expires_in);
  const expiresAt =
    Number.isFinite(expiresIn) && expiresIn > 0
      ? Date.now() + expiresIn * 1000
      : (expiryFromJwt(accessToken) ?? Date.now() + 3600_000);
  return { accessToken, refreshToken, accountId, expiresAt };
}

function noAccountId(): CodexAuthError {
  return new CodexAuthError(
    'no_account_id',
    'The sign-in gave no ChatGPT account id (no chatgpt_account_id in its tokens), and Codex cannot be used without one. ' +
      'Make sure the ChatGPT account you sign in with has a Plus, Pro or Team plan (pick that workspace if the sign-in page asks), then run the login again.',
  );
}

/** The error code in an OAuth error body, whichever of the usual shapes it has. */
function errorCode(reply: HttpReply): string | undefined {
  const body = reply.json as Record<string, unknown> | undefined;
  if (body && typeof body === 'object') {
    const error = body.error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object') {
      const code = (error as Record<string, unknown>).code;
      if (typeof code === 'string') return code;
    }
    if (typeof body.code === 'string') return body.code;
  }
  return PERMANENT_REFRESH_ERRORS.find((code) => reply.text.includes(code));
}

/** ": code - description" for a message; only the issuer's error fields, never the raw body. */
function describeError(reply: HttpReply): string {
  const code = errorCode(reply);
  const body = reply.json as Record<string, unknown> | undefined;
  let description: unknown = body?.error_description;
  if (
    description === undefined &&
    body?.error &&
    typeof body.error === 'object'
  ) {
    description = (body.error as Record<string, unknown>).message;
  }
  const text = [
    code,
    typeof description === 'string' ? description.slice(0, 200) : undefined,
  ]
    .filter(Boolean)
    .join(' - ');
  return text ? `: ${text}` : '';
}
