/**
 * Who we are to the Codex backend, and where its endpoints live.
 *
 * Shared by the container side (requests) and the host side (model catalog, live
 * check); Node built-ins only, so it compiles in both places.
 *
 * The backend blocks Node's default User-Agent with an HTML 403 from its bot
 * protection, so every request names this product. The `originator` is ours too:
 * `codex_cli_rs` belongs to OpenAI's own client.
 */
import os from 'os';

export const PRODUCT = 'nanoclaw-codex';
export const PRODUCT_VERSION = '1.1.0';
export const ORIGINATOR = 'nanoclaw';
export const DEFAULT_API_URL =
  'https://chatgpt.com/backend-api/codex/responses';

/**
 * The catalog hides models whose minimal client version is above the one we
 * send. This is the Codex CLI release whose models we were checked against;
 * CODEX_CLIENT_VERSION overrides it when OpenAI ships newer models first.
 */
export const DEFAULT_CLIENT_VERSION = '0.130.0';

export function clientVersion(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = (env.CODEX_CLIENT_VERSION || '').trim();
  return /^\d+\.\d+\.\d+$/.test(fromEnv) ? fromEnv : DEFAULT_CLIENT_VERSION;
}

/** `nanoclaw-codex/1.1.0 (linux 6.1.0; x64) node/20.19.0` */
export function userAgent(): string {
  return `${PRODUCT}/${PRODUCT_VERSION} (${os.platform()} ${os.release()}; ${os.arch()}) node/${process.versions.node}`;
}

export interface CodexCredentials {
  accessToken: string;
  accountId: string;
}

/**
 * Headers every backend request carries: sign-in, account, who we are. Through
 * the host's relay the "token" is the container's relay key and the account is
 * '' (the relay adds the real ones), so no account header goes out.
 */
export function codexHeaders(
  credentials: CodexCredentials,
): Record<string, string> {
  return {
    authorization: `Bearer ${credentials.accessToken}`,
    ...(credentials.accountId
      ? { 'chatgpt-account-id': credentials.accountId }
      : {}),
    originator: ORIGINATOR,
    'user-agent': userAgent(),
  };
}

/**
 * The host's Codex relay (lib/relay.ts) serves the two backend endpoints a
 * container uses under these paths, and answers an unknown or revoked relay
 * key with HTTP 401 and this error code, so the container can tell it from
 * the backend refusing the sign-in.
 */
export const RELAY_RESPONSES_PATH = '/responses';
export const RELAY_MODELS_PATH = '/models';
export const RELAY_KEY_REJECTED = 'nanoclaw_relay_key_rejected';

/** The models endpoint sits beside the responses one: `.../codex/models`. */
export function modelsUrl(
  responsesUrl: string,
  version: string = clientVersion(),
): string {
  const url = new URL(responsesUrl);
  const segments = url.pathname.split('/');
  if (segments[segments.length - 1] === 'responses') {
    segments[segments.length - 1] = 'models';
  } else {
    segments.push('models');
  }
  url.pathname = segments.join('/');
  url.search = '';
  url.searchParams.set('client_version', version);
  return url.toString();
}

/**
 * The backend's bot protection answers with an HTML page, not JSON: that is
 * never a model or sign-in problem, and must not be reported as one.
 */
export function isBotProtectionPage(
  status: number,
  contentType: string | null,
  body: string,
): boolean {
  if (status !== 403) return false;
  return (
    /text\/html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(body)
  );
}
