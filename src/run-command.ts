import { SkillError } from './errors.js';
import {
  killGroupNow,
  stopProcessGroup,
  usesProcessGroups,
} from './process-group.js';

export interface CommandResult {
  output: string;
}

/** How many trailing lines of a failed command's output to show the user. */
const TAIL_LINES = 25;

function tail(text: string): string[] {
  return text.trimEnd().split(/\r?\n/).slice(-TAIL_LINES);
}

/** A program started by runCommand that has not finished yet. */
interface Running {
  pid: number;
  /** Stops it (and, where possible, everything it started); resolves once all of it is gone. */
  stop(): Promise<void>;
}

const running = new Set<Running>();
let interrupting = false;

/** Told when a command starts and ends: the journal records running groups. */
export interface CommandWatcher {
  started(pid: number): void;
  ended(pid: number): void;
}
let watcher: CommandWatcher | undefined;

export function watchCommands(next: CommandWatcher | undefined): void {
  watcher = next;
}

/**
 * Stop every program runCommand started (npm, and the tsc npm started), and
 * wait until they are all gone: a rollback that ran while tsc still writes
 * into dist/ would be undone by it. Later runCommand calls fail at once.
 */
export async function stopRunningCommands(): Promise<void> {
  interrupting = true;
  await Promise.all([...running].map((command) => command.stop()));
}

// A run that ends any other way (an uncaught error) must not leave builds behind.
process.once('exit', () => {
  for (const command of running) killGroupNow(command.pid);
});

/**
 * Run a program in the target, capturing its output; a failure becomes a
 * SkillError that names the command, the folder and the end of the output.
 * The program gets a process group of its own, so that stopping it stops its
 * children too (npm run build starts a shell, which starts tsc).
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
  const command = `\`${[file, ...args].join(' ')}\` in ${options.cwd}`;
  if (interrupting) {
    throw new SkillError(`${options.what} was not started: interrupted.`);
  }
  const { execa } = await import('execa');
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    all: true,
    reject: false,
    stdin: 'ignore',
    detached: usesProcessGroups,
    // Without a group of its own, execa kills the program when we exit.
    cleanup: !usesProcessGroups,
  });
  let stopped: Promise<void> | undefined;
  const entry: Running = {
    pid: subprocess.pid ?? 0,
    stop: () =>
      (stopped ??=
        usesProcessGroups && subprocess.pid
          ? stopProcessGroup(subprocess.pid)
          : Promise.resolve(void subprocess.kill())),
  };
  let timedOut = false;
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        void entry.stop();
      }, options.timeoutMs)
    : undefined;
  running.add(entry);
  if (entry.pid) watcher?.started(entry.pid);
  const result = await subprocess.finally(() => {
    clearTimeout(timer);
    running.delete(entry);
    if (entry.pid) watcher?.ended(entry.pid);
  });
  const output = result.all ?? '';
  if (result.failed || timedOut) {
    const reason = timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : interrupting
        ? 'was stopped: interrupted'
        : result.exitCode !== undefined
          ? `exited with code ${result.exitCode}`
          : (result.originalMessage ?? result.shortMessage);
    throw new SkillError(`${options.what} failed: ${command} ${reason}.`, {
      file: options.cwd,
      details: tail(output),
    });
  }
  return { output };
}
