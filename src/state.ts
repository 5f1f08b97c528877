import fs from 'node:fs';
import path from 'node:path';

import { pruneEmptyDirs, writeFileAtomic } from './fs-util.js';
import { STATE_DIR } from './paths.js';

/**
 * What apply recorded about a skill in the target. Remove never needs it (it
 * works from detection alone), but with it remove can do better: keep template
 * files the user changed, and restore package-lock.json byte for byte.
 */
export interface SkillState {
  skill: string;
  version: string;
  toolVersion: string;
  appliedAt: string;
  /** sha256 of each template file as written. */
  templates: Record<string, string>;
  /** sha256 of package.json / package-lock.json right after install, when known. */
  installed?: { packageJson?: string; packageLock?: string };
  /** The provider line in .env before apply changed it (null: there was none). */
  previousProvider?: string | null;
  /** Other .env lines apply set (e.g. the chosen model), as they were before (null: none). */
  previousEnv?: Record<string, string | null>;
  /** apply created .env (to hold the provider line): remove may delete it again. */
  createdEnvFile?: boolean;
}

function stateFile(root: string, skill: string): string {
  return path.join(root, STATE_DIR, `${skill}.json`);
}

/** Folder for larger saved originals, e.g. the pre-install package-lock.json. */
export function stateBlobPath(
  root: string,
  skill: string,
  name: string,
): string {
  return path.join(root, STATE_DIR, skill, name);
}

export function readState(root: string, skill: string): SkillState | undefined {
  const file = stateFile(root, skill);
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SkillState;
  } catch {
    // A damaged record is ignored: remove falls back to detection alone.
    return undefined;
  }
}

export function writeState(root: string, state: SkillState): void {
  writeFileAtomic(
    stateFile(root, state.skill),
    JSON.stringify(state, null, 2) + '\n',
  );
}

export function deleteState(root: string, skill: string): void {
  fs.rmSync(stateFile(root, skill), { force: true });
  fs.rmSync(path.join(root, STATE_DIR, skill), {
    recursive: true,
    force: true,
  });
  pruneEmptyDirs(root, STATE_DIR);
}
