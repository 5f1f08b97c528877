#!/usr/bin/env node
/**
 * codex-oauth login | status | logout — exit 0 done, 1 failed, 2 wrong usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { CodexAuth } from './codex-auth.js';
import { CodexAuthError } from './errors.js';
import { defaultTokenFile } from './token-location.js';

const USAGE = `Usage: codex-oauth <command> [options]

Sign in to OpenAI Codex with a ChatGPT Plus/Pro subscription.

Commands:
  login     Sign in through the browser and save the tokens
  status    Show whether you are signed in (exit 1 when not)
  logout    Delete the saved tokens

Options:
  --token-file PATH   Token file (default: $CODEX_TOKEN_FILE, else
                      ~/.config/nanoclaw/codex-tokens.json)
  --no-browser        login: print the sign-in link without opening a browser
  --paste             login: also accept the final browser address pasted on stdin
                      (always on when stdin is a terminal)
  --device-auth       login: sign in by typing a code at the issuer's device page
  -h, --help          Show this help

Environment: CODEX_OAUTH_ISSUER overrides the issuer. CODEX_OAUTH_PORT overrides
the callback port (default 1455, or 1457 when that is busy; OpenAI's sign-in page
accepts no other). CODEX_OAUTH_TIMEOUT_MS overrides how long login waits (default
300000; a device code expires after 15 minutes).
`;

const LOGIN_FLAGS = ['no-browser', 'paste', 'device-auth'] as const;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'token-file': { type: 'string' },
        'no-browser': { type: 'boolean' },
        paste: { type: 'boolean' },
        'device-auth': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (!command) return usageError('No command given.');
  if (extra.length) return usageError(`Unexpected argument "${extra[0]}".`);
  if (command !== 'login') {
    const misplaced = LOGIN_FLAGS.find((flag) => values[flag]);
    if (misplaced) return usageError(`--${misplaced} only applies to login.`);
  }
  if (values['device-auth'] && values.paste) {
    return usageError(
      '--paste has no effect with --device-auth: there is no address to paste.',
    );
  }

  const tokenFile = values['token-file']
    ? path.resolve(values['token-file'])
    : defaultTokenFile();
  const auth = new CodexAuth({ tokenFile });

  switch (command) {
    case 'login':
      await auth.login({
        noBrowser: values['no-browser'],
        deviceAuth: values['device-auth'],
        paste: values.paste,
      });
      return 0;
    case 'status': {
      const status = await auth.status();
      if (!status.loggedIn) {
        console.log(
          `Not signed in: ${tokenFile} does not exist. Run: codex-oauth login`,
        );
        return 1;
      }
      const expiry = new Date(status.expiresAt ?? 0).toISOString();
      console.log(`Signed in to ChatGPT account ${status.accountIdMasked}.`);
      console.log(
        status.expired
          ? `Access token expired at ${expiry}; it is refreshed on next use.`
          : `Access token valid until ${expiry}.`,
      );
      console.log(`Token file: ${tokenFile}`);
      return 0;
    }
    case 'logout': {
      const existed = fs.existsSync(tokenFile);
      await auth.logout();
      console.log(
        existed
          ? `Signed out: deleted ${tokenFile}.`
          : `Already signed out: ${tokenFile} does not exist.`,
      );
      return 0;
    }
    default:
      return usageError(`Unknown command "${command}".`);
  }
}

function usageError(message: string): number {
  process.stderr.write(`codex-oauth: ${message}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message =
      err instanceof CodexAuthError
        ? err.message
        : `Unexpected error: ${String((err as Error)?.stack ?? err)}`;
    process.stderr.write(`codex-oauth: ${message}\n`);
    process.exitCode = 1;
  },
);
