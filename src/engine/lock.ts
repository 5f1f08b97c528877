import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../core/errors.js';
import { pruneEmptyDirs } from '../core/fs-util.js';
import { STATE_DIR } from '../core/paths.js';

/**
 * A read-only checkout (a read-only bind mount, a mounted image) fails here,
 * before anything is planned to be written, with the real cause: Node's mkdir
 * reports EROFS on a read-only mount as ENOENT.
 */
function assertTargetWritable(root: string): void {
  try {
    fs.accessSync(root, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SkillError(
      code === 'EROFS'
        ? `${root} is on a read-only file system; nothing was changed.`
        : `${root} is not writable (${code}); nothing was changed.`,
      {
        file: root,
        hint: 'Run against a writable checkout (remount it read-write, or fix its permissions). --dry-run works on a read-only one.',
      },
    );
  }
}

/**
 * Hold the target's lock while a run changes it, so two runs never interleave.
 * A crashed run's lock goes stale on its own after `stale` milliseconds.
 */
export async function withTargetLock<T>(
  root: string,
  action: () => Promise<T>,
): Promise<T> {
  assertTargetWritable(root);
  const stateDir = path.join(root, STATE_DIR);
  fs.mkdirSync(stateDir, { recursive: true });
  const lockPath = path.join(stateDir, 'lock');
  let release: () => Promise<void>;
  const { default: lockfile } = await import('proper-lockfile');
  try {
    release = await lockfile.lock(root, {
      lockfilePath: lockPath,
      stale: 30_000,
      retries: 0,
      realpath: false,
    });
  } catch (err) {
    pruneEmptyDirs(root, STATE_DIR);
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new SkillError(
        `Another apply-skill or remove-skill is running on ${root}.`,
        {
          file: path.join(STATE_DIR, 'lock'),
          hint: 'Wait for it to finish. If no other run exists, the lock clears itself within 30 seconds.',
        },
      );
    }
    throw err;
  }
  // An interrupted run exits from its signal handler: leave no lock or empty folder.
  const onExit = () => {
    fs.rmSync(lockPath, { recursive: true, force: true });
    pruneEmptyDirs(root, STATE_DIR);
  };
  process.once('exit', onExit);
  try {
    return await action();
  } finally {
    process.off('exit', onExit);
    await release().catch(() => undefined);
    pruneEmptyDirs(root, STATE_DIR);
  }
}
