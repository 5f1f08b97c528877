import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';

import type { FileChange } from './tree.js';

const FILE_MODE = '100644';

function toPatch(change: FileChange): StructuredPatch {
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

/** One git-style unified diff (a/, b/, new and deleted files) that `git apply` accepts. */
export function renderDiff(changes: FileChange[]): string {
  if (changes.length === 0) return '';
  return formatPatch(changes.map(toPatch));
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
