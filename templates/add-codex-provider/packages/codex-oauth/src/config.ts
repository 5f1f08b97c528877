/**
 * What the Codex CLI's ChatGPT sign-in uses, and the few environment overrides
 * that let tests and air-gapped setups point the same code at another issuer.
 */
import { CodexAuthError } from './errors.js';

export const DEFAULT_ISSUER = 'https://auth.openai.com';
export const CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
export const LOGIN_SCOPES = 'openid profile email offline_access';
/** The two redirect URIs OpenAI's sign-in page accepts for this client use these ports. */
export const DEFAULT_PORT = 1455;
export const FALLBACK_PORT = 1457;
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;
/** A device code expires this long after it is issued; polling longer is pointless. */
export const DEVICE_CODE_LIFETIME_MS = 15 * 60_000;
/** Refresh this long before the access token expires, so a request never carries a dying token. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export const LOGIN_COMMAND = 'npx tsx setup/index.ts --step codex-auth';
export const LOGIN_AGAIN = `Sign in again with: ${LOGIN_COMMAND} (or re-run apply-skill add-codex-provider).`;

export function resolveIssuer(explicit?: string): string {
  const issuer = explicit ?? process.env.CODEX_OAUTH_ISSUER ?? DEFAULT_ISSUER;
  try {
    new URL(issuer);
  } catch {
    throw new CodexAuthError(
      'config',
      `CODEX_OAUTH_ISSUER "${issuer}" is not a URL (expected something like ${DEFAULT_ISSUER}).`,
    );
  }
  return issuer.replace(/\/+$/, '');
}

export function resolvePort(explicit?: number): number {
  if (explicit !== undefined) return checkPort(String(explicit), 'port option');
  const fromEnv = process.env.CODEX_OAUTH_PORT;
  return fromEnv ? checkPort(fromEnv, 'CODEX_OAUTH_PORT') : DEFAULT_PORT;
}

/**
 * Ports to listen on, in order. Only the default has a fallback, because only
 * 1455 and 1457 are on OpenAI's redirect allow-list; a custom port stands alone.
 */
export function callbackPortsFor(port: number): number[] {
  return port === DEFAULT_PORT ? [DEFAULT_PORT, FALLBACK_PORT] : [port];
}

export function isRegisteredPort(port: number): boolean {
  return port === DEFAULT_PORT || port === FALLBACK_PORT;
}

/** The login time limit the caller or CODEX_OAUTH_TIMEOUT_MS asked for, if any. */
export function resolveTimeout(explicit?: number): number | undefined {
  if (explicit !== undefined) return explicit;
  const fromEnv = process.env.CODEX_OAUTH_TIMEOUT_MS;
  if (!fromEnv) return undefined;
  const ms = Number(fromEnv);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new CodexAuthError(
      'config',
      `CODEX_OAUTH_TIMEOUT_MS "${fromEnv}" is not a positive number of milliseconds.`,
    );
  }
  return ms;
}

export function redirectUriFor(port: number): string {
  return `http://localhost:${port}/auth/callback`;
}

function checkPort(value: string, source: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CodexAuthError(
      'config',
      `${source} "${value}" is not a TCP port (1-65535).`,
    );
  }
  return port;
}
