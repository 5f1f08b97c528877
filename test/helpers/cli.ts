import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { sampleEnv } from './sample.js';

export const TOOL_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
const BIN = path.join(TOOL_ROOT, 'dist', 'scripts');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run a built CLI (apply-skill, remove-skill, ...) as a user would, without a TTY. */
export async function runCli(
  name: 'apply-skill' | 'remove-skill' | 'skill-status' | 'skill-doctor',
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<CliRun> {
  const result = await execa('node', [path.join(BIN, `${name}.js`), ...args], {
    cwd: options.cwd ?? TOOL_ROOT,
    env: { ...sampleEnv(), CI: '1', NO_COLOR: '1', ...options.env },
    extendEnv: false,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    reject: false,
    // Keep output verbatim: a patch without its final newline is corrupt.
    stripFinalNewline: false,
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** Flags for a run that touches only files: no npm, tsc, login or restart. */
export const FILES_ONLY = [
  '--yes',
  '--skip-install',
  '--skip-build',
  '--skip-auth',
  '--no-restart',
];

/** The same for remove-skill, which has no sign-in step. */
export const REMOVE_FILES_ONLY = [
  '--yes',
  '--skip-install',
  '--skip-build',
  '--no-restart',
];
