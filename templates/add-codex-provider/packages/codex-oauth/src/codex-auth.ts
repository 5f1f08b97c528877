/**
 * CodexAuth: sign in once, then hand out access tokens that are refreshed
 * before they expire, one refresh at a time across threads of work and processes.
 */
import path from 'node:path';

import { browserLogin, type BrowserLoginOptions } from './browser-login.js';
import {
  CLIENT_ID,
  DEFAULT_LOGIN_TIMEOUT_MS,
  LOGIN_COMMAND,
  REFRESH_MARGIN_MS,
  resolveIssuer,
  resolvePort,
  resolveTimeout,
} from './config.js';
import { abortAfter, rejectOnAbort } from './deadline.js';
import { pollDeviceGrant, requestDeviceCode } from './device-flow.js';
import { CodexAuthError } from './errors.js';
import { withFileLock } from './file-lock.js';
import { maskAccountId } from './mask.js';
import { exchangeCode, refreshTokens } from './oauth.js';
import {
  deleteTokens,
  readTokens,
  writeTokens,
  type StoredTokens,
} from './token-store.js';

export interface CodexAuthOptions {
  /** Where the tokens are kept; usually defaultTokenFile() (~/.config/nanoclaw/codex-tokens.json). */
  tokenFile: string;
  /** Default https://auth.openai.com, or CODEX_OAUTH_ISSUER. */
  issuer?: string;
  /** Callback port; default 1455 (1457 when busy), or CODEX_OAUTH_PORT. */
  port?: number;
  clientId?: string;
  /** Where instructions go; default stdout. Tokens are never written to it. */
  output?: NodeJS.WritableStream;
  /** Where a pasted redirect URL is read from; default stdin. */
  input?: NodeJS.ReadableStream;
}

export interface CodexLoginOptions extends BrowserLoginOptions {
  /** Sign in with a code typed at {issuer}/codex/device instead of a redirect. */
  deviceAuth?: boolean;
  /**
   * Give up after this long, or CODEX_OAUTH_TIMEOUT_MS. Default: 5 minutes in
   * the browser; a device code expires after 15 minutes, and so does its login.
   */
  timeoutMs?: number;
}

export interface CodexLoginResult {
  accountIdMasked: string;
  expiresAt: number;
}

export interface CodexTokens {
  accessToken: string;
  accountId: string;
  expiresAt: number;
}

export interface CodexAuthStatus {
  loggedIn: boolean;
  accountIdMasked?: string;
  expiresAt?: number;
  /** The access token has expired; the next getTokens() refreshes it. */
  expired?: boolean;
  tokenFile: string;
}

/** One refresh per token file at a time in this process; every caller shares its result. */
const refreshesInFlight = new Map<string, Promise<StoredTokens>>();

export class CodexAuth {
  readonly tokenFile: string;
  private readonly issuerOption?: string;
  private readonly portOption?: number;
  private readonly clientId: string;
  private readonly output: NodeJS.WritableStream;
  private readonly input: NodeJS.ReadableStream;

  constructor(options: CodexAuthOptions) {
    this.tokenFile = path.resolve(options.tokenFile);
    // Resolved at use, so a bad CODEX_OAUTH_* value fails the login, not the constructor.
    this.issuerOption = options.issuer;
    this.portOption = options.port;
    this.clientId = options.clientId ?? CLIENT_ID;
    this.output = options.output ?? process.stdout;
    this.input = options.input ?? process.stdin;
  }

  async login(options: CodexLoginOptions = {}): Promise<CodexLoginResult> {
    // The device flow ends itself when its code expires; only an explicit limit shortens it.
    const timeoutMs =
      resolveTimeout(options.timeoutMs) ??
      (options.deviceAuth ? undefined : DEFAULT_LOGIN_TIMEOUT_MS);
    const deadline = abortAfter(timeoutMs);
    let tokens: StoredTokens;
    try {
      tokens = options.deviceAuth
        ? await this.deviceLogin(deadline.signal)
        : await browserLogin(
            {
              issuer: resolveIssuer(this.issuerOption),
              clientId: this.clientId,
              port: resolvePort(this.portOption),
              portFromOption: this.portOption !== undefined,
              tokenFile: this.tokenFile,
              input: this.input,
              say: (line) => this.say(line),
            },
            options,
            deadline.signal,
          );
    } finally {
      deadline.cancel();
    }
    const accountIdMasked = maskAccountId(tokens.accountId);
    this.say(
      `Signed in to ChatGPT account ${accountIdMasked}. Tokens saved to ${this.tokenFile}.`,
    );
    return { accountIdMasked, expiresAt: tokens.expiresAt };
  }

  /** A usable access token, refreshed first when it expires within 5 minutes. */
  async getTokens(): Promise<CodexTokens> {
    let tokens = await this.readSignedIn();
    if (!isFresh(tokens)) tokens = await this.refreshShared();
    return {
      accessToken: tokens.accessToken,
      accountId: tokens.accountId,
      expiresAt: tokens.expiresAt,
    };
  }

  async status(): Promise<CodexAuthStatus> {
    const tokens = await readTokens(this.tokenFile);
    if (!tokens) return { loggedIn: false, tokenFile: this.tokenFile };
    return {
      loggedIn: true,
      accountIdMasked: maskAccountId(tokens.accountId),
      expiresAt: tokens.expiresAt,
      expired: tokens.expiresAt <= Date.now(),
      tokenFile: this.tokenFile,
    };
  }

  /** Forget the sign-in: deletes the token file. */
  async logout(): Promise<void> {
    await deleteTokens(this.tokenFile);
  }

  private async deviceLogin(signal: AbortSignal): Promise<StoredTokens> {
    const issuer = resolveIssuer(this.issuerOption);
    const device = await requestDeviceCode(issuer, this.clientId);
    this.say(
      'Sign in with your ChatGPT account to use Codex. On any device, open:',
    );
    this.say(device.verificationUrl);
    this.say(`and enter this code: ${device.userCode}`);
    this.say('Waiting for the code to be entered...');
    const grant = await Promise.race([
      pollDeviceGrant(issuer, device, signal),
      rejectOnAbort(signal),
    ]);
    const tokens = await exchangeCode({
      issuer,
      clientId: this.clientId,
      code: grant.authorizationCode,
      redirectUri: grant.redirectUri,
      codeVerifier: grant.codeVerifier,
    });
    await writeTokens(this.tokenFile, tokens);
    return tokens;
  }

  private async readSignedIn(): Promise<StoredTokens> {
    const tokens = await readTokens(this.tokenFile);
    if (!tokens) {
      throw new CodexAuthError(
        'not_logged_in',
        `Not signed in to Codex: ${this.tokenFile} does not exist. Sign in with: ${LOGIN_COMMAND}`,
      );
    }
    return tokens;
  }

  private refreshShared(): Promise<StoredTokens> {
    let running = refreshesInFlight.get(this.tokenFile);
    if (!running) {
      running = withFileLock(`${this.tokenFile}.lock`, async () => {
        // Another process may have refreshed while we waited for the lock; its
        // refresh token replaced ours, which the issuer would now refuse as reused.
        const current = await this.readSignedIn();
        if (isFresh(current)) return current;
        let refreshed: StoredTokens;
        try {
          refreshed = await refreshTokens({
            issuer: resolveIssuer(this.issuerOption),
            clientId: this.clientId,
            current,
          });
        } catch (err) {
          // A sign-in that can never refresh again is forgotten, so status() and
          // the setup step see "not signed in" and sign in anew instead of
          // reporting "already authenticated".
          if (err instanceof CodexAuthError && err.code === 'login_required') {
            await deleteTokens(this.tokenFile);
          }
          throw err;
        }
        await writeTokens(this.tokenFile, refreshed);
        return refreshed;
      }).finally(() => refreshesInFlight.delete(this.tokenFile));
      refreshesInFlight.set(this.tokenFile, running);
    }
    return running;
  }

  private say(line: string): void {
    this.output.write(`${line}\n`);
  }
}

function isFresh(tokens: StoredTokens): boolean {
  return tokens.expiresAt - Date.now() > REFRESH_MARGIN_MS;
}
