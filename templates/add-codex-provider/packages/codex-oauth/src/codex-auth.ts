/**
 * CodexAuth: sign in once, then hand out access tokens that are refreshed
 * before they expire, one refresh at a time across threads of work and processes.
 */
import path from 'node:path';

import { openInBrowser } from './browser.js';
import { startCallbackServer } from './callback-server.js';
import {
  callbackPortsFor,
  CLIENT_ID,
  DEFAULT_LOGIN_TIMEOUT_MS,
  DEFAULT_PORT,
  FALLBACK_PORT,
  isRegisteredPort,
  LOGIN_COMMAND,
  redirectUriFor,
  REFRESH_MARGIN_MS,
  resolveIssuer,
  resolvePort,
  resolveTimeout,
} from './config.js';
import { pollDeviceGrant, requestDeviceCode } from './device-flow.js';
import { CodexAuthError } from './errors.js';
import { withFileLock } from './file-lock.js';
import { maskAccountId } from './mask.js';
import { buildAuthorizeUrl, exchangeCode, refreshTokens } from './oauth.js';
import { listenForPaste, type PastedAnswer } from './paste.js';
import { createPkce, createState } from './pkce.js';
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

export interface CodexLoginOptions {
  /** Print the sign-in URL without trying to open a browser. */
  noBrowser?: boolean;
  /** Sign in with a code typed at {issuer}/codex/device instead of a redirect. */
  deviceAuth?: boolean;
  /** Also accept the final redirect URL pasted on the input (always on when the input is a TTY). */
  paste?: boolean;
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
        : await this.browserLogin(options, deadline.signal);
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

  private async browserLogin(
    options: CodexLoginOptions,
    signal: AbortSignal,
  ): Promise<StoredTokens> {
    const issuer = resolveIssuer(this.issuerOption);
    const pkce = createPkce();
    const state = createState();
    const port = resolvePort(this.portOption);
    if (!isRegisteredPort(port)) this.warnUnregisteredPort(port);
    const server = await startCallbackServer({
      ports: callbackPortsFor(port),
      state,
      onIgnored: (reason) =>
        this.say(`${reason} Still waiting for the sign-in...`),
    });
    const acceptPaste =
      options.paste || (this.input as { isTTY?: boolean }).isTTY === true;
    const paste = acceptPaste
      ? listenForPaste(this.input, () =>
          this.say(
            'That is not a sign-in address or code. Paste the whole address from the browser, then press Enter.',
          ),
        )
      : undefined;
    try {
      const url = buildAuthorizeUrl({
        issuer,
        clientId: this.clientId,
        redirectUri: server.redirectUri,
        codeChallenge: pkce.challenge,
        state,
      });
      this.say(
        'Sign in with your ChatGPT account to use Codex. Open this link in a browser:',
      );
      this.say(url); // alone on its line, so scripts and people on other machines can take it
      const opened = !options.noBrowser && (await openInBrowser(url));
      this.say(
        opened
          ? 'Your browser should now show the sign-in page.'
          : 'Open the link above in a browser on this machine.',
      );
      if (paste) {
        this.say(
          'Browser on another machine? After signing in, its last page fails to load: copy that address from the address bar, paste it here and press Enter.',
        );
      }
      this.say(
        `Waiting for the sign-in (callback on http://localhost:${server.port})...`,
      );

      const waits: Promise<string>[] = [server.code, rejectOnAbort(signal)];
      if (paste)
        waits.push(paste.answer.then((answer) => codeFromPaste(answer, state)));
      const code = await Promise.race(waits);

      try {
        const tokens = await exchangeCode({
          issuer,
          clientId: this.clientId,
          code,
          redirectUri: server.redirectUri,
          codeVerifier: pkce.verifier,
        });
        // Saved before the browser is told "signed in", so that page never lies.
        await writeTokens(this.tokenFile, tokens);
        server.finish({ ok: true });
        return tokens;
      } catch (err) {
        server.finish({ ok: false, message: (err as Error).message });
        throw err;
      }
    } finally {
      paste?.stop();
      server.close();
    }
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

  /** Only the two registered redirect URIs work with OpenAI's sign-in page; say so before it fails. */
  private warnUnregisteredPort(port: number): void {
    const source =
      this.portOption !== undefined ? 'the port option' : 'CODEX_OAUTH_PORT';
    this.say(
      `Warning: callback port ${port} (set by ${source}) is neither ${DEFAULT_PORT} nor ${FALLBACK_PORT}, the only ports OpenAI's sign-in page sends Codex logins back to, ` +
        `so it will likely refuse the redirect URI ${redirectUriFor(port)}. Leave the port unset unless your issuer accepts that address.`,
    );
  }

  private say(line: string): void {
    this.output.write(`${line}\n`);
  }
}

function isFresh(tokens: StoredTokens): boolean {
  return tokens.expiresAt - Date.now() > REFRESH_MARGIN_MS;
}

function codeFromPaste(answer: PastedAnswer, state: string): string {
  if (answer.error) {
    throw new CodexAuthError(
      answer.error === 'access_denied' ? 'access_denied' : 'token_endpoint',
      `The sign-in was not completed: ${answer.error}. Run the login again to retry.`,
    );
  }
  if (answer.state !== undefined && answer.state !== state) {
    throw new CodexAuthError(
      'state_mismatch',
      'The pasted address does not belong to this login (state mismatch). Paste the address from the newest sign-in link, or run the login again.',
    );
  }
  return answer.code as string;
}

/** A signal that aborts with a timeout error after `ms`; never, when `ms` is undefined. */
function abortAfter(ms: number | undefined): {
  signal: AbortSignal;
  cancel(): void;
} {
  const controller = new AbortController();
  if (ms === undefined) return { signal: controller.signal, cancel() {} };
  const timer = setTimeout(
    () =>
      controller.abort(
        new CodexAuthError(
          'timeout',
          `No sign-in arrived within ${describeDuration(ms)}, so the login was stopped. Run it again when you are ready.`,
        ),
      ),
    ms,
  );
  return { signal: controller.signal, cancel: () => clearTimeout(timer) };
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), {
      once: true,
    });
  });
}

function describeDuration(ms: number): string {
  if (ms % 60_000 === 0)
    return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} seconds`;
  return `${ms} ms`;
}
