/**
 * Reads claims from the issuer's tokens. Signatures are not checked: the token
 * came straight from the issuer over TLS and is only used to learn the account.
 */
import { CodexAuthError } from './errors.js';

const AUTH_CLAIM = 'https://api.openai.com/auth';

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) {
    throw malformed('is not a JWT (expected three dot-separated parts)');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw malformed('has a payload that is not base64url-encoded JSON');
  }
  if (
    typeof payload !== 'object' ||
    payload === null ||
    Array.isArray(payload)
  ) {
    throw malformed('has a payload that is not a JSON object');
  }
  return payload as Record<string, unknown>;
}

/**
 * The ChatGPT account (workspace) a sign-in is for: chatgpt_account_id in the
 * auth claim of the access token, else of the id token. Never `sub`: that names
 * the user, and the Codex backend refuses it as an account id.
 */
export function chatgptAccountId(
  accessToken: string,
  idToken?: string,
): string | undefined {
  return (
    accountIdClaim(decodeJwtPayload(accessToken)) ?? accountIdInIdToken(idToken)
  );
}

function accountIdInIdToken(idToken: string | undefined): string | undefined {
  if (!idToken) return undefined;
  try {
    return accountIdClaim(decodeJwtPayload(idToken));
  } catch {
    return undefined; // only a second source: a broken id token names no account
  }
}

function accountIdClaim(payload: Record<string, unknown>): string | undefined {
  const auth = payload[AUTH_CLAIM];
  if (typeof auth !== 'object' || auth === null) return undefined;
  const id = (auth as Record<string, unknown>).chatgpt_account_id;
  return typeof id === 'string' && id ? id : undefined;
}

/** The `exp` claim in epoch milliseconds, if the token has one. */
export function expiryFromJwt(token: string): number | undefined {
  const exp = decodeJwtPayload(token).exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

function malformed(problem: string): CodexAuthError {
  return new CodexAuthError(
    'malformed_token',
    `The access token from the sign-in server ${problem}. Codex needs a ChatGPT access token; check CODEX_OAUTH_ISSUER if you changed it, then sign in again.`,
  );
}
