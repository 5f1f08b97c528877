/**
 * Before anything is written: can every planned write happen? A write that
 * fails half-way through a commit leaves a rollback to clean up after it, and
 * the same cause (an immutable file, a read-only folder) may stop that
 * rollback too. So each path is tried the way the commit will use it: a file
 * to change is opened for writing and its folder must take a new file (the
 * atomic write renames one over it); a new file's nearest existing folder
 * must take a new file. Nothing is changed by trying.
 */
import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../core/errors.js';
import type { FileChange } from './tree.js';

interface Refusal {
  path: string;
  reason: string;
}

const REASONS: Record<string, string> = {
  EPERM: 'may not be changed (immutable or append-only? `lsattr` shows it)',
  EACCES: 'is not writable by you (permission denied)',
  EROFS: 'is on a read-only file system',
  ENOTDIR: 'sits where the skill needs a folder, but is a file',
  EISDIR: 'is a folder where the skill writes a file',
  EBUSY: 'is busy (a mount point?)',
};

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return `${REASONS[code] ?? (err as Error).message} (${code || 'error'})`;
}

/** The nearest folder at or above `dir` that exists (or the first file in the way). */
function nearestExisting(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current)) current = path.dirname(current);
  return current;
}

/** Create and delete a probe file in the folder: what a new file or an atomic write needs. */
function probeFolder(dir: string): void {
  if (!fs.statSync(dir).isDirectory()) {
    throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  }
  const probe = path.join(dir, `.skill-applicator-probe-${process.pid}`);
  fs.closeSync(fs.openSync(probe, 'wx'));
  fs.rmSync(probe, { force: true });
}

/** Open an existing file for writing without changing it. */
function probeFile(file: string): void {
  if (fs.lstatSync(file).isDirectory()) {
    throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
  }
  fs.closeSync(fs.openSync(file, 'r+'));
}

/** Mode bits say read-only: root could write anyway, but the owner said no. */
function readOnlyMode(
  root: string,
  change: FileChange,
): SkillError | undefined {
  const absolute = path.join(root, change.path);
  if (!fs.existsSync(absolute)) return undefined;
  const mode = fs.statSync(absolute).mode;
  if ((mode & 0o222) !== 0) return undefined;
  return new SkillError(
    `${change.path} is read-only (mode ${(mode & 0o777).toString(8)}). Nothing was changed.`,
    {
      file: absolute,
      hint: `Make it writable (chmod u+w ${change.path}) and retry.`,
    },
  );
}

/**
 * Refuse before writing when any planned change, or any of `alsoWritten`
 * (files the run's steps rewrite, e.g. package-lock.json), cannot be written.
 */
export function assertWritable(
  root: string,
  changes: FileChange[],
  alsoWritten: string[] = [],
): void {
  for (const change of changes) {
    const refused = readOnlyMode(root, change);
    if (refused) throw refused;
  }
  const refusals: Refusal[] = [];
  const probedFolders = new Map<string, string | undefined>();
  const tryFolder = (dir: string): string | undefined => {
    if (!probedFolders.has(dir)) {
      try {
        probeFolder(dir);
        probedFolders.set(dir, undefined);
      } catch (err) {
        probedFolders.set(dir, reasonOf(err));
      }
    }
    return probedFolders.get(dir);
  };
  const paths = [
    ...changes.map((c) => c.path),
    ...alsoWritten.filter((file) => fs.existsSync(path.join(root, file))),
  ];
  for (const relative of new Set(paths)) {
    const absolute = path.join(root, relative);
    try {
      if (fs.existsSync(absolute) || isDanglingLink(absolute)) {
        probeFile(absolute);
      }
    } catch (err) {
      refusals.push({ path: relative, reason: reasonOf(err) });
      continue;
    }
    const folder = nearestExisting(path.dirname(absolute));
    const reason = tryFolder(folder);
    if (reason) {
      const shown = path.relative(root, folder) || '.';
      refusals.push({
        path: relative,
        reason: `its folder ${shown}/ ${reason}`,
      });
    }
  }
  if (refusals.length > 0) throw unwritable(root, refusals);
}

function isDanglingLink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function unwritable(root: string, refusals: Refusal[]): SkillError {
  const first = refusals[0];
  return new SkillError(
    `${refusals.length === 1 ? first.path : `${refusals.length} files`} cannot be written: ${refusals.length === 1 ? first.reason : `${first.path} ${first.reason}, and more`}. Nothing was changed.`,
    {
      file: path.join(root, first.path),
      details: refusals.map((r) => `${r.path}: ${r.reason}`),
      hint: 'Make these paths writable (for an immutable file: chattr -i <file>), then retry.',
    },
  );
}
