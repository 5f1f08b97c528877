import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';

import type { FileChange } from './tree.js';

const FILE_MODE = '100644';

/** Each file's part of the diff, by path, valid while before and after are the same. */
const rendered = new Map<string, { change: FileChange; text: string }>();

/** A multi-file patch is its files' patches joined by newlines, so each is rendered once. */
function toText(change: FileChange): string {
  const known = rendered.get(change.path);
  if (
    known?.change.before === change.before &&
    known.change.after === change.after
  ) {
    return known.text;
  }
  const text = formatPatch(computePatch(change));
  rendered.set(change.path, { change, text });
  return text;
}

function computePatch(change: FileChange): StructuredPatch {
  const isCreate = change.before === null;
  const isDelete = change.after === null;
  const patch = structuredPatch(
    isCreate ? '/dev/null' : `a/${change.path}`,
    isDelete ? '/dev/null' : `b/${change.path}`,
    change.before ?? '',
    change.after ?? '',
  );
  return Object.assign(patch, {
    isGit: true,
    isCreate,
    isDelete,
    ...(isCreate ? { newMode: FILE_MODE } : {}),
    ...(isDelete ? { oldMode: FILE_MODE } : {}),
  });
}

/**
 * Render the diff of these changes now, so that rendering it later (with more
 * changes added) only renders the new ones. A dry run does this for the
 * copied templates while the codemods are still running.
 */
export function prepareDiff(changes: FileChange[]): void {
  for (const change of changes) toText(change);
}

/** One git-style unified diff (a/, b/, new and deleted files) that `git apply` accepts. */
export function renderDiff(changes: FileChange[]): string {
  return changes.map(toText).join('\n');
}

export interface ChangeSummary {
  created: string[];
  updated: string[];
  deleted: string[];
}

export function summarise(changes: FileChange[]): ChangeSummary {
  return {
    created: changes.filter((c) => c.before === null).map((c) => c.path),
    updated: changes
      .filter((c) => c.before !== null && c.after !== null)
      .map((c) => c.path),
    deleted: changes.filter((c) => c.after === null).map((c) => c.path),
  };
}
