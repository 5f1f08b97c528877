import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../errors.js';

export type AuthStatus = 'already_authenticated' | 'authenticated' | 'failed';

export interface AuthOutcome {
  status: AuthStatus;
  error?: string;
}

export interface AuthRunOptions {
  step: string;
  reauth?: boolean;
  deviceAuth?: boolean;
  /** Open the sign-in URL with the `open` package (else the user follows the printed URL). */
  browser?: boolean;
  /** Where the step's own output goes (the user must see the URL). */
  echo: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The URL lines worth opening: the authorize page or the device-code page. */
function signInUrl(line: string): string | undefined {
  const trimmed = line.trim();
  if (!/^https?:\/\/\S+$/.test(trimmed)) return undefined;
  return /\/oauth\/authorize\?|\/codex\/device/.test(trimmed)
    ? trimmed
    : undefined;
}

/** Read `KEY=value` lines of NanoClaw's status block. */
function statusField(output: string, key: string): string | undefined {
  const match = new RegExp(`^${key}=(.*)$`, 'm').exec(output);
  return match?.[1]?.trim();
}

function tsxBin(root: string): string {
  const bin = path.join(root, 'node_modules', '.bin', 'tsx');
  if (!fs.existsSync(bin)) {
    throw new SkillError(
      'tsx is not installed in the target, so the setup step cannot run.',
      {
        file: bin,
        hint: 'Run `npm install` in your NanoClaw folder, then retry.',
      },
    );
  }
  return bin;
}

/**
 * Run NanoClaw's setup step (`tsx setup/index.ts --step NAME`) with the user's
 * terminal on stdin (for pasting a redirect URL), echoing its output and
 * opening the sign-in URL it prints. The step never opens a browser itself
 * (--no-browser): we do, through `open`, without a shell.
 */
export async function runAuthStep(
  root: string,
  options: AuthRunOptions,
): Promise<AuthOutcome> {
  const args = ['setup/index.ts', '--step', options.step, '--no-browser'];
  if (options.reauth) args.push('--reauth');
  if (options.deviceAuth) args.push('--device-auth');
  const [{ execa }, { default: open }] = await Promise.all([
    import('execa'),
    import('open'),
  ]);
  const child = execa(tsxBin(root), args, {
    cwd: root,
    env: options.env,
    stdin: 'inherit',
    stderr: 'pipe',
    stdout: 'pipe',
    reject: false,
    lines: false,
  });

  let output = '';
  let opened = false;
  let pending = '';
  const onLine = (line: string) => {
    options.echo(line);
    const url = signInUrl(line);
    if (url && !opened && options.browser !== false) {
      opened = true;
      open(url).catch(() =>
        options.echo(
          '(Could not open a browser: open the URL above yourself.)',
        ),
      );
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split(/\r?\n/))
      if (line) options.echo(line);
  });
  const result = await child;
  if (pending) onLine(pending);

  const status = statusField(output, 'AUTH_STATUS') as AuthStatus | undefined;
  if (status === 'authenticated' || status === 'already_authenticated')
    return { status };
  return {
    status: 'failed',
    error:
      statusField(output, 'ERROR') ??
      `the setup step exited with code ${result.exitCode} without an AUTH_STATUS`,
  };
}
