import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { toPosix } from './paths.js';

export function sha256(content: string | Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

/**
 * Folders never walked: dependencies, git, and runtime data a running
 * NanoClaw may write to while we work (its files are not ours to judge).
 */
const UNWALKED_DIRS = new Set([
  'node_modules',
  '.git',
  '.nanoclaw',
  'data',
  'store',
  'logs',
  'groups',
  'coverage',
]);

/**
 * A file's text, or null when no file is there (nothing, or a folder). A
 * file that is there but cannot be read throws.
 */
export function readFileIfPresent(file: string): string | null {
  let isFile: boolean;
  try {
    isFile = fs.statSync(file).isFile();
  } catch {
    return null;
  }
  return isFile ? fs.readFileSync(file, 'utf8') : null;
}

/**
 * Every file under root (posix, relative to root, sorted), skipping the
 * folders named in `skipped` (a target's: UNWALKED_DIRS) at any depth; only
 * those under `within` when it is given.
 */
export function listFiles(
  root: string,
  within = '',
  skipped: ReadonlySet<string> = UNWALKED_DIRS,
): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (skipped.has(entry.name)) continue;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(absolute);
      else if (entry.isFile())
        files.push(toPosix(path.relative(root, absolute)));
    }
  };
  walk(path.join(root, within));
  return files.sort();
}

/** Remove now-empty folders from `relativeDir` upwards, never removing root itself. */
export function pruneEmptyDirs(root: string, relativeDir: string): void {
  let dir = path.join(root, relativeDir);
  const stop = path.resolve(root);
  while (path.resolve(dir) !== stop && dir.startsWith(stop)) {
    try {
      if (fs.readdirSync(dir).length > 0) return;
      fs.rmdirSync(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}

/** Write a file via a temp file and rename, so a crash never leaves half a file. */
export function writeFileAtomic(file: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = atomicTempFile(file);
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    mode = undefined;
  }
  try {
    fs.writeFileSync(temp, content, mode === undefined ? {} : { mode });
    fs.renameSync(temp, file);
  } catch (err) {
    // A failed write (an immutable target, a full disk) leaves no temp file behind.
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // The folder itself refuses changes: there is no temp file either.
    }
    throw err;
  }
}

/** The temp file writeFileAtomic uses for `file` in process `pid`. */
export function atomicTempFile(file: string, pid = process.pid): string {
  return `${file}.${pid}.tmp`;
}
