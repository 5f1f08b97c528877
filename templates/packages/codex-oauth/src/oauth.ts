/**
 * The three exchanges with the issuer: the authorize URL the user opens, the
 * authorization code traded for tokens, and the refresh.
 */
import {
  CLIENT_ID,
  LOGIN_AGAIN,
  LOGIN_COMMAND,
  LOGIN_SCOPES,
  REFRESH_SCOPES,
} from './config.js';
import { CodexAuthError } from './errors.js';
import { postForm, postJson, type HttpReply } from './http.js';
import { accountIdFromAccessToken, expiryFromJwt } from './jwt.js';
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
  refreshToken: string;
}): Promise<StoredTokens> {
  const reply = await postJson(`${options.issuer}/oauth/token`, {
    grant_type: 'refresh_token',
    refresh_token: options.refreshToken,
    client_id: options.clientId ?? CLIENT_ID,
    scope: REFRESH_SCOPES,
  });
  if (reply.status !== 200) {
    const code = errorCode(reply);
    if (code && PERMANENT_REFRESH_ERRORS.includes(code)) {
      throw new CodexAuthError(
        'login_required',
        `The Codex sign-in is no longer valid (${code}): the ChatGPT session expired, was revoked or its refresh token was already used. ${LOGIN_AGAIN}`,
      );
    }
    throw new CodexAuthError(
      'token_endpoint',
      `Refreshing the Codex access token failed (HTTP ${reply.status}${describeError(reply)}). It is tried again on the next request; if this keeps happening, sign in again: ${LOGIN_COMMAND}`,
    );
  }
  return tokensFrom(reply, options.refreshToken);
}

function tokensFrom(
  reply: HttpReply,
  previousRefreshToken?: string,
): StoredTokens {
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
      : previousRefreshToken;
  if (!refreshToken) {
    throw new CodexAuthError(
      'malformed_token',
      'The sign-in server answered without a refresh_token, so the sign-in could not be kept. Run the login again.',
    );
  }
  const accountId = accountIdFromAccessToken(accessToken);
  const expiresIn = Number(body.expires_in);
  const expiresAt =
    Number.isFinite(expiresIn) && expiresIn > 0
      ? Date.now() + expiresIn * 1000
      : (expiryFromJwt(accessToken) ?? Date.now() + 3600_000);
  return { accessToken, refreshToken, accountId, expiresAt };
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
