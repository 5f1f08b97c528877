import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';

import type { FileChange } from './tree.js';

const FILE_MODE = '100644';

/** Patches already computed, by path, valid while before and after are the same. */
const computed = new Map<
  string,
  { change: FileChange; patch: StructuredPatch }
>();

function toPatch(change: FileChange): StructuredPatch {
  const known = computed.get(change.path);
  if (
    known?.change.before === change.before &&
    known.change.after === change.after
  ) {
    return known.patch;
  }
  const patch = computePatch(change);
  computed.set(change.path, { change, patch });
  return patch;
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
 * Compute the patches of these changes now, so that rendering them later
 * (with more changes added) only computes the new ones. A dry run does this
 * for the copied templates while the codemods are still running.
 */
export function prepareDiff(changes: FileChange[]): void {
  for (const change of changes) toPatch(change);
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
