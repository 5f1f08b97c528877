import { SkillError } from './errors.js';

export interface CommandResult {
  output: string;
}

/** How many trailing lines of a failed command's output to show the user. */
const TAIL_LINES = 25;

function tail(text: string): string[] {
  return text.trimEnd().split(/\r?\n/).slice(-TAIL_LINES);
}

/**
 * Run a program in the target, capturing its output; a failure becomes a
 * SkillError that names the command, the folder and the end of the output.
 */
export async function runCommand(
  file: string,
  args: string[],
  options: {
    cwd: string;
    what: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
  },
): Promise<CommandResult> {
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    all: true,
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs,
  });
  const output = result.all ?? '';
  if (result.failed) {
    const reason = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : result.exitCode !== undefined
        ? `exited with code ${result.exitCode}`
        : (result.originalMessage ?? result.shortMessage);
    throw new SkillError(
      `${options.what} failed: \`${[file, ...args].join(' ')}\` in ${options.cwd} ${reason}.`,
      { file: options.cwd, details: tail(output) },
    );
  }
  return { output };
}
