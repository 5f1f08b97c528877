/**
 * The local server the browser is redirected to after sign-in. It listens on
 * 127.0.0.1 only, takes one good callback, answers a small page and shuts down.
 * A callback without this login's state is answered 400 and ignored, whatever
 * else it carries: any web page can make the browser open a localhost URL.
 * GET /cancel stops it, so a newer login can take the port from a forgotten one.
 */
import http from 'node:http';

import { redirectUriFor } from './config.js';
import { CodexAuthError } from './errors.js';

export interface CallbackServer {
  port: number;
  redirectUri: string;
  /** The authorization code from a callback whose state matched. */
  code: Promise<string>;
  /** Answer the browser that brought the code, then shut down. */
  finish(outcome: { ok: true } | { ok: false; message: string }): void;
  close(): void;
}

const CANCEL_RETRIES = 10;
const CANCEL_RETRY_MS = 200;

export async function startCallbackServer(options: {
  /** Tried in order; see callbackPortsFor(). */
  ports: number[];
  state: string;
  /** Told about each callback that was answered 400 and ignored. */
  onIgnored?: (reason: string) => void;
}): Promise<CallbackServer> {
  let settle!: { resolve(code: string): void; reject(err: Error): void };
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  code.catch(() => {}); // the caller may be waiting on a paste instead; never unhandled
  let pending: http.ServerResponse | undefined;
  let done = false;
  let closed = false;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/cancel') {
      reply(res, 200, 'text/plain', 'codex-oauth login cancelled\n');
      fail(
        new CodexAuthError(
          'cancelled',
          'This login was cancelled because another Codex login started on the same port.',
        ),
      );
      return;
    }
    if (url.pathname !== '/auth/callback') {
      reply(res, 404, 'text/plain', 'Not found\n');
      return;
    }
    if (done) {
      reply(
        res,
        409,
        'text/html',
        page(
          'Already finished',
          'This sign-in has already been handled. You can close this tab.',
        ),
      );
      return;
    }
    // State first: only the sign-in page this login sent the user to knows it,
    // so nothing else may end the login, not even with an error.
    if (url.searchParams.get('state') !== options.state) {
      const message =
        'This answer does not belong to the running login (state mismatch), so it was ignored.';
      reply(
        res,
        400,
        'text/html',
        page('Sign-in not accepted', `${message} Use the newest sign-in link.`),
      );
      options.onIgnored?.(message);
      return;
    }
    const error = url.searchParams.get('error');
    if (error) {
      const description = url.searchParams.get('error_description');
      const message = `The sign-in was not completed: ${error}${description ? ` (${description})` : ''}.`;
      reply(res, 400, 'text/html', page('Sign-in failed', message));
      fail(
        new CodexAuthError(
          error === 'access_denied' ? 'access_denied' : 'token_endpoint',
          `${message} Run the login again to retry.`,
        ),
      );
      return;
    }
    const value = url.searchParams.get('code');
    if (!value) {
      reply(
        res,
        400,
        'text/html',
        page('Sign-in failed', 'The sign-in page sent no authorization code.'),
      );
      fail(
        new CodexAuthError(
          'token_endpoint',
          'The sign-in page redirected back without an authorization code. Run the login again.',
        ),
      );
      return;
    }
    done = true;
    pending = res;
    settle.resolve(value);
  });

  function fail(err: CodexAuthError): void {
    done = true;
    settle.reject(err);
    close();
  }

  function close(): void {
    if (closed) return;
    closed = true;
    server.close();
    // Browsers keep connections alive; without this close() would wait for them.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  }

  const port = await bindFirstFree(server, options.ports);
  return {
    port,
    redirectUri: redirectUriFor(port),
    code,
    finish(outcome) {
      if (pending) {
        if (outcome.ok) {
          reply(
            pending,
            200,
            'text/html',
            page(
              'Signed in',
              'Codex is signed in to your ChatGPT account. You can close this tab.',
            ),
          );
        } else {
          reply(
            pending,
            500,
            'text/html',
            page('Sign-in failed', outcome.message),
          );
        }
        pending = undefined;
      }
      done = true;
      close();
    },
    close() {
      done = true;
      if (pending) {
        reply(
          pending,
          500,
          'text/html',
          page('Sign-in failed', 'The login ended before this answer arrived.'),
        );
        pending = undefined;
      }
      close();
    },
  };
}

/** Listen on the first port that is free, or can be freed from an older login of ours. */
async function bindFirstFree(
  server: http.Server,
  ports: number[],
): Promise<number> {
  for (const port of ports) {
    if (await bindOrTakeOver(server, port)) return port;
  }
  throw portsBusy(ports);
}

/**
 * Listen on the port; if it is busy, ask whoever holds it to /cancel (an older
 * login of ours stops) and retry briefly.
 */
async function bindOrTakeOver(
  server: http.Server,
  port: number,
): Promise<boolean> {
  if (await listen(server, port)) return true;
  if (!(await askToCancel(port))) return false;
  for (let attempt = 0; attempt < CANCEL_RETRIES; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, CANCEL_RETRY_MS));
    if (await listen(server, port)) return true;
  }
  return false;
}

function portsBusy(ports: number[]): CodexAuthError {
  const [first] = ports;
  const which =
    ports.length === 1
      ? `Port ${first} on 127.0.0.1 is in use by another program`
      : `Ports ${ports.join(' and ')} on 127.0.0.1 are in use by other programs`;
  const lsof = ports.map((port) => `-i :${port}`).join(' ');
  const grep = ports.length === 1 ? `${first}` : `-E ':(${ports.join('|')})'`;
  return new CodexAuthError(
    'port_busy',
    `${which}, so the sign-in page cannot call back. ` +
      `Find what holds it with \`lsof ${lsof}\` or \`ss -ltnp | grep ${grep}\`, stop it, and run the login again ` +
      '(or use --device-auth, which needs no local port).',
  );
}

function listen(server: http.Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') resolve(false);
      else
        reject(
          new CodexAuthError(
            'port_busy',
            `Cannot listen on 127.0.0.1:${port}: ${err.message}`,
          ),
        );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** True when the holder of the port answered /cancel like a login server. */
function askToCancel(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/cancel', timeout: 1000 },
      (res) => {
        res.resume();
        resolve(res.statusCode !== undefined && res.statusCode < 300);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function reply(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string,
): void {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function page(title: string, message: string): string {
  const escape = (text: string) =>
    text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto">
<h1>${escape(title)}</h1>
<p>${escape(message)}</p>
</body></html>
`;
}
