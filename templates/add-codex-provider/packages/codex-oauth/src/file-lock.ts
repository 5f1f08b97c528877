/**
 * A lock between processes: a file created with O_EXCL next to the token file.
 * Refresh tokens rotate, so two processes refreshing with the same one would
 * get the second refused as "reused"; the lock makes them take turns.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';

import { CodexAuthError } from './errors.js';

/** A lock older than this was left by a process that died mid-refresh. */
export const STALE_LOCK_MS = 30_000;
const POLL_MS = 100;

export async function withFileLock<T>(
  lockFile: string,
  work: () => Promise<T>,
): Promise<T> {
  const owner = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  await acquire(lockFile, owner);
  try {
    return await work();
  } finally {
    await release(lockFile, owner);
  }
}

async function acquire(lockFile: string, owner: string): Promise<void> {
  const giveUpAt = Date.now() + 2 * STALE_LOCK_MS;
  for (;;) {
    try {
      await fs.writeFile(lockFile, owner, { flag: 'wx', mode: 0o600 });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = await lockAge(lockFile);
    if (age !== undefined && age > STALE_LOCK_MS) {
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > giveUpAt) {
      throw new CodexAuthError(
        'locked',
        `Another process keeps ${lockFile} locked while refreshing Codex tokens. If no NanoClaw process is running, delete that file.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function lockAge(lockFile: string): Promise<number | undefined> {
  try {
    return Date.now() - (await fs.stat(lockFile)).mtimeMs;
  } catch {
    return undefined; // released between our attempt and the stat: just try again
  }
}

async function release(lockFile: string, owner: string): Promise<void> {
  try {
    // Only remove our own lock: after a stale takeover it may belong to someone else.
    if ((await fs.readFile(lockFile, 'utf8')) === owner)
      await fs.unlink(lockFile);
  } catch {
    // Already gone.
  }
}
