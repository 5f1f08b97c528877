/**
 * Sign-in in a browser (OAuth authorization code with PKCE): the sign-in page
 * sends the browser back to a callback server on localhost, or, with a browser
 * on another machine, the user pastes the address that page ended on.
 */
import { openInBrowser } from './browser.js';
import { startCallbackServer } from './callback-server.js';
import {
  callbackPortsFor,
  DEFAULT_PORT,
  FALLBACK_PORT,
  isRegisteredPort,
  redirectUriFor,
} from './config.js';
import { rejectOnAbort } from './deadline.js';
import { CodexAuthError } from './errors.js';
import { buildAuthorizeUrl, exchangeCode } from './oauth.js';
import { listenForPaste, type PastedAnswer } from './paste.js';
import { createPkce, createState } from './pkce.js';
import { writeTokens, type StoredTokens } from './token-store.js';

export interface BrowserLoginOptions {
  /** Print the sign-in URL without trying to open a browser. */
  noBrowser?: boolean;
  /** Also accept the final redirect URL pasted on the input (always on when the input is a TTY). */
  paste?: boolean;
}

/** Where the login goes and talks: resolved by CodexAuth. */
export interface BrowserLogin {
  issuer: string;
  clientId: string;
  port: number;
  /** The port came from the caller's option, not from CODEX_OAUTH_PORT (for the warning). */
  portFromOption: boolean;
  tokenFile: string;
  input: NodeJS.ReadableStream;
  say(line: string): void;
}

/** The tokens of a browser sign-in, saved to `login.tokenFile`. */
export async function browserLogin(
  login: BrowserLogin,
  options: BrowserLoginOptions,
  signal: AbortSignal,
): Promise<StoredTokens> {
  const { issuer, clientId, say } = login;
  const pkce = createPkce();
  const state = createState();
  if (!isRegisteredPort(login.port)) warnUnregisteredPort(login);
  const server = await startCallbackServer({
    ports: callbackPortsFor(login.port),
    state,
    onIgnored: (reason) => say(`${reason} Still waiting for the sign-in...`),
  });
  const acceptPaste =
    options.paste || (login.input as { isTTY?: boolean }).isTTY === true;
  const paste = acceptPaste
    ? listenForPaste(login.input, () =>
        say(
          'That is not a sign-in address or code. Paste the whole address from the browser, then press Enter.',
        ),
      )
    : undefined;
  try {
    const url = buildAuthorizeUrl({
      issuer,
      clientId,
      redirectUri: server.redirectUri,
      codeChallenge: pkce.challenge,
      state,
    });
    say(
      'Sign in with your ChatGPT account to use Codex. Open this link in a browser:',
    );
    say(url); // alone on its line, so scripts and people on other machines can take it
    const opened = !options.noBrowser && (await openInBrowser(url));
    say(
      opened
        ? 'Your browser should now show the sign-in page.'
        : 'Open the link above in a browser on this machine.',
    );
    if (paste) {
      say(
        'Browser on another machine? After signing in, its last page fails to load: copy that address from the address bar, paste it here and press Enter.',
      );
    }
    say(
      `Waiting for the sign-in (callback on http://localhost:${server.port})...`,
    );

    const waits: Promise<string>[] = [server.code, rejectOnAbort(signal)];
    if (paste)
      waits.push(paste.answer.then((answer) => codeFromPaste(answer, state)));
    const code = await Promise.race(waits);

    try {
      const tokens = await exchangeCode({
        issuer,
        clientId,
        code,
        redirectUri: server.redirectUri,
        codeVerifier: pkce.verifier,
      });
      // Saved before the browser is told "signed in", so that page never lies.
      await writeTokens(login.tokenFile, tokens);
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

/** Only the two registered redirect URIs work with OpenAI's sign-in page; say so before it fails. */
function warnUnregisteredPort(login: BrowserLogin): void {
  const source = login.portFromOption ? 'the port option' : 'CODEX_OAUTH_PORT';
  login.say(
    `Warning: callback port ${login.port} (set by ${source}) is neither ${DEFAULT_PORT} nor ${FALLBACK_PORT}, the only ports OpenAI's sign-in page sends Codex logins back to, ` +
      `so it will likely refuse the redirect URI ${redirectUriFor(login.port)}. Leave the port unset unless your issuer accepts that address.`,
  );
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
