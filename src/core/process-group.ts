/**
 * Stopping a program together with everything it started. npm run build runs
 * a shell that runs tsc: signalling npm alone lets tsc finish and write into
 * dist/ after a rollback restored it. Each command therefore runs as the
 * leader of its own process group (POSIX), and is stopped as a group.
 */
import fs from 'node:fs';

/** Windows has no process groups to signal; there a command is stopped alone. */
export const usesProcessGroups = process.platform !== 'win32';

/** Time a group gets to exit after SIGTERM before it is killed. */
const GRACE_MS = 3_000;
/** Time to wait for a killed group to be gone. */
const KILLED_WAIT_MS = 2_000;
const POLL_MS = 25;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Kill a group at once, without waiting: for when the process itself exits. */
export function killGroupNow(pgid: number): void {
  if (usesProcessGroups && pgid > 0) signalGroup(pgid, 'SIGKILL');
}

/**
 * A group member that is not a zombie, read from /proc where there is one.
 * A zombie (a finished child nobody reaped yet, e.g. under a container's
 * init that does not reap) still counts for kill(), but can write nothing.
 */
function hasLiveMember(pgid: number): boolean {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true; // No /proc: trust kill().
  }
  return pids.some((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the command name in parentheses: state, ppid, pgrp.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false; // Exited while we looked.
    }
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return hasLiveMember(pgid);
}

/** Resolves true once the group is gone, false when `ms` passed first. */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/** SIGTERM the group, SIGKILL what is left after a grace period, and wait until it is gone. */
export async function stopProcessGroup(pgid: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  if (await groupGone(pgid, GRACE_MS)) return;
  signalGroup(pgid, 'SIGKILL');
  await groupGone(pgid, KILLED_WAIT_MS);
}

/** A process's start time (clock ticks since boot, from /proc), or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; fields counted after the command name in parentheses start at 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Stop a group an earlier, killed run left running, when it is still that
 * one: its leader alive with the same start time, or the leader gone while
 * members live on (Linux hands out no pid still in use as a group id). Where
 * that cannot be told (no /proc), the group is left alone.
 */
export async function stopLeftoverGroup(
  pgid: number,
  startTime: string | undefined,
): Promise<boolean> {
  if (!usesProcessGroups || !startTime || !fs.existsSync('/proc/self/stat')) {
    return false;
  }
  if (!groupAlive(pgid)) return false;
  const leaderStart = processStartTime(pgid);
  if (leaderStart !== undefined && leaderStart !== startTime) return false;
  await stopProcessGroup(pgid);
  return true;
}
