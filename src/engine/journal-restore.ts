/** Putting back one journaled file or folder, counting only what really changes. */
import fs from 'node:fs';
import path from 'node:path';

import {
  atomicTempFile,
  listFiles,
  pruneEmptyDirs,
  writeFileAtomic,
} from '../core/fs-util.js';
import type { RollbackReport } from './rollback-report.js';

export interface JournalEntry {
  path: string;
  /** Backup file name under the journal folder; absent when the file did not exist. */
  backup?: string;
}

/** A folder restored whole (build output); no backup: the run created it. */
export interface PreservedDir {
  path: string;
  backup?: string;
}

/** Whether two folders (or files) hold the same bytes; a missing one is empty. */
function sameTree(a: string, b: string | undefined): boolean {
  const isFile = (p: string | undefined) =>
    p !== undefined && fs.existsSync(p) && fs.statSync(p).isFile();
  if (isFile(a) || isFile(b)) {
    return (
      isFile(a) && isFile(b) && fs.readFileSync(a).equals(fs.readFileSync(b!))
    );
  }
  const filesOf = (dir: string | undefined) =>
    dir && fs.existsSync(dir) ? listFiles(dir) : [];
  const left = filesOf(a);
  const right = filesOf(b);
  return (
    left.length === right.length &&
    left.every(
      (file, i) =>
        file === right[i] &&
        fs
          .readFileSync(path.join(a, file))
          .equals(fs.readFileSync(path.join(b!, file))),
    )
  );
}

export function restoreDir(
  root: string,
  backupDir: string,
  preserved: PreservedDir,
  report: RollbackReport,
): void {
  const target = path.join(root, preserved.path);
  const backup = preserved.backup
    ? path.join(backupDir, preserved.backup)
    : undefined;
  if (!sameTree(target, backup)) {
    const isFolder = [target, backup].some(
      (p) => p && fs.existsSync(p) && fs.statSync(p).isDirectory(),
    );
    report.folder(isFolder ? `${preserved.path}/` : preserved.path);
  }
  fs.rmSync(target, { recursive: true, force: true });
  if (backup) {
    fs.cpSync(backup, target, { recursive: true, verbatimSymlinks: true });
  } else {
    pruneEmptyDirs(root, path.dirname(preserved.path));
  }
}

export function restoreEntry(
  root: string,
  backupDir: string,
  entry: JournalEntry,
  report: RollbackReport,
): void {
  const target = path.join(root, entry.path);
  if (entry.backup) {
    const original = fs.readFileSync(path.join(backupDir, entry.backup));
    if (fs.existsSync(target) && fs.readFileSync(target).equals(original)) {
      return;
    }
    writeFileAtomic(target, original);
    report.restored(entry.path);
    return;
  }
  if (fs.existsSync(target)) {
    fs.rmSync(target, { force: true });
    report.deleted(entry.path);
  }
  // Folders made for it, even when the write itself failed.
  pruneEmptyDirs(root, path.dirname(entry.path));
}

/** Temp files a crash of process `pid` left mid-write, next to the files it was writing. */
export function removeTempFiles(
  root: string,
  entries: JournalEntry[],
  pid: number | undefined,
  report: RollbackReport,
): void {
  if (!pid) return;
  for (const entry of entries) {
    const temp = atomicTempFile(path.join(root, entry.path), pid);
    report.attempt(path.relative(root, temp), () =>
      fs.rmSync(temp, { force: true }),
    );
  }
}
