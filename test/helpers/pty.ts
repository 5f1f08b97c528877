/**
 * Run a command in a pseudo-terminal, as a person at a keyboard would: util-linux
 * `script` gives the child a real TTY (so prompts and spinners behave as they do
 * for users) and forwards what we type, Ctrl-C included, through the terminal's
 * line discipline, which turns it into SIGINT for the foreground process.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface PtyRun {
  /** Everything the terminal showed so far (ANSI codes included). */
  output(): string;
  /** Resolve once the screen shows `text` (or reject after `ms`). */
  waitFor(text: string | RegExp, ms?: number): Promise<void>;
  type(keys: string): void;
  /** The exit code once the command ends. */
  exited: Promise<number>;
}

export const CTRL_C = '\x03';
export const ENTER = '\r';

/** The screen text without colours and cursor movement. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

export function ptyAvailable(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function runInPty(
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): PtyRun {
  // A pseudo-terminal starts 0 columns wide, which makes spinners redraw endlessly.
  const command = `stty cols 120 rows 40 2>/dev/null; exec ${argv.map(shellWord).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: options.cwd,
    env: { TERM: 'xterm', COLUMNS: '120', LINES: '40', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    screen += chunk.toString();
    for (const check of [...waiters]) check();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) =>
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1)),
    ),
  );
  return {
    output: () => screen,
    type: (keys) => child.stdin.write(keys),
    exited,
    waitFor: (text, ms = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const matches = () =>
          typeof text === 'string' ? screen.includes(text) : text.test(screen);
        const check = () => {
          if (!matches()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the terminal never showed ${String(text)}; it ended with:\n${plain(screen).slice(-3000)}`,
            ),
          );
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}
