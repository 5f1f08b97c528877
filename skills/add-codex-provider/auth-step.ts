import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../../src/api/index.js';

export type AuthStatus = 'already_authenticated' | 'authenticated' | 'failed';

export interface AuthOutcome {
  status: AuthStatus;
  error?: string;
  /** Every KEY=value line of the step's status block. */
  fields: Record<string, string>;
}

export interface AuthRunOptions {
  step: string;
  reauth?: boolean;
  deviceAuth?: boolean;
  /** Open the sign-in URL with the `open` package (else the user follows the printed URL). */
  browser?: boolean;
  /** More flags for the step, e.g. --no-model-prompt. */
  extraArgs?: string[];
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

/** The `KEY=value` lines of NanoClaw's status blocks (=== NANOCLAW SETUP: ... === to === END ===). */
export function statusFields(output: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let inBlock = false;
  for (const line of output.split(/\r?\n/)) {
    if (/^=== NANOCLAW SETUP: .* ===$/.test(line)) inBlock = true;
    else if (line === '=== END ===') inBlock = false;
    else if (inBlock) {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (match) fields[match[1]] = match[2].trim();
    }
  }
  return fields;
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
  args.push(...(options.extraArgs ?? []));
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
  // The status block is for us to parse; the user sees what it means instead.
  let inStatusBlock = false;
  const onLine = (line: string) => {
    if (/^=== NANOCLAW SETUP: .* ===$/.test(line)) inStatusBlock = true;
    const hidden = inStatusBlock;
    if (line === '=== END ===') inStatusBlock = false;
    if (hidden) return;
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

  const fields = statusFields(output);
  const status = fields.AUTH_STATUS as AuthStatus | undefined;
  if (status === 'authenticated' || status === 'already_authenticated')
    return { status, fields };
  return {
    status: 'failed',
    error:
      fields.ERROR ??
      `the setup step exited with code ${result.exitCode} without an AUTH_STATUS`,
    fields,
  };
}

export interface LiveCheck {
  ok: boolean;
  model?: string;
  firstTokenMs?: number;
  error?: string;
  fix?: string;
}

/**
 * Run the sign-in step's live check (`--check`): it signs nothing in, fetches
 * the model catalog with the stored sign-in and streams one tiny answer.
 */
export async function runLiveCheck(
  root: string,
  step: string,
  env?: NodeJS.ProcessEnv,
): Promise<LiveCheck> {
  const { execa } = await import('execa');
  const result = await execa(
    tsxBin(root),
    ['setup/index.ts', '--step', step, '--check'],
    { cwd: root, env, stdin: 'ignore', reject: false, timeout: 90_000 },
  );
  const fields = statusFields(String(result.stdout));
  if (!fields.LIVE_CHECK) {
    return {
      ok: false,
      error: `the setup step printed no LIVE_CHECK (exit code ${result.exitCode}${result.timedOut ? ', timed out' : ''})`,
      fix: `run \`npx tsx setup/index.ts --step ${step} --check\` in ${root} to see its output`,
    };
  }
  const ms = Number(fields.FIRST_TOKEN_MS);
  return {
    ok: fields.LIVE_CHECK === 'ok',
    model: fields.LIVE_MODEL || undefined,
    firstTokenMs: Number.isFinite(ms) && fields.FIRST_TOKEN_MS ? ms : undefined,
    error: fields.LIVE_ERROR || undefined,
    fix: fields.LIVE_FIX || undefined,
  };
}
