import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from './errors.js';
import { listFiles, pruneEmptyDirs, writeFileAtomic } from './fs-util.js';
import { STATE_DIR } from './paths.js';

const JOURNAL_DIR = `${STATE_DIR}/journal`;
const JOURNAL_FILE = 'journal.json';

interface JournalEntry {
  path: string;
  /** Backup file name under the journal folder; absent when the file did not exist. */
  backup?: string;
}

interface JournalData {
  operation: string;
  skill: string;
  startedAt: string;
  entries: JournalEntry[];
  /** Files present before programs ran; anything new is theirs to undo. */
  filesBefore?: string[];
  /** Folders copied aside whole (build output) and restored whole. */
  preserved: { path: string; backup: string }[];
  /** Paths (links, folders) a step created where the tree walk does not look. */
  createdPaths: string[];
}

/**
 * A write-ahead journal in the target: original bytes are saved before anything
 * is written, so a failed run (or a crashed one, on the next start) can be
 * rolled back exactly.
 */
export class Journal {
  private constructor(
    private readonly root: string,
    private readonly data: JournalData,
  ) {}

  private static dir(root: string): string {
    return path.join(root, JOURNAL_DIR);
  }

  static exists(root: string): boolean {
    return fs.existsSync(path.join(Journal.dir(root), JOURNAL_FILE));
  }

  static begin(root: string, operation: string, skill: string): Journal {
    fs.mkdirSync(Journal.dir(root), { recursive: true });
    const journal = new Journal(root, {
      operation,
      skill,
      startedAt: new Date().toISOString(),
      entries: [],
      preserved: [],
      createdPaths: [],
    });
    journal.save();
    return journal;
  }

  static load(root: string): Journal {
    const file = path.join(Journal.dir(root), JOURNAL_FILE);
    try {
      return new Journal(
        root,
        JSON.parse(fs.readFileSync(file, 'utf8')) as JournalData,
      );
    } catch (err) {
      throw new SkillError(
        `${JOURNAL_DIR}/${JOURNAL_FILE} is unreadable: ${(err as Error).message}`,
        {
          file,
          hint: 'Restore the files listed there by hand (e.g. git checkout), then delete the journal folder.',
        },
      );
    }
  }

  get description(): string {
    return `${this.data.operation} ${this.data.skill} (started ${this.data.startedAt})`;
  }

  private save(): void {
    writeFileAtomic(
      path.join(Journal.dir(this.root), JOURNAL_FILE),
      JSON.stringify(this.data, null, 2),
    );
  }

  /** Save the current bytes of each path (once) before anything changes them. */
  record(relativePaths: string[]): void {
    for (const relative of relativePaths) {
      if (this.data.entries.some((entry) => entry.path === relative)) continue;
      const absolute = path.join(this.root, relative);
      const entry: JournalEntry = { path: relative };
      if (fs.existsSync(absolute)) {
        entry.backup = `file-${this.data.entries.length}`;
        fs.copyFileSync(
          absolute,
          path.join(Journal.dir(this.root), entry.backup),
        );
      }
      this.data.entries.push(entry);
    }
    this.save();
  }

  /** Remember which files exist before programs (npm, tsc) run in the target. */
  snapshotFiles(): void {
    this.data.filesBefore = listFiles(this.root);
    this.save();
  }

  /** Copy a whole folder aside (e.g. dist/), to be restored whole on rollback. */
  preserveDir(relative: string): void {
    const source = path.join(this.root, relative);
    if (!fs.existsSync(source)) return;
    const backup = `dir-${this.data.preserved.length}`;
    fs.cpSync(source, path.join(Journal.dir(this.root), backup), {
      recursive: true,
      verbatimSymlinks: true,
    });
    this.data.preserved.push({ path: relative, backup });
    this.save();
  }

  /** A path a step is about to create outside the walked tree (e.g. node_modules/x). */
  willCreate(relative: string): void {
    if (fs.existsSync(path.join(this.root, relative))) return;
    this.data.createdPaths.push(relative);
    this.save();
  }

  /** Undo everything recorded, newest first; returns the paths put back. */
  rollback(): string[] {
    const restored: string[] = [];
    const dir = Journal.dir(this.root);
    for (const created of this.data.createdPaths) {
      fs.rmSync(path.join(this.root, created), {
        recursive: true,
        force: true,
      });
    }
    if (this.data.filesBefore) {
      const before = new Set(this.data.filesBefore);
      for (const file of listFiles(this.root)) {
        if (before.has(file)) continue;
        fs.rmSync(path.join(this.root, file), { force: true });
        pruneEmptyDirs(this.root, path.dirname(file));
        restored.push(file);
      }
    }
    for (const preserved of [...this.data.preserved].reverse()) {
      const target = path.join(this.root, preserved.path);
      fs.rmSync(target, { recursive: true, force: true });
      fs.cpSync(path.join(dir, preserved.backup), target, {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
    for (const entry of [...this.data.entries].reverse()) {
      const target = path.join(this.root, entry.path);
      if (entry.backup) {
        writeFileAtomic(target, fs.readFileSync(path.join(dir, entry.backup)));
      } else if (fs.existsSync(target)) {
        fs.rmSync(target, { force: true });
        pruneEmptyDirs(this.root, path.dirname(entry.path));
      }
      restored.push(entry.path);
    }
    this.finish();
    return [...new Set(restored)].sort();
  }

  /** Success (or rollback done): drop the journal and any folder it leaves empty. */
  finish(): void {
    fs.rmSync(Journal.dir(this.root), { recursive: true, force: true });
    pruneEmptyDirs(this.root, STATE_DIR);
  }
}
