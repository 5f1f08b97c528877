/**
 * Driving an applied sample NanoClaw as its user does, for the Codex end-to-end
 * tests: one message (`node dist/index.js --prompt`), or a chat session
 * (`--chat`, one message per stdin line) whose follow-ups the host pipes into
 * the running container. The fake `docker` comes first on PATH.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { execa } from 'execa';

import type { FakeContainerRuntime } from './fake-container-runtime.js';
import type { SeededTokens } from './fake-issuer.js';
import { sampleEnv } from './sample.js';

export interface LogEntry {
  level: number;
  msg: string;
  container?: string;
}

export interface HostRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The JSON log lines (stdout and stderr). */
  log: LogEntry[];
  /** What the host said in the chat: the `Andy: ...` lines. */
  said: string[];
  /** The main container's stderr, as the host logged it. */
  containerLog: string[];
}

const read = (file: string) => fs.readFileSync(file, 'utf8');

/** The host's environment: no provider settings of the test runner's own. */
export function hostEnv(
  runtime: FakeContainerRuntime,
  extra: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(sampleEnv()).filter(
      ([key]) => !/^(AGENT_PROVIDER|CODEX_|ANTHROPIC_|CLAUDE_)/.test(key),
    ),
  );
  return {
    ...env,
    PATH: `${runtime.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

function parseRun(exitCode: number, stdout: string, stderr: string): HostRun {
  const log = `${stdout}\n${stderr}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogEntry);
  return {
    exitCode,
    stdout,
    stderr,
    log,
    said: stdout.split('\n').filter((line) => line.startsWith('Andy: ')),
    containerLog: log
      .filter((entry) => entry.container === 'main')
      .map((entry) => entry.msg),
  };
}

/** `node dist/index.js --prompt text` (or another entry, e.g. tsx on src/index.ts). */
export async function runHost(
  dir: string,
  env: NodeJS.ProcessEnv,
  prompt: string,
  entry: string[] = ['node', 'dist/index.js'],
): Promise<HostRun> {
  const [file, ...args] = entry;
  const result = await execa(file, [...args, '--prompt', prompt], {
    cwd: dir,
    env,
    extendEnv: false,
    reject: false,
    timeout: 90_000,
  });
  return parseRun(
    result.exitCode ?? -1,
    String(result.stdout),
    String(result.stderr),
  );
}

export interface ChatSession {
  send(text: string): void;
  /** Resolves once the host's output (stdout or stderr) has a line matching. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  /** Close stdin: the host closes the container and exits. */
  end(): Promise<HostRun>;
}

/** `node dist/index.js --chat`: one chat message per line on stdin. */
export function startChat(dir: string, env: NodeJS.ProcessEnv): ChatSession {
  const child = spawn('node', ['dist/index.js', '--chat'], { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((check) => check());
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    notify();
  });
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code) => resolve(code ?? -1)),
  );
  return {
    send: (text) => child.stdin.write(`${text}\n`),
    waitFor: (pattern, ms = 60_000) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = `${stdout}\n${stderr}`
            .split('\n')
            .find((candidate) => pattern.test(candidate));
          if (line === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the host never printed ${pattern}:\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
            ),
          );
        }, ms);
        waiters.add(check);
        check();
      }),
    end: async () => {
      child.stdin.end();
      return parseRun(await exited, stdout, stderr);
    },
  };
}

export function describeRun(run: HostRun): string {
  return `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

export function writeTokenFile(file: string, tokens: SeededTokens): void {
  const { accessToken, refreshToken, accountId, expiresAt } = tokens;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `${JSON.stringify({ accessToken, refreshToken, accountId, expiresAt }, null, 2)}\n`,
    { mode: 0o600 },
  );
}

/** Append lines to .env and keep data/env/env in step, as NanoClaw's setup does. */
export function addToEnv(dir: string, ...lines: string[]): void {
  const envFile = path.join(dir, '.env');
  const before = fs.existsSync(envFile) ? read(envFile) : '';
  const sep = before && !before.endsWith('\n') ? '\n' : '';
  fs.writeFileSync(envFile, `${before}${sep}${lines.join('\n')}\n`);
  fs.mkdirSync(path.join(dir, 'data', 'env'), { recursive: true });
  fs.copyFileSync(envFile, path.join(dir, 'data', 'env', 'env'));
}

/** Set KEY=value in .env (replacing its line) and sync data/env/env, as a user would. */
export function setEnvLine(dir: string, key: string, value: string): void {
  const envFile = path.join(dir, '.env');
  const text = read(envFile).replace(
    new RegExp(`^${key}=.*$`, 'm'),
    `${key}=${value}`,
  );
  fs.writeFileSync(envFile, text);
  fs.copyFileSync(envFile, path.join(dir, 'data', 'env', 'env'));
}

/** Every regular file under `dir` (symlinks not followed). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const stat = fs.statSync(dir);
  if (stat.isFile()) return [dir];
  // A device such as /dev/null (NanoClaw's .env shadow) holds nothing.
  if (!stat.isDirectory()) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(dir, rel))
    .filter((file) => {
      try {
        return fs.lstatSync(file).isFile();
      } catch {
        return false;
      }
    });
}
