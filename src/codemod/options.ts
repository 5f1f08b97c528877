/**
 * What a codemod may be told about the target besides the one file it edits:
 * the target's format settings (./format-config.ts) and the names a few other files
 * export. Both are read once per run (readCodemodOptions) and handed to every
 * codemod call; a codemod called without them (jscodeshift, the fixture
 * tests) formats as NanoClaw does and decides from its own file alone.
 *
 * defineFormattedCodemod is defineCodemod (./define.ts) with the options
 * passed through to `analyze`: one defined codemod per distinct options, so
 * the BOM handling, the analysis cache and the errors stay define.ts's own.
 */
import type { API, FileInfo, Options } from 'jscodeshift';

import { defineCodemod, type Analysis } from './define.js';
import {
  formatSettings,
  NANOCLAW_FORMAT,
  type FormatOptions,
} from './format-config.js';
import type { CodemodOptions } from './target-options.js';
import type { Codemod, Detection } from './types.js';

export {
  exportedNames,
  EXPORTS_READ,
  readCodemodOptions,
  type CodemodOptions,
} from './target-options.js';

/** The options a codemod's analysis sees: every format setting decided. */
export interface ResolvedOptions {
  format: FormatOptions;
  targetExports: Record<string, string[]>;
}

export function resolveOptions(options?: CodemodOptions): ResolvedOptions {
  return {
    format: { ...NANOCLAW_FORMAT, ...formatSettings(options?.format) },
    targetExports: options?.targetExports ?? {},
  };
}

/** A Codemod whose calls also take the options (the plain two-argument calls keep working). */
export interface FormattedCodemod extends Codemod {
  detect(source: string, filePath: string, options?: CodemodOptions): Detection;
  isApplied(
    source: string,
    filePath: string,
    options?: CodemodOptions,
  ): boolean;
  apply(source: string, filePath: string, options?: CodemodOptions): string;
  revert(source: string, filePath: string, options?: CodemodOptions): string;
}

export interface FormattedCodemodDefinition {
  id: string;
  description: string;
  files: string;
  analyze(source: string, filePath: string, options: ResolvedOptions): Analysis;
}

export function defineFormattedCodemod(
  definition: FormattedCodemodDefinition,
): FormattedCodemod {
  const { id, description, files } = definition;
  const byOptions = new Map<string, Codemod>();

  function withOptions(options?: CodemodOptions): Codemod {
    const resolved = resolveOptions(options);
    const key = JSON.stringify(resolved);
    let codemod = byOptions.get(key);
    if (!codemod) {
      codemod = defineCodemod({
        id,
        description,
        files,
        analyze: (source, filePath) =>
          definition.analyze(source, filePath, resolved),
      });
      byOptions.set(key, codemod);
    }
    return codemod;
  }

  return {
    id,
    description,
    files,
    detect: (source, filePath, options) =>
      withOptions(options).detect(source, filePath),
    isApplied: (source, filePath, options) =>
      withOptions(options).isApplied(source, filePath),
    apply: (source, filePath, options) =>
      withOptions(options).apply(source, filePath),
    revert: (source, filePath, options) =>
      withOptions(options).revert(source, filePath),
  };
}

/**
 * The codemod as a jscodeshift transform: `--revert` undoes it, and the
 * format settings may be given as options (`--printWidth=120
 * --singleQuote=false --semi=false --trailingComma=es5`).
 */
export function formattedTransform(codemod: FormattedCodemod) {
  return (file: FileInfo, _api: API, options: Options = {}): string => {
    const format = formatSettings(options);
    const given = Object.keys(format).length > 0 ? { format } : undefined;
    return options.revert && options.revert !== 'false'
      ? codemod.revert(file.source, file.path, given)
      : codemod.apply(file.source, file.path, given);
  };
}
