import fs from 'node:fs';
import path from 'node:path';

import { SkillError } from '../core/errors.js';
import { listFiles, pruneEmptyDirs, writeFileAtomic } from '../core/fs-util.js';
import {
  HIDDEN_LOCK,
  readModuleEntries,
  restoreModuleEntries,
  type ModuleEntries,
} from '../core/node-modules-snapshot.js';
import { STATE_DIR } from '../core/paths.js';
import { processStartTime } from '../core/process-group.js';
import {
  removeTempFiles,
  restoreDir,
  restoreEntry,
  type JournalEntry,
  type PreservedDir,
} from './journal-restore.js';
import { RollbackReport } from './rollback-report.js';

const JOURNAL_DIR = `${STATE_DIR}/journal`;
const JOURNAL_FILE = 'journal.json';

interface JournalData {
  operation: string;
  skill: string;
  startedAt: string;
  /** The run's process, whose temp files (`<file>.<pid>.tmp`) a crash may leave. */
  pid?: number;
  entries: JournalEntry[];
  /** Files present before programs ran; anything new is theirs to undo. */
  filesBefore?: string[];
  /** Folders restored whole (build output); no backup: the folder did not exist. */
  preserved: PreservedDir[];
  /** Paths (links, folders) a step created where the tree walk does not look. */
  createdPaths: string[];
  /** node_modules before npm ran, and copies of folders npm was about to remove. */
  nodeModules?: { entries: ModuleEntries; backups: Record<string, string> };
  /** Process groups of commands running now (npm, tsc): a killed run leaves them behind. */
  commands?: { pgid: number; startTime?: string }[];
}

/**
 * A write-ahead journal in the target: original bytes are saved before anything
 * is written, so a failed run (or a crashed one, on the next start) can be
 * rolled back exactly. A rollback that cannot restore some path keeps the
 * journal, so that the next run can finish it once the cause is fixed.
 */
export class Journal {
  private finished = false;

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
      pid: process.pid,
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

  private get backupDir(): string {
    return Journal.dir(this.root);
  }

  private save(): void {
    // A command ending after the rollback must not bring the journal back.
    if (this.finished) return;
    writeFileAtomic(
      path.join(this.backupDir, JOURNAL_FILE),
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
        fs.copyFileSync(absolute, path.join(this.backupDir, entry.backup));
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

  /**
   * A whole folder (e.g. dist/) to be restored whole on rollback: copied aside
   * when it exists, deleted again when the run creates it.
   */
  preserveDir(relative: string): void {
    if (this.data.preserved.some((p) => p.path === relative)) return;
    const source = path.join(this.root, relative);
    if (!fs.existsSync(source)) {
      this.data.preserved.push({ path: relative });
    } else {
      const backup = `dir-${this.data.preserved.length}`;
      fs.cpSync(source, path.join(this.backupDir, backup), {
        recursive: true,
        verbatimSymlinks: true,
      });
      this.data.preserved.push({ path: relative, backup });
    }
    this.save();
  }

  /** A command's process group started (see stopLeftoverCommands). */
  commandStarted(pgid: number): void {
    this.data.commands = [
      ...(this.data.commands ?? []),
      { pgid, startTime: processStartTime(pgid) },
    ];
    this.save();
  }

  commandEnded(pgid: number): void {
    this.data.commands = this.data.commands?.filter((c) => c.pgid !== pgid);
    this.save();
  }

  /** Commands still running when the run ended: a killed run's builds. */
  get leftoverCommands(): { pgid: number; startTime?: string }[] {
    return this.data.commands ?? [];
  }

  /** A path a step is about to create outside the walked tree. */
  willCreate(relative: string): void {
    if (fs.existsSync(path.join(this.root, relative))) return;
    this.data.createdPaths.push(relative);
    this.save();
  }

  /**
   * Before npm (or the run itself) changes node_modules: note its entries and
   * its hidden lock file, and copy aside the real folders of `packages` (links
   * are re-made from their target), so a rollback puts all of it back.
   */
  guardNodeModules(packages: string[]): void {
    const first = !this.data.nodeModules;
    this.data.nodeModules ??= {
      entries: readModuleEntries(this.root),
      backups: {},
    };
    const { entries, backups } = this.data.nodeModules;
    for (const name of packages) {
      if (name in backups || entries[name]?.link !== undefined) continue;
      if (!(name in entries)) continue;
      backups[name] = `module-${Object.keys(backups).length}`;
      fs.cpSync(
        path.join(this.root, 'node_modules', name),
        path.join(this.backupDir, backups[name]),
        { recursive: true, verbatimSymlinks: true },
      );
    }
    if (first) this.record([`node_modules/${HIDDEN_LOCK}`]);
    else this.save();
  }

  /**
   * Undo everything recorded, newest first, one path at a time: a path that
   * cannot be restored is reported and the rest still happens.
   */
  rollback(): RollbackReport {
    const report = new RollbackReport();
    removeTempFiles(this.root, this.data.entries, this.data.pid, report);
    for (const created of this.data.createdPaths) {
      report.attempt(created, () => {
        if (!fs.existsSync(path.join(this.root, created))) return;
        fs.rmSync(path.join(this.root, created), {
          recursive: true,
          force: true,
        });
        report.folder(created);
      });
    }
    this.removeNewFiles(report);
    this.restoreNodeModules(report);
    for (const preserved of [...this.data.preserved].reverse()) {
      report.attempt(`${preserved.path}/`, () =>
        restoreDir(this.root, this.backupDir, preserved, report),
      );
    }
    for (const entry of [...this.data.entries].reverse()) {
      report.attempt(entry.path, () =>
        restoreEntry(this.root, this.backupDir, entry, report),
      );
    }
    if (report.failed.length === 0) this.finish();
    return report;
  }

  /**
   * Files programs created since snapshotFiles (stray .js next to sources,
   * say). Those inside a preserved folder go when the folder is put back.
   */
  private removeNewFiles(report: RollbackReport): void {
    if (!this.data.filesBefore) return;
    const before = new Set(this.data.filesBefore);
    const inPreserved = (file: string) =>
      this.data.preserved.some((p) => file.startsWith(`${p.path}/`));
    for (const file of listFiles(this.root)) {
      if (before.has(file) || inPreserved(file)) continue;
      report.attempt(file, () => {
        fs.rmSync(path.join(this.root, file), { force: true });
        pruneEmptyDirs(this.root, path.dirname(file));
        report.deleted(file);
      });
    }
  }

  private restoreNodeModules(report: RollbackReport): void {
    const saved = this.data.nodeModules;
    if (!saved) return;
    const backups = Object.fromEntries(
      Object.entries(saved.backups).map(([name, backup]) => [
        name,
        path.join(this.backupDir, backup),
      ]),
    );
    restoreModuleEntries(
      this.root,
      saved.entries,
      backups,
      (relative, action) =>
        report.attempt(relative, () => {
          const change = action();
          if (change) report.folder(change.path);
        }),
    );
  }

  /** Success (or rollback done): drop the journal and any folder it leaves empty. */
  finish(): void {
    this.finished = true;
    fs.rmSync(Journal.dir(this.root), { recursive: true, force: true });
    pruneEmptyDirs(this.root, STATE_DIR);
  }
}
