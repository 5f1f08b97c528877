import { STATE_DIR } from '../core/paths.js';

export interface RollbackFailure {
  path: string;
  reason: string;
}

/** An fs error as `CODE: cause` (Node's message without the paths), or the message. */
function describeFailure(err: unknown): string {
  const error = err as NodeJS.ErrnoException;
  const message = error instanceof Error ? error.message : String(err);
  if (!error?.code || !message.startsWith(`${error.code}: `)) return message;
  return message.split(',')[0];
}

/**
 * What a rollback really did: the files it put back and deleted (each once,
 * only when it changed something), the folders and node_modules entries it
 * restored, and what it could not restore. The tool's own bookkeeping under
 * .nanoclaw/skill-applicator is restored too, but is not the user's to count.
 */
export class RollbackReport {
  readonly restoredFiles = new Set<string>();
  readonly deletedFiles = new Set<string>();
  /** Folders (dist/) and node_modules entries, restored or removed. */
  readonly otherPaths = new Set<string>();
  readonly failed: RollbackFailure[] = [];

  /** Run one restoring action; a failure is recorded, not thrown. */
  attempt(path: string, action: () => void): void {
    try {
      action();
    } catch (err) {
      this.failed.push({ path, reason: describeFailure(err) });
    }
  }

  private place(path: string, files: Set<string>): void {
    if (path.startsWith(`${STATE_DIR}/`)) return;
    if (path.startsWith('node_modules/')) this.otherPaths.add(path);
    else files.add(path);
  }

  restored(path: string): void {
    this.place(path, this.restoredFiles);
  }

  deleted(path: string): void {
    this.place(path, this.deletedFiles);
  }

  folder(path: string): void {
    if (!path.startsWith(`${STATE_DIR}/`)) this.otherPaths.add(path);
  }

  get fileCount(): number {
    return new Set([...this.restoredFiles, ...this.deletedFiles]).size;
  }

  /** E.g. "rolled back 37 files (11 restored, 26 deleted); also put back dist/, node_modules/some-package". */
  describe(): string {
    const count = this.fileCount;
    let text = `rolled back ${count} file${count === 1 ? '' : 's'}`;
    if (count > 0) {
      text += ` (${this.restoredFiles.size} restored, ${this.deletedFiles.size} deleted)`;
    }
    if (this.otherPaths.size > 0) {
      text += `; also put back ${[...this.otherPaths].sort().join(', ')}`;
    }
    return text;
  }

  /** One line per path that could not be restored. */
  failureLines(): string[] {
    return this.failed.map((f) => `${f.path}: ${f.reason}`);
  }
}
