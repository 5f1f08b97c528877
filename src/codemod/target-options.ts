/**
 * What the engine reads of a target for its codemods, once per run: the
 * prettier settings and the names a few files export. Kept apart from the
 * codemod machinery so that reading it never loads the TypeScript compiler
 * (the CLI's main thread reads it for status; the compiler loads in the worker).
 */
import fs from 'node:fs';
import path from 'node:path';

import { readFormatOptions, type FormatOptions } from './format-config.js';

export interface CodemodOptions {
  /** The target's format settings; NanoClaw's own (./format-config.ts) for what is not given. */
  format?: Partial<FormatOptions>;
  /**
   * Names some target files export, by target-relative path (see
   * EXPORTS_READ). A codemod uses them only to choose between ways to edit its
   * own file, never to find its anchors.
   */
  targetExports?: Record<string, string[]>;
}

/** Files whose exports readCodemodOptions reads: container-runtime.ts's PROXY_BIND_HOST. */
export const EXPORTS_READ = ['src/container-runtime.ts'];

/** Exported names of a TypeScript file, by a scan of its top-level export statements. */
export function exportedNames(source: string): string[] {
  const names = new Set<string>();
  const declaration =
    /^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
  for (const match of source.matchAll(declaration)) names.add(match[1]);
  for (const match of source.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const item of match[1].split(',')) {
      const name = item
        .trim()
        .split(/\s+as\s+/)
        .at(-1)
        ?.trim();
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * Everything codemods may be told about the target at `root`, read once per
 * run: its prettier settings and the exports of EXPORTS_READ. Plain data, so
 * it can travel to the edit worker with the job.
 */
export function readCodemodOptions(root: string): CodemodOptions {
  const targetExports: Record<string, string[]> = {};
  for (const file of EXPORTS_READ) {
    try {
      targetExports[file] = exportedNames(
        fs.readFileSync(path.join(root, file), 'utf8'),
      );
    } catch {
      // No such file: nothing is known of its exports.
    }
  }
  return { format: readFormatOptions(root).format, targetExports };
}
