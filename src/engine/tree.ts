import path from 'node:path';

import { readFileIfPresent } from '../core/fs-util.js';

/** One file's planned change; `null` means the file does not exist on that side. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string | null;
}

/**
 * The target as an in-memory change set (like a schematics Tree): reads fall
 * through to disk, writes stay in memory until the engine commits them, so the
 * dry-run printer and the writer consume the very same changes.
 */
export class Tree {
  private readonly originals = new Map<string, string | null>();
  private readonly current = new Map<string, string | null>();

  /** `pending`: changes already made in memory elsewhere (another thread's tree). */
  constructor(
    readonly root: string,
    pending: Record<string, string | null> = {},
  ) {
    for (const [relative, content] of Object.entries(pending)) {
      this.current.set(relative, content);
    }
  }

  /** Every in-memory change, as data another thread can start from. */
  pending(): Record<string, string | null> {
    return Object.fromEntries(this.current);
  }

  absolute(relative: string): string {
    return path.join(this.root, relative);
  }

  private original(relative: string): string | null {
    if (!this.originals.has(relative)) {
      this.originals.set(relative, readFileIfPresent(this.absolute(relative)));
    }
    return this.originals.get(relative) ?? null;
  }

  /** Every file read from disk so far, with what was there (null: not a file). */
  diskReads(): [string, string | null][] {
    return [...this.originals];
  }

  read(relative: string): string | null {
    return this.current.has(relative)
      ? (this.current.get(relative) ?? null)
      : this.original(relative);
  }

  exists(relative: string): boolean {
    return this.read(relative) !== null;
  }

  write(relative: string, content: string): void {
    this.original(relative);
    this.current.set(relative, content);
  }

  delete(relative: string): void {
    this.original(relative);
    this.current.set(relative, null);
  }

  /** Real changes only, sorted by path so output is deterministic. */
  changes(): FileChange[] {
    return [...this.current.keys()]
      .sort()
      .map((relative) => ({
        path: relative,
        before: this.original(relative),
        after: this.current.get(relative) ?? null,
      }))
      .filter((change) => change.before !== change.after);
  }
}
