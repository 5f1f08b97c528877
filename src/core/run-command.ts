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

let execaModule: Promise<typeof import('execa')> | undefined;

/**
 * execa, imported once. Call it early (apply does, while the codemod worker
 * runs) so that the first command does not wait for the import.
 */
export function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}

/** Why a sibling's failure stopped a command, as the AbortController was told. */
function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return typeof reason === 'string' ? reason : 'stopped';
}

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
    /**
     * Stops this command (its whole group) when aborted: a sibling that runs
     * at the same time failed. The command then fails, once all of it is gone.
     */
    signal?: AbortSignal;
    /** How the command is shown in a failure; `file args` by default. */
    shown?: string;
  },
): Promise<CommandResult> {
  const command = `\`${options.shown ?? [file, ...args].join(' ')}\` in ${options.cwd}`;
  const { signal } = options;
  const notStarted = () =>
    interrupting
      ? new SkillError(`${options.what} was not started: interrupted.`)
      : signal?.aborted
        ? new SkillError(
            `${options.what} was not started: ${abortReason(signal)}.`,
          )
        : undefined;
  const early = notStarted();
  if (early) throw early;
  const { execa } = await loadExeca();
  // Checked again after the await: an interrupt that came meanwhile has
  // already stopped what was running, and would not see this command.
  const late = notStarted();
  if (late) throw late;
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
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    void entry.stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  running.add(entry);
  if (entry.pid) watcher?.started(entry.pid);
  const result = await subprocess.finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  });
  // The leader may exit before the rest of its group: a stopped command is
  // over only when all of it is gone (it could still write into dist/).
  if (stopped) await stopped;
  running.delete(entry);
  if (entry.pid) watcher?.ended(entry.pid);
  const output = result.all ?? '';
  if (result.failed || timedOut || aborted) {
    const reason = timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : interrupting
        ? 'was stopped: interrupted'
        : aborted && signal
          ? `was stopped: ${abortReason(signal)}`
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
