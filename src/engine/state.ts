import fs from 'node:fs';
import path from 'node:path';

import { pruneEmptyDirs, writeFileAtomic } from '../core/fs-util.js';
import { STATE_DIR } from '../core/paths.js';

/**
 * What apply recorded about a skill in the target. Remove never needs it (it
 * works from detection alone), but with it remove can do better: keep template
 * files the user changed, and restore package-lock.json byte for byte. The
 * skill's hooks keep their own top-level keys beside these (SkillMemory).
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
  /**
   * Template paths where the target had a file of its own that apply --force
   * replaced; its bytes are kept (originalFilePath) and remove puts them back.
   */
  originals?: string[];
  /** Folders apply's steps created outside the plan (the build output): remove deletes them. */
  createdPaths?: string[];
  /**
   * apply created data/env/env (a copy of .env) where there was none. Remove
   * deletes it again while .env is as it was before apply (its sha256; null:
   * there was no .env); once .env holds more, its copy is in use and stays.
   */
  containerEnvCreated?: { envBefore: string | null };
}

/** The engine's own keys of a state: a skill's memory may not use them. */
export const ENGINE_STATE_KEYS: readonly string[] = [
  'skill',
  'version',
  'toolVersion',
  'appliedAt',
  'templates',
  'installed',
  'originals',
  'createdPaths',
  'containerEnvCreated',
];

/** The state file, relative to the target. */
export function stateFilePath(skill: string): string {
  return `${STATE_DIR}/${skill}.json`;
}

function stateFile(root: string, skill: string): string {
  return path.join(root, stateFilePath(skill));
}

/** Where the target's own version of a template file, replaced by apply --force, is kept (relative). */
export function originalFilePath(skill: string, file: string): string {
  return `${STATE_DIR}/${skill}/originals/${file}`;
}

/** The target's own bytes of a template file apply replaced, as text; undefined when none were kept. */
export function readOriginal(
  root: string,
  state: SkillState | undefined,
  file: string,
): string | undefined {
  if (!state?.originals?.includes(file)) return undefined;
  const saved = path.join(root, originalFilePath(state.skill, file));
  return fs.existsSync(saved) ? fs.readFileSync(saved, 'utf8') : undefined;
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

/** Change some fields of an existing state (none: nothing to record into). */
export function updateState(
  root: string,
  skill: string,
  update: (state: SkillState) => Partial<SkillState>,
): void {
  const state = readState(root, skill);
  if (state) writeState(root, { ...state, ...update(state) });
}
