/**
 * Where kept codemod passes live (./pass-cache.ts), and whether a command can
 * have one at all: cheap to ask (no hashing, nothing of the engine loaded), so
 * the CLI asks before it starts the codemod worker (./edit-runner.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

import { cacheDir } from './cache-dir.js';
import type { EditJob } from './edits.js';

export function passCacheEnabled(): boolean {
  return process.env.SKILL_APPLICATOR_PASS_CACHE !== 'off';
}

export function passesDir(): string | undefined {
  const dir = cacheDir();
  return dir && path.join(dir, 'passes');
}

/** The inputs of the latest passes of a skill's apply or remove, whatever their job. */
export function recentFile(
  skill: string,
  operation: EditJob['operation'],
): string {
  return path.join(passesDir() ?? '', `recent-${skill}-${operation}.json`);
}

/**
 * Whether any pass of this skill's apply or remove is kept: without one (the
 * cache off, or never run here) no kept pass can serve the command.
 */
export function anyPassKept(
  skill: string,
  operation: EditJob['operation'],
): boolean {
  return (
    passCacheEnabled() &&
    passesDir() !== undefined &&
    fs.existsSync(recentFile(skill, operation))
  );
}
