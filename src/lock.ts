import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from './errors.js';
import { pruneEmptyDirs } from './fs-util.js';
import { STATE_DIR } from './paths.js';

/**
 * Hold the target's lock while a run changes it, so two runs never interleave.
 * A crashed run's lock goes stale on its own after `stale` milliseconds.
 */
export async function withTargetLock<T>(
  root: string,
  action: () => Promise<T>,
): Promise<T> {
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
